import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/platform/http/errors.js';
import { bearer, createTestApp, type TestApp } from './harness.js';

// The platform's request handling, checked through routes added to the real app: validation,
// body limits, the error envelope and the Request-Id header.
describe('HTTP envelope and validation', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp({ bodyLimitBytes: 4096 });
    t.app.post('/test/echo', {
      config: { public: true },
      schema: {
        body: Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            amount: Type.Integer(),
            items: Type.Optional(Type.Array(Type.Object({ email: Type.String({ format: 'email' }) }, { additionalProperties: false }))),
          },
          { additionalProperties: false },
        ),
      },
      handler: async (request) => ({ data: request.body }),
    });
    t.app.get('/test/boom', { config: { public: true } }, async () => {
      throw new Error('secret internal detail: connection string postgres://user:pw@db');
    });
    t.app.get('/test/app-error', { config: { public: true } }, async () => {
      throw new AppError('invalid_state', 'Not now.', 'status');
    });
    key = await t.createKey();
  });
  afterAll(() => t.close());

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/test/echo', payload: payload as string, headers: { 'content-type': 'application/json', ...headers } });

  it('puts a Request-Id on successes, errors and unknown routes', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/healthz' });
    const unauthorized = await t.app.inject({ method: 'GET', url: '/api-keys' });
    const missing = await t.app.inject({ method: 'GET', url: '/nowhere', headers: bearer(key) });
    for (const response of [ok, unauthorized, missing]) expect(response.headers['request-id']).toMatch(/^req_[0-9a-f]{32}$/);
    expect(new Set([ok, unauthorized, missing].map((r) => r.headers['request-id'])).size).toBe(3);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({ code: 'not_found', requestId: missing.headers['request-id'] });
    expect(unauthorized.json().error.requestId).toBe(unauthorized.headers['request-id']);
  });

  it('echoes a valid body', async () => {
    const response = await post({ name: 'a', amount: 5 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ data: { name: 'a', amount: 5 } });
  });

  it('rejects an unknown field with 400 and names it', async () => {
    const response = await post({ name: 'a', amount: 5, colour: 'red' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_request', param: 'colour' });
    const nested = await post({ name: 'a', amount: 5, items: [{ email: 'a@b.co' }, { email: 'a@b.co', x: 1 }] });
    expect(nested.json().error.param).toBe('items[1].x');
  });

  it('rejects wrong types without coercing them', async () => {
    const response = await post({ name: 'a', amount: '5' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.param).toBe('amount');
    const missing = await post({ amount: 5 });
    expect(missing.json().error).toMatchObject({ code: 'invalid_request', param: 'name' });
    const badEmail = await post({ name: 'a', amount: 1, items: [{ email: 'nope' }] });
    expect(badEmail.json().error.param).toBe('items[0].email');
  });

  it('answers malformed JSON and wrong content types in the envelope', async () => {
    const malformed = await post('{"name": ');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('invalid_json');
    const text = await t.app.inject({ method: 'POST', url: '/test/echo', payload: 'name=a', headers: { 'content-type': 'text/plain' } });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('unsupported_media_type');
  });

  it('answers an oversized body with 413', async () => {
    const response = await post({ name: 'x'.repeat(10_000), amount: 1 });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
  });

  it('hides internal details of unexpected failures', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/test/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json().error.code).toBe('internal_error');
    expect(response.body).not.toContain('postgres://');
  });

  it('renders AppErrors with their catalogue status and param', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/test/app-error' });
    expect(response.statusCode).toBe(409);
    expect(response.json().error).toMatchObject({ code: 'invalid_state', message: 'Not now.', param: 'status' });
  });

  it('publishes an OpenAPI document generated from the routes', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/api-keys/{id}');
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('<html');
  });

  it('reports health with the database', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.json()).toEqual({ data: { status: 'ok', database: t.db.kind } });
  });
});
