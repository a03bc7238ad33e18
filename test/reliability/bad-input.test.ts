import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listApiKeys } from '../../src/modules/api-keys/api-keys.service.js';
import { createTestApp, type TestApp } from '../harness.js';
import { type Receiver, startReceiver } from '../receiver.js';
import { expectErrorEnvelope, http, type HttpAnswer } from './support.js';

// A sweep of bad input over every operation the service publishes in /openapi.json: for each
// path, query and header parameter and for every node of each request body, values of the wrong
// type, out of range, too long, in the wrong format, missing or unknown; malformed JSON, bodies of
// the wrong JSON type, the wrong content types, and a body over the size limit. Every answer must
// be a 4xx in the documented error envelope (never a 500), and the database must be exactly as it
// was: nothing written. Bodies are checked against the published schema before they are sent,
// so every one of them is really invalid.

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema: Schema }[];
  body?: Schema;
}
interface Case {
  kind: 'path' | 'query' | 'header' | 'raw body' | 'body schema' | 'unstorable text' | 'overflow';
  label: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  rawBody?: string | Buffer;
}

const BODY_LIMIT = 256 * 1024;
const UNKNOWN_ID = '01a20cc7-930f-713c-942f-93b959e2b413';
const HUGE = 'x'.repeat(100_000);
const PARAM_HUGE = 'y'.repeat(4_000);

function makeAjv(coerce: boolean) {
  const ajv = new Ajv({ strict: false, allErrors: false, coerceTypes: coerce ? 'array' : false, useDefaults: false });
  const addFormats = (formatsPlugin as unknown as { default?: (a: Ajv) => void }).default ?? (formatsPlugin as unknown as (a: Ajv) => void);
  addFormats(ajv);
  return ajv;
}

/** A valid value for a schema: every property present, arrays of one item. */
function example(schema: Schema, resolve: (ref: string) => Schema): unknown {
  if (schema.$ref) return example(resolve(schema.$ref), resolve);
  if ('const' in schema) return schema.const;
  if (schema.enum) return schema.enum[0];
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return example(variants.find((v: Schema) => v.type !== 'null') ?? variants[0], resolve);
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, example(v as Schema, resolve)]));
    case 'array':
      return schema.items ? [example(schema.items, resolve)] : [];
    case 'string':
      if (schema.format === 'email') return 'sweep@example.com';
      if (schema.format === 'uuid') return UNKNOWN_ID;
      if (schema.format === 'date-time') return new Date().toISOString();
      return 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
    case 'integer':
    case 'number':
      return Math.min(Math.max(schema.minimum ?? 1, 1), schema.maximum ?? Number.MAX_SAFE_INTEGER);
    case 'boolean':
      return true;
    default:
      return null;
  }
}

/** Replacement values tried at every node of a body; only the ones the schema rejects are sent. */
function candidatesFor(schema: Schema, resolve: (ref: string) => Schema): unknown[] {
  const s = schema.$ref ? resolve(schema.$ref) : schema;
  const values: unknown[] = [
    12345,
    -1,
    0,
    1.5,
    'text',
    '',
    true,
    null,
    [],
    {},
    [1, 2],
    { nested: { deep: true } },
    HUGE,
    'not-a-uuid',
    'not an email',
    'yesterday',
    "' or 1=1 --",
    '\u0000',
    1e308,
    -1e308,
    2 ** 53 + 2,
  ];
  if (typeof s.maxLength === 'number') values.push('z'.repeat(s.maxLength + 1));
  if (typeof s.minLength === 'number' && s.minLength > 0) values.push('z'.repeat(s.minLength - 1));
  if (typeof s.maximum === 'number') values.push(s.maximum + 1);
  if (typeof s.minimum === 'number') values.push(s.minimum - 1);
  if (s.type === 'integer' || s.type === 'number') values.push(String(example(s, resolve)));
  if (s.type === 'boolean') values.push('true', 1);
  return values;
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: any = structuredClone(root);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path.at(-1)!] = value;
  return copy;
}

function deleteAt(root: unknown, path: (string | number)[]): unknown {
  const copy: any = structuredClone(root);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  delete node[path.at(-1)!];
  return copy;
}

