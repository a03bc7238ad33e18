import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../src/platform/http/route-access.js';
import { issueSetupToken } from '../src/modules/users/users.service.js';
import { bearer, createTestApp, type TestApp } from './harness.js';

// Sessions, CSRF, roles and sign-in throttling, through the real app.
describe('dashboard authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const cookieOf = (response: { headers: Record<string, unknown> }) => String(response.headers['set-cookie']).split(';')[0]!;
  async function signIn(email: string, password: string) {
    const response = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
    expect(response.statusCode, response.body).toBe(200);
    return { cookie: cookieOf(response), csrf: response.json().data.csrfToken as string, headers: response.headers };
  }
  const as = (s: { cookie: string; csrf: string }, environment = 'sandbox') => ({
    cookie: s.cookie,
    'x-csrf-token': s.csrf,
    'x-payouts-environment': environment,
  });

  it('creates the first admin once, then refuses a second setup', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/auth/setup' })).json().data.needsSetup).toBe(true);
    const setupToken = await issueSetupToken(t.db);
    const short = await t.app.inject({ method: 'POST', url: '/auth/setup', payload: { email: 'admin@example.com', password: 'short', setupToken } });
    expect(short.statusCode).toBe(400);
    const setup = await t.app.inject({
      method: 'POST',
      url: '/auth/setup',
      payload: { email: 'Admin@Example.com', password: 'correct horse battery', setupToken },
    });
    expect(setup.statusCode).toBe(201);
    expect(setup.json().data.user).toMatchObject({ email: 'admin@example.com', role: 'admin' });
    expect(String(setup.headers['set-cookie'])).toMatch(/payouts_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
    const again = await t.app.inject({
      method: 'POST',
      url: '/auth/setup',
      payload: { email: 'evil@example.com', password: 'correct horse battery', setupToken },
    });
    expect(again.statusCode).toBe(409);
    expect(await issueSetupToken(t.db)).toBeUndefined();
    expect((await t.app.inject({ method: 'GET', url: '/auth/setup' })).json().data.needsSetup).toBe(false);
  });

  it('issues a new session on every sign-in and ignores a planted cookie', async () => {
    const planted = 'payouts_session=attacker-chosen-value';
    const response = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'admin@example.com', password: 'correct horse battery' },
      headers: { cookie: planted },
    });
    const issued = cookieOf(response);
    expect(issued).not.toBe(planted);
    const second = await signIn('admin@example.com', 'correct horse battery');
    expect(second.cookie).not.toBe(issued);
    expect((await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: planted } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: issued } })).statusCode).toBe(200);
  });

  it('requires the CSRF token on state-changing requests made with the cookie', async () => {
    const admin = await signIn('admin@example.com', 'correct horse battery');
    const body = { name: 'ci', environment: 'sandbox' };
    const withoutToken = await t.app.inject({ method: 'POST', url: '/api-keys', headers: { cookie: admin.cookie }, payload: body });
    expect(withoutToken.statusCode).toBe(403);
    const wrongToken = await t.app.inject({ method: 'POST', url: '/api-keys', headers: { cookie: admin.cookie, 'x-csrf-token': 'guess' }, payload: body });
    expect(wrongToken.statusCode).toBe(403);
    const withToken = await t.app.inject({ method: 'POST', url: '/api-keys', headers: as(admin), payload: body });
    expect(withToken.statusCode).toBe(201);
    // Reads need no token.
    expect((await t.app.inject({ method: 'GET', url: '/api-keys', headers: { cookie: admin.cookie } })).statusCode).toBe(200);
  });

  it('creates a key that works at once and stops working when revoked from the dashboard', async () => {
    const admin = await signIn('admin@example.com', 'correct horse battery');
    const created = (await t.app.inject({ method: 'POST', url: '/api-keys', headers: as(admin), payload: { name: 'prod', environment: 'production' } })).json()
      .data;
    expect(created.key).toMatch(/^sk_live_/);
    expect(created.apiKey).toMatchObject({ name: 'prod', environment: 'production', createdBy: 'admin@example.com', last4: created.key.slice(-4) });
    expect((await t.app.inject({ method: 'GET', url: '/balance', headers: bearer(created.key) })).statusCode).toBe(200);
    // An API key cannot mint or revoke keys.
    expect(
      (await t.app.inject({ method: 'POST', url: '/api-keys', headers: bearer(created.key), payload: { name: 'x', environment: 'production' } })).statusCode,
    ).toBe(403);
    const revoked = await t.app.inject({ method: 'DELETE', url: `/api-keys/${created.apiKey.id}`, headers: as(admin, 'production') });
    expect(revoked.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/balance', headers: bearer(created.key) })).statusCode).toBe(401);
  });

  it('enforces the role matrix on the server', async () => {
    const admin = await signIn('admin@example.com', 'correct horse battery');
    for (const role of ['manager', 'accountant', 'employee']) {
      const invited = await t.app.inject({
        method: 'POST',
        url: '/users',
        headers: as(admin),
        payload: { email: `${role}@example.com`, role, password: 'first password 1' },
      });
      expect(invited.statusCode).toBe(201);
    }
    const expectations: [string, string, string, object | undefined, Record<string, number>][] = [
      ['GET', '/api-keys', 'keys', undefined, { manager: 200, accountant: 403, employee: 403 }],
      ['GET', '/payments', 'payouts', undefined, { manager: 200, accountant: 200, employee: 403 }],
      ['GET', '/recipients', 'recipients', undefined, { manager: 200, accountant: 200, employee: 403 }],
      ['POST', '/payments', 'pay', { payouts: [{ payeeEmail: 'x@example.com', amount: 1 }] }, { manager: 201, accountant: 403, employee: 403 }],
      ['GET', '/users', 'users', undefined, { manager: 403, accountant: 403, employee: 403 }],
      ['GET', '/events/subscriptions', 'webhooks', undefined, { manager: 200, accountant: 403, employee: 403 }],
    ];
    for (const role of ['manager', 'accountant', 'employee']) {
      const session = await signIn(`${role}@example.com`, 'first password 1');
      for (const [method, url, , payload, statuses] of expectations) {
        const response = await t.app.inject({ method: method as 'GET', url, headers: as(session), ...(payload ? { payload } : {}) });
        expect(response.statusCode, `${role} ${method} ${url}`).toBe(statuses[role]);
      }
    }
  });

  it('ends the session on sign-out', async () => {
    const admin = await signIn('admin@example.com', 'correct horse battery');
    expect((await t.app.inject({ method: 'POST', url: '/auth/logout', headers: as(admin) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: admin.cookie } })).statusCode).toBe(401);
  });

  it('locks an email after repeated wrong passwords, even for the right one', async () => {
    for (let i = 0; i < 5; i++) {
      const wrong = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'manager@example.com', password: `wrong ${i}` } });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().error.message).toBe('Wrong email or password.');
    }
    const locked = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'manager@example.com', password: 'first password 1' } });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(60);
    // Other accounts are not affected; unknown emails answer like wrong passwords.
    expect(
      (await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'admin@example.com', password: 'correct horse battery' } })).statusCode,
    ).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'nobody@example.com', password: 'x' } })).json().error.message).toBe(
      'Wrong email or password.',
    );
  });

  it('has a permission declared in the definition of every authenticated route', async () => {
    await t.app.ready();
    const authenticated = t.app.registeredRoutes.filter((r) => !r.config?.public && !r.url.startsWith('/docs'));
    const missing = authenticated.filter((r) => !(PERMISSIONS as readonly string[]).includes(r.config?.permission ?? '')).map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
    // The dashboard-only routes are the ones that mint keys, manage users, hold the session and set
    // the organization's own settings (sender, bank), a person's word on real money (deposits,
    // a manual payout's outcome), the dashboard's home page, and downloads of full TINs (recorded
    // per signed-in person).
    const dashboardOnly = authenticated.filter((r) => r.config?.dashboardOnly && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`);
    expect(dashboardOnly.sort()).toEqual(
      [
        'DELETE /api-keys/:id',
        'DELETE /ach/settings',
        'GET /ach/settings',
        'PUT /ach/settings',
        'DELETE /users/:id',
        'GET /auth/session',
        'GET /organization/settings',
        'GET /overview',
        'GET /reports/1099-nec/filing-export',
        'GET /tax-forms/:id/filing-copy.pdf',
        'GET /users',
        'PATCH /organization/settings',
        'POST /api-keys',
        'POST /auth/logout',
        'POST /auth/password',
        'POST /balance/deposits',
        'POST /balance/deposits/:id/reverse',
        'POST /payments/:paymentId/settle',
        'POST /users',
        'POST /users/:id/invitation',
        'PATCH /users/:id',
        'POST /users/:id/unlock',
      ].sort(),
    );
  });
});
