import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listApiKeys, revokeApiKey } from '../src/modules/api-keys/api-keys.service.js';
import { bearer, createTestApp, type TestApp } from './harness.js';

// Walks every route the app registers: each one that is not explicitly public must refuse a
// request without a key and with a revoked key, whatever the method and path.
describe('every route requires an API key', () => {
  let t: TestApp;
  let revokedKey: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.ready();
    revokedKey = await t.createKey();
    const [record] = await listApiKeys(t.db, t.defaultOrganizationId, 'sandbox');
    await revokeApiKey(t.db, t.defaultOrganizationId, record!.id);
  });
  afterAll(() => t.close());

  const isPublic = (route: RouteOptions) => route.config?.public === true || route.url.startsWith('/docs');
  const concretePath = (url: string) => url.replace(/:(\w+)/g, '01a20cc7-930f-713c-942f-93b959e2b413').replace('*', 'x');
  const protectedRoutes = () =>
    t.app.registeredRoutes
      .filter((r) => !isPublic(r))
      .flatMap((r) =>
        [r.method]
          .flat()
          .filter((m) => m !== 'HEAD')
          .map((method) => ({ method, url: r.url })),
      );

  it('finds the routes to check', () => {
    expect(protectedRoutes().length).toBeGreaterThan(0);
  });

  it('answers 401 without a key and with a revoked key on every non-public route', async () => {
    for (const { method, url } of protectedRoutes()) {
      for (const headers of [{}, bearer(revokedKey)]) {
        const response = await t.app.inject({
          method: method as 'GET',
          url: concretePath(url),
          headers,
          ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
        });
        expect(response.statusCode, `${method} ${url}`).toBe(401);
        expect(response.json().error.code).toBe('unauthorized');
      }
    }
  });

  it('keeps health and docs public', async () => {
    for (const url of ['/healthz', '/openapi.json', '/docs/']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
    }
  });
});