const label = (path: (string | number)[]) =>
  path.length === 0
    ? 'body'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
        .join('')
        .slice(1) || 'body';

/** Every mutation of a valid body that the schema rejects: wrong values, missing and unknown fields. */
function* bodyMutations(
  schema: Schema,
  valid: unknown,
  resolve: (ref: string) => Schema,
  path: (string | number)[] = [],
): Generator<{ label: string; body: unknown }> {
  const s = schema.$ref ? resolve(schema.$ref) : schema;
  const here = path.reduce<any>((node, key) => node?.[key], valid);
  for (const candidate of candidatesFor(s, resolve)) {
    yield { label: `${label(path)} = ${JSON.stringify(candidate)?.slice(0, 40)}`, body: setAt(valid, path, candidate) };
  }
  if (s.type === 'object' && here && typeof here === 'object') {
    for (const required of s.required ?? []) yield { label: `${label(path)} without ${required}`, body: deleteAt(valid, [...path, required]) };
    yield { label: `${label(path)} with an unknown field`, body: setAt(valid, [...path, 'unexpectedField'], 1) };
    for (const [name, property] of Object.entries(s.properties ?? {})) yield* bodyMutations(property as Schema, valid, resolve, [...path, name]);
  }
  if (s.type === 'array' && Array.isArray(here) && s.items) {
    yield {
      label: `${label(path)} with too many items`,
      body: setAt(valid, path, typeof s.maxItems === 'number' && s.maxItems <= 1000 ? Array.from({ length: s.maxItems + 1 }, () => here[0]) : here),
    };
    if (here.length > 0) yield* bodyMutations(s.items, valid, resolve, [...path, 0]);
  }
}

/** Strings PostgreSQL cannot store: valid by every schema, refused by the server before any SQL. */
const UNSTORABLE_TEXT = ['before\u0000after', 'lone \ud800 surrogate'];

/** Every string node of a valid body, replaced by each unstorable string. */
function* unstorableTextMutations(
  schema: Schema,
  valid: unknown,
  resolve: (ref: string) => Schema,
  path: (string | number)[] = [],
): Generator<{ label: string; body: unknown }> {
  const s = schema.$ref ? resolve(schema.$ref) : schema;
  const here = path.reduce<any>((node, key) => node?.[key], valid);
  if (typeof here === 'string') for (const text of UNSTORABLE_TEXT) yield { label: `${label(path)} = ${JSON.stringify(text)}`, body: setAt(valid, path, text) };
  if (s.type === 'object' && here && typeof here === 'object')
    for (const [name, property] of Object.entries(s.properties ?? {})) yield* unstorableTextMutations(property as Schema, valid, resolve, [...path, name]);
  if (s.type === 'array' && Array.isArray(here) && here.length > 0 && s.items) yield* unstorableTextMutations(s.items, valid, resolve, [...path, 0]);
}

const MAX = Number.MAX_SAFE_INTEGER;
/** Bodies whose every amount is valid but whose total (or the balance it leads to) passes 2^53−1. */
const OVERFLOW_BODIES: Record<string, { label: string; body: unknown }[]> = {
  'POST /payments': [
    {
      label: 'two payouts of 2^53−1',
      body: {
        payouts: [
          { payeeEmail: 'o1@example.com', amount: MAX },
          { payeeEmail: 'o2@example.com', amount: MAX },
        ],
      },
    },
  ],
  'POST /external-payments': [
    {
      label: 'two external payments of 2^53−1 (the audit repro)',
      body: {
        payouts: [
          { payeeEmail: 'o1@example.com', amount: MAX },
          { payeeEmail: 'o2@example.com', amount: MAX },
        ],
      },
    },
    {
      label: 'external payments summing to 2^53',
      body: {
        payouts: [
          { payeeEmail: 'o1@example.com', amount: MAX },
          { payeeEmail: 'o2@example.com', amount: 1 },
        ],
      },
    },
  ],
  'POST /balance/fundings': [{ label: 'a funding of 2^53−1 over the opening balance', body: { amount: MAX } }],
};

