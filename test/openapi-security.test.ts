import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './harness.js';

// Issue #9, finding 12: the published document says how to authenticate (key or session + CSRF),
// every answer a route can give, the cursor's nature and the rules the service enforces.
describe('/openapi.json', () => {
  let t: TestApp;
  let doc: any;
  beforeAll(async () => {
    t = await createTestApp();
    doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(() => t.close());

  it('declares cookie authentication with its CSRF header as an alternative to the API key', () => {
    expect(doc.components.securitySchemes.cookieAuth).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'payouts_session' });
    expect(doc.components.securitySchemes.csrfToken).toMatchObject({ type: 'apiKey', in: 'header' });
    expect(doc.security).toEqual([{ bearerAuth: [] }, { cookieAuth: [], csrfToken: [] }]);
    expect(doc.paths['/auth/login'].post.security).toEqual([]);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
  });

  it('lists the error answers of every authenticated operation', () => {
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        if (op.security?.length === 0) continue;
        const statuses = Object.keys(op.responses);
        for (const status of ['400', '401', '403', '414', '429', '431', '500']) expect(statuses, `${method} ${path}`).toContain(status);
        if (path.includes('{')) expect(statuses, `${method} ${path}`).toContain('404');
        if (method === 'post') expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['409', '422']));
      }
    }
  });

  it('describes the cursor and the rules the service enforces', () => {
    const cursor = doc.paths['/payments'].get.parameters.find((p: any) => p.name === 'cursor');
    expect(cursor.description).toMatch(/opaque/i);
    const item = doc.paths['/payments'].post.requestBody.content['application/json'].schema.properties.payouts.items.properties;
    expect(item.amount.description).toMatch(/greater than zero/);
    expect(item.payeeEmail.description).toMatch(/Exactly one of/);
    expect(item.payeeEmail.format).toBe('email');
    const subscription = doc.paths['/events/subscription'].post.requestBody.content['application/json'].schema.properties;
    expect(subscription.callback_url.description).toMatch(/URI/);
  });
});
