import { Ajv, type ErrorObject } from 'ajv';
import formatsPlugin from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// Bodies are validated strictly: no type coercion ("100" is not an amount) and unknown fields are
// errors, not silently dropped. Query strings and path parameters arrive as text, so those are
// coerced to the declared types.
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
  });
  // ajv-formats is CommonJS; its callable export sits on `default` under ESM interop.
  const addFormats = (formatsPlugin as unknown as { default: typeof formatsPlugin }).default ?? formatsPlugin;
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const textAjv = makeAjv(true);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object);

/** `/payouts/3/payeeEmail` → `payouts[3].payeeEmail`, the param notation of the error envelope. */
export function toParamPath(instancePath: string, extra?: string): string | undefined {
  const parts = instancePath.split('/').filter(Boolean);
  if (extra) parts.push(extra);
  if (parts.length === 0) return undefined;
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

/** A readable sentence for the first schema violation, naming the field at fault. */
export function describeValidationError(error: ErrorObject, part: string): { message: string; param?: string } {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    const field = String(params.additionalProperty);
    const param = toParamPath(error.instancePath, field);
    return { message: `Unknown field \`${param}\`.`, param };
  }
  if (error.keyword === 'required') {
    const param = toParamPath(error.instancePath, String(params.missingProperty));
    return { message: `Missing required field \`${param}\`.`, param };
  }
  const param = toParamPath(error.instancePath);
  const subject = param ? `\`${param}\`` : `The ${part === 'body' ? 'request body' : part}`;
  return { message: `${subject} ${error.message ?? 'is invalid'}.`, ...(param ? { param } : {}) };
}