/** Values tried for each path parameter: none of them names a resource of the caller. */
const PATH_VALUES = [
  'not-a-uuid',
  UNKNOWN_ID,
  PARAM_HUGE,
  "'; drop table payouts; --",
  '%E0%A4%A',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '0',
  '-1',
  '01A20CC7-930F-713C-942F-93B959E2B413X',
];

/** Raw bodies that are not a JSON document of the right kind, and content types that are not JSON. */
const RAW_BODIES: { label: string; body: string; type?: string }[] = [
  { label: 'truncated JSON', body: '{"payouts": [' },
  { label: 'single quotes', body: "{'a': 1}" },
  { label: 'trailing comma', body: '{"a": 1,}' },
  { label: 'bare word', body: 'NaN' },
  { label: 'unclosed string', body: '{"a": "b' },
  { label: 'a NUL byte', body: '\u0000' },
  { label: 'an empty body', body: '' },
  { label: 'a JSON array', body: '[]' },
  { label: 'a JSON string', body: '"text"' },
  { label: 'a JSON number', body: '42' },
  { label: 'JSON null', body: 'null' },
  { label: 'JSON true', body: 'true' },
  { label: 'text/plain', body: '{"a": 1}', type: 'text/plain' },
  { label: 'a form', body: 'a=1&b=2', type: 'application/x-www-form-urlencoded' },
  { label: 'multipart', body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n', type: 'multipart/form-data; boundary=x' },
  { label: 'XML', body: '<payouts><amount>1</amount></payouts>', type: 'application/xml' },
  { label: 'an unknown type', body: '{"a": 1}', type: 'application/vnd.unknown' },
];

describe('bad input on every route published in /openapi.json', () => {
  let t: TestApp;
  let receiver: Receiver;
  let baseUrl: string;
  let key: string;
  let openapi: Schema;
  const ids: Record<string, string> = {};

  const fingerprint = async () => {
    const tables = [
      'payouts',
      'recipients',
      'batches',
      'ledger_entries',
      'ledger_balances',
      'webhook_subscriptions',
      'webhook_secrets',
      'webhook_deliveries',
      'idempotency_keys',
      'events',
      'payout_status_updates',
      'organizations',
    ];
    const result: Record<string, string> = {};
    for (const table of [...tables, 'api_keys']) {
      const rows = table === 'api_keys' ? '(select id, organization_id, environment, name, revoked_at from api_keys)' : table;
      const [row] = await t.db.query<{ n: bigint; digest: string }>(
        `select count(*)::bigint as n, md5(coalesce(string_agg(r::text, '|' order by r::text), '')) as digest from ${rows} r`,
      );
      result[table] = `${row!.n}:${row!.digest}`;
    }
    return result;
  };

  beforeAll(async () => {
    t = await createTestApp({ bodyLimitBytes: BODY_LIMIT });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    key = await t.createKey('sandbox');
    receiver = await startReceiver();
    // Real resources for every kind of id, so that bad bodies meet real rows (and could harm them).
    const recipient = await http(baseUrl, 'POST', '/recipients', {
      key,
      body: { recipients: [{ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' }] },
    });
    ids.recipient = recipient.json.data.recipients[0].id;
    const subscription = await http(baseUrl, 'POST', '/events/subscription', { key, body: { event_name: 'payout.updated', callback_url: receiver.url } });
    ids.subscription = subscription.json.data.subscription.id;
    const batch = await http(baseUrl, 'POST', '/payments', {
      key,
      body: {
        payouts: [
          { payeeEmail: 'sweep-1@example.com', amount: 500 },
          { payeeEmail: 'sweep-2@example.com', amount: 700 },
        ],
        idempotencyKey: 'sweep-seed',
      },
    });
    ids.batch = batch.json.data.batchId;
    ids.payment = batch.json.data.payouts[0].id;
    await http(baseUrl, 'POST', `/payments/${batch.json.data.payouts[1].id}/cancel`, { key });
    const [delivery] = await t.db.query<{ id: string }>('select id from webhook_deliveries limit 1');
    ids.delivery = delivery!.id;
    ids.apiKey = (await listApiKeys(t.db, t.defaultOrganizationId, 'sandbox'))[0]!.id;
    openapi = (await http(baseUrl, 'GET', '/openapi.json')).json;
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  /** The id of a real resource for a path parameter, by the collection it follows. */
  function realId(path: string, name: string): string {
    if (name === 'paymentId') return ids.payment!;
    if (name === 'deliveryId') return ids.delivery!;
    if (path.startsWith('/recipients')) return ids.recipient!;
    if (path.startsWith('/batches')) return ids.batch!;
    if (path.startsWith('/api-keys')) return ids.apiKey!;
    if (path.startsWith('/events/subscription')) return ids.subscription!;
    return UNKNOWN_ID;
  }

  function operations(): Operation[] {
    const ops: Operation[] = [];
    for (const [path, item] of Object.entries<Schema>(openapi.paths)) {
      for (const [method, op] of Object.entries<Schema>(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const body = op.requestBody?.content?.['application/json']?.schema;
        ops.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], ...(body ? { body } : {}) });
      }
    }
    return ops;
  }

  function casesFor(op: Operation): Case[] {
    const resolve = (ref: string) => openapi.components.schemas[ref.split('/').at(-1)!] as Schema;
    const realPath = (override?: { name: string; value: string }) =>
      op.path.replace(/\{(\w+)\}/g, (_m, name: string) => (override?.name === name ? override.value : encodeURIComponent(realId(op.path, name))));
    const validBody = op.body ? example(op.body, resolve) : undefined;
    const json = (body: unknown) => JSON.stringify(body);
    const cases: Case[] = [];
    const withValidBody = (c: Case): Case => (op.body ? { ...c, rawBody: json(validBody), headers: { 'content-type': 'application/json', ...c.headers } } : c);

    for (const param of op.parameters.filter((p) => p.in === 'path')) {
      for (const value of PATH_VALUES)
        cases.push(
          withValidBody({
            kind: 'path',
            label: `path ${param.name} = ${value.slice(0, 40)}`,
            path: realPath({ name: param.name, value: value.includes('%') ? value : encodeURIComponent(value) }),
          }),
        );
    }
    const queryAjv = makeAjv(true);
    const queryParams = op.parameters.filter((p) => p.in === 'query');
    for (const param of queryParams) {
      const check = queryAjv.compile(param.schema);
      const values = [
        'abc',
        '1.5',
        '-1',
        '0',
        '101',
        '1e400',
        'not-a-uuid',
        'yesterday',
        'bogus-status',
        '',
        PARAM_HUGE,
        ...(param.schema.maxLength ? ['q'.repeat(param.schema.maxLength + 1)] : []),
      ];
      for (const value of values) {
        const accepted: boolean = check(value);
        if (accepted) continue; // a value the schema accepts is not bad input
        cases.push(
          withValidBody({
            kind: 'query',
            label: `query ${param.name} = ${value.slice(0, 40)}`,
            path: realPath(),
            query: `${param.name}=${encodeURIComponent(value)}`,
          }),
        );
      }
    }
    for (const param of queryParams.filter((p) => p.schema.type === 'string' || p.schema.anyOf)) {
      cases.push(withValidBody({ kind: 'unstorable text', label: `query ${param.name} with NUL`, path: realPath(), query: `${param.name}=a%00b` }));
    }
    if (queryParams.length > 0) cases.push(withValidBody({ kind: 'query', label: 'an unknown query parameter', path: realPath(), query: 'unexpectedParam=1' }));
    if (queryParams.some((p) => p.name === 'cursor'))
      cases.push(withValidBody({ kind: 'query', label: 'a cursor this API never returned', path: realPath(), query: 'cursor=not-a-cursor' }));
    for (const param of op.parameters.filter((p) => p.in === 'header')) {
      for (const value of ['', 'k'.repeat((param.schema.maxLength ?? 1000) + 1)]) {
        cases.push(
          withValidBody({ kind: 'header', label: `header ${param.name} = ${value.length} chars`, path: realPath(), headers: { [param.name]: value } }),
        );
      }
    }

    if (op.method !== 'GET') {
      for (const raw of RAW_BODIES) {
        // Without a body schema, a well-formed JSON document is not bad input: only malformed ones are.
        if (!op.body && !raw.type && (raw.body === '' || isJson(raw.body))) continue;
        cases.push({ kind: 'raw body', label: raw.label, path: realPath(), rawBody: raw.body, headers: { 'content-type': raw.type ?? 'application/json' } });
      }
      cases.push({
        kind: 'raw body',
        label: 'a body over the size limit',
        path: realPath(),
        rawBody: Buffer.alloc(BODY_LIMIT + 1024, ' '),
        headers: { 'content-type': 'application/json' },
      });
      cases.push({ kind: 'raw body', label: 'a JSON body with no content type', path: realPath(), rawBody: Buffer.from(json(validBody ?? { a: 1 })) });
    }
    if (op.body) {
      const ajv = makeAjv(false);
      ajv.addSchema(openapi.components.schemas ? { $id: 'components', ...openapi.components } : {});
      const validate: ValidateFunction = ajv.compile(JSON.parse(JSON.stringify(op.body).replaceAll('#/components/schemas/', 'components#/schemas/')));
      expect(validate(validBody), `${op.method} ${op.path}: the example body must be valid (${JSON.stringify(validate.errors)})`).toBe(true);
      for (const mutation of bodyMutations(op.body, validBody, resolve)) {
        if (validate(mutation.body)) continue; // still valid by the schema: not bad input
        cases.push({
          kind: 'body schema',
          label: mutation.label,
          path: realPath(),
          rawBody: json(mutation.body),
          headers: { 'content-type': 'application/json' },
        });
      }
      for (const mutation of unstorableTextMutations(op.body, validBody, resolve)) {
        cases.push({
          kind: 'unstorable text',
          label: mutation.label,
          path: realPath(),
          rawBody: json(mutation.body),
          headers: { 'content-type': 'application/json' },
        });
      }
      for (const overflow of OVERFLOW_BODIES[`${op.method} ${op.path}`] ?? []) {
        expect(validate(overflow.body), `${op.method} ${op.path} [${overflow.label}] must be valid by the schema`).toBe(true);
        cases.push({
          kind: 'overflow',
          label: overflow.label,
          path: realPath(),
          rawBody: json(overflow.body),
          headers: { 'content-type': 'application/json' },
        });
      }
    }
    return cases;
  }

  it('answers every bad request with a 4xx in the error envelope, and writes nothing', async () => {
    const before = await fingerprint();
    const ops = operations();
    expect(ops.length).toBeGreaterThan(20);
    const failures: string[] = [];
    let sent = 0;
    const byKind: Record<string, number> = {};
    for (const op of ops) {
      const cases = casesFor(op);
      if (op.body) expect(cases.filter((c) => c.kind === 'body schema').length, `${op.method} ${op.path}: body mutations`).toBeGreaterThan(10);
      for (const c of cases) {
        byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
        const url = `${c.path}${c.query ? `?${c.query}` : ''}`;
        let answer: HttpAnswer;
        try {
          answer = await http(baseUrl, op.method, url, { key, headers: { ...c.headers }, ...(c.rawBody !== undefined ? { rawBody: c.rawBody } : {}) });
        } catch (error) {
          failures.push(`${op.method} ${op.path} [${c.label}]: no answer (${(error as Error).message})`);
          continue;
        }
        sent++;
        const where = `${op.method} ${op.path} [${c.label}]`;
        if (answer.status < 400 || answer.status >= 500) {
          failures.push(`${where}: ${answer.status} ${answer.text.slice(0, 160)}`);
          continue;
        }
        try {
          expectErrorEnvelope(answer, where);
        } catch (error) {
          failures.push(`${where}: ${(error as Error).message.split('\n')[0]}`);
        }
      }
    }
    console.info(
      `bad-input sweep: ${sent} bad requests over ${ops.length} operations (${Object.entries(byKind)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')})`,
    );
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1_000);
    expect(byKind['unstorable text']).toBeGreaterThan(50);
    expect(byKind.overflow).toBe(4);
    expect(await fingerprint()).toEqual(before);
  });

  // Refused by Node's HTTP parser before any route runs: the answer must still be the envelope.
  it('answers a request whose URL is over the server’s header limit with a 4xx in the error envelope', async () => {
    const answer = await http(baseUrl, 'GET', `/payments/${'a'.repeat(20_000)}`, { key });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expectErrorEnvelope(answer, 'a 20 kB URL');
  });
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
