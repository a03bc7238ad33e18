import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../src/modules/api-keys/api-keys.service.js';
import { bearer, createTestApp, type TestApp } from './harness.js';

describe('API key authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const listKeys = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api-keys', headers });

  it('accepts a valid key and scopes the answer to its organization and environment', async () => {
    const key = await t.createKey('sandbox');
    await t.createKey('production');
    const otherOrg = await t.createOrganization();
    await t.createKey('sandbox', otherOrg);
    const response = await listKeys(bearer(key));
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.data.length).toBeGreaterThan(0);
    for (const listed of body.data) expect(listed.environment).toBe('sandbox');
    expect(body.data.some((k: { last4: string }) => k.last4 === key.slice(-4))).toBe(true);
    expect(JSON.stringify(body)).not.toContain(key);
  });

  it('records when a key was last used', async () => {
    const key = await t.createKey();
    await listKeys(bearer(key));
    const body = (await listKeys(bearer(key))).json();
    const me = body.data.find((k: { last4: string }) => k.last4 === key.slice(-4));
    expect(me.lastUsedAt).not.toBeNull();
  });

  it.each([
    ['missing', {}],
    ['malformed scheme', { authorization: 'Basic abc' }],
    ['malformed key', { authorization: 'Bearer sk_test_tooshort' }],
    ['unknown key', { authorization: `Bearer sk_test_${'a'.repeat(43)}` }],
  ])('answers 401 for a %s key', async (_label, headers) => {
    const response = await listKeys(headers as Record<string, string>);
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('unauthorized');
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('stops accepting a revoked key on the very next request', async () => {
    const key = await t.createKey();
    expect((await listKeys(bearer(key))).statusCode).toBe(200);
    const listed = (await listKeys(bearer(key))).json().data.find((k: { last4: string }) => k.last4 === key.slice(-4));
    await revokeApiKey(t.db, t.defaultOrganizationId, listed.id);
    const response = await listKeys(bearer(key));
    expect(response.statusCode).toBe(401);
  });

  it('answers 404 for another organization’s key id, and for another environment’s', async () => {
    const otherOrg = await t.createOrganization();
    const foreignKey = await t.createKey('sandbox', otherOrg);
    const foreignId = (await listKeys(bearer(foreignKey))).json().data[0].id;
    const myKey = await t.createKey('sandbox');
    const foreign = await t.app.inject({ method: 'GET', url: `/api-keys/${foreignId}`, headers: bearer(myKey) });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('not_found');
    const own = await t.app.inject({ method: 'GET', url: `/api-keys/${foreignId}`, headers: bearer(foreignKey) });
    expect(own.statusCode).toBe(200);
    const liveKey = await t.createKey('production');
    const crossEnvironment = await t.app.inject({ method: 'GET', url: `/api-keys/${foreignId}`, headers: bearer(liveKey) });
    expect(crossEnvironment.statusCode).toBe(404);
    const notAnId = await t.app.inject({ method: 'GET', url: '/api-keys/not-an-id', headers: bearer(myKey) });
    expect(notAnId.statusCode).toBe(404);
  });

  it('never writes a key to the logs', async () => {
    const key = await t.createKey();
    await listKeys(bearer(key));
    await listKeys({ authorization: `Bearer ${key}x` });
    expect(t.logs.text).not.toContain(key.slice(8));
  });
});
