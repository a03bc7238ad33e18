import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';

// PostgreSQL refuses NUL (U+0000) in text and cannot encode an unpaired UTF-16 surrogate in UTF-8:
// such a string reaching SQL fails the statement (a 500 before this guard). JSON can carry both
// ("\u0000", "\ud800"), and so can a URL (%00), so every parsed string is checked before
// validation and refused as the client's mistake, naming the field.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point.
const REFUSED = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const hasRefusedCharacter = (text: string): boolean => REFUSED.test(text);

const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/** The param path of the first string (or object key) holding a refused character, if any. */
export function findRefusedText(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return REFUSED.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findRefusedText(value[i], join(path, i));
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (REFUSED.test(key)) return join(path, key);
      const found = findRefusedText(item, join(path, key));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

export function installTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [
      ['params', request.params],
      ['query', request.query],
      ['body', request.body],
    ] as const) {
      const param = findRefusedText(value);
      if (param === undefined) continue;
      const subject = param ? `\`${param}\`` : `The request ${part === 'body' ? 'body' : part}`;
      throw new AppError('invalid_request', `${subject} contains a character that is not allowed (NUL or an unpaired UTF-16 surrogate).`, param || undefined);
    }
  });
}
