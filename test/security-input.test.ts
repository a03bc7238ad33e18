import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeError } from '../src/platform/log.js';
import { bearer, createTestApp, type TestApp } from './harness.js';

// Issue #9, finding 4: characters PostgreSQL refuses in text are the client's mistake (400 at
// validation, naming the field), database errors a client causes are 4xx, and no SQL parameter
// ever reaches the log.
describe('text PostgreSQL refuses', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await createTestApp();
    // A route that fails in the database with the caller's values as parameters: one refusal a
    // client can cause (22P02) and one the server cannot explain (22012).
    t.app.post('/__test/db-error', { config: { public: true } }, async (request) => {
      const { kind, email } = request.body as { kind: string; email: string };
      if (kind === 'client') return t.db.query('select $1::uuid as id', [email]);
      return t.db.query('select 1 / 0 as boom where $1::text is not null', [email]);
    });
    key = await t.createKey();
  });
  afterAll(() => t.close());

  const expectRefused = (response: { statusCode: number; json(): any }, param: string | undefined) => {
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('invalid_request');
    expect(error.param).toBe(param);
    expect(error.message).toMatch(/not allowed/);
  };

  it('refuses NUL in a body string with the field as param', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/payments',
      headers: bearer(key),
      payload: { payouts: [{ payeeEmail: 'a@example.com', amount: 100, description: 'before\u0000after' }] },
    });
    expectRefused(response, 'payouts[0].description');
  });

  it('refuses NUL in a recipient name', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/recipients',
      headers: bearer(key),
      payload: { recipients: [{ firstName: 'Ada\u0000', lastName: 'L', email: 'ada@example.com' }] },
    });
    expectRefused(response, 'recipients[0].firstName');
  });

  it('refuses an unpaired surrogate in a body string', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/payments',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      payload: '{"payouts":[{"payeeEmail":"a@example.com","amount":100,"referenceId":"x\\ud800y"}]}',
    });
    expectRefused(response, 'payouts[0].referenceId');
  });

  it('accepts a well-formed surrogate pair', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/payments',
      headers: bearer(key),
      payload: { payouts: [{ payeeEmail: 'emoji@example.com', amount: 100, description: 'thanks 🎉' }] },
    });
    expect(response.statusCode).toBe(201);
  });

  it('refuses NUL in a query string and a path parameter', async () => {
    expectRefused(await t.app.inject({ method: 'GET', url: '/payments?referenceId=a%00b', headers: bearer(key) }), 'referenceId');
    expectRefused(await t.app.inject({ method: 'GET', url: '/payments/a%00b', headers: bearer(key) }), 'paymentId');
  });

  it('refuses NUL in the login email before any look-up', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'admin\u0000@example.com', password: 'whatever-password' } });
    expectRefused(response, 'email');
  });

  it('answers a database refusal of a client value with a 400, not a 500', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/__test/db-error', payload: { kind: 'client', email: 'not-a-uuid@example.com' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_request');
    expect(response.body).not.toContain('not-a-uuid');
  });

  it('logs an unexplained database error without its SQL parameters or statement', async () => {
    const secret = 'grace.hopper.private@example.com';
    const response = await t.app.inject({ method: 'POST', url: '/__test/db-error', payload: { kind: 'server', email: secret } });
    expect(response.statusCode).toBe(500);
    const line = t.logs.lines.find((l) => l.includes('unhandled error'));
    expect(line).toBeDefined();
    expect(line).toContain('22012');
    expect(line).toContain('division by zero');
    expect(t.logs.text).not.toContain(secret);
    expect(t.logs.text).not.toContain('1 / 0');
  });

  it('keeps only safe fields of an error and its cause', () => {
    const dbError = Object.assign(new Error('duplicate key'), {
      code: '23505',
      severity: 'ERROR',
      detail: 'Key (email)=(x@example.com) exists.',
      params: ['x@example.com'],
      query: 'insert …',
    });
    const wrapped = new Error('could not save', { cause: dbError });
    const text = JSON.stringify(serializeError(wrapped));
    expect(text).toContain('23505');
    expect(text).not.toContain('x@example.com');
    expect(text).not.toContain('insert');
  });
});
