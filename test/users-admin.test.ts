import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../src/modules/users/users.service.js';
import { createTestApp, type TestApp } from './harness.js';

// An admin managing the users of their organization: roles, sign-in locks, removal, and the
// guard that keeps one admin.
describe('managing users', () => {
  let t: TestApp;
  const PASSWORD = 'a long test password';
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  let n = 0;
  async function userWithSession(role: 'admin' | 'manager' | 'accountant' | 'employee', organizationId = t.defaultOrganizationId) {
    const email = `${role}-${++n}@example.com`;
    const user = await createUser(t.db, t.config, { organizationId, email, password: PASSWORD, role, createdBy: null });
    const response = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: PASSWORD } });
    expect(response.statusCode, response.body).toBe(200);
    const headers = { cookie: String(response.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': response.json().data.csrfToken as string };
    return { id: user.id, email, headers };
  }
  const call = (headers: Record<string, string>, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const failSignIn = (email: string) => t.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: 'not the password' } });

  it('changes a role, effective on that user’s very next request', async () => {
    const admin = await userWithSession('admin');
    const other = await userWithSession('admin');
    expect((await call(other.headers, 'GET', '/users')).statusCode).toBe(200);
    const changed = await call(admin.headers, 'PATCH', `/users/${other.id}`, { role: 'accountant' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().data).toMatchObject({ id: other.id, role: 'accountant', lockedUntil: null });
    // The same session, not signed in again: its permissions follow the new role.
    const session = (await call(other.headers, 'GET', '/auth/session')).json().data;
    expect(session.user.role).toBe('accountant');
    expect(session.permissions).not.toContain('users:manage');
    expect(session.permissions).toContain('payouts:read');
    const refused = await call(other.headers, 'GET', '/users');
    expect(refused.statusCode).toBe(403);
    expect((await call(admin.headers, 'GET', '/users')).json().data.find((u: { id: string }) => u.id === other.id).role).toBe('accountant');
  });

  it('refuses an unknown role and requires users:manage', async () => {
    const admin = await userWithSession('admin');
    const manager = await userWithSession('manager');
    const bad = await call(admin.headers, 'PATCH', `/users/${manager.id}`, { role: 'owner' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'invalid_request' });
    const notAllowed = await call(manager.headers, 'PATCH', `/users/${manager.id}`, { role: 'admin' });
    expect(notAllowed.statusCode).toBe(403);
    expect((await call(manager.headers, 'POST', `/users/${admin.id}/unlock`)).statusCode).toBe(403);
  });

  it('keeps the last admin of an organization: no demoting them, even themself, and no removing them', async () => {
    const orgId = await t.createOrganization('Solo admin organization');
    const solo = await userWithSession('admin', orgId);
    const demoted = await call(solo.headers, 'PATCH', `/users/${solo.id}`, { role: 'manager' });
    expect(demoted.statusCode).toBe(409);
    expect(demoted.json().error).toMatchObject({ code: 'conflict', param: 'role', message: expect.stringContaining('at least one admin') });
    expect(demoted.json().error.requestId).toEqual(expect.any(String));
    // Staying admin is no demotion.
    expect((await call(solo.headers, 'PATCH', `/users/${solo.id}`, { role: 'admin' })).statusCode).toBe(200);
    // An invited admin who has not chosen a password yet is no replacement.
    const invited = await call(solo.headers, 'POST', '/users', { email: 'invited-admin@example.com', role: 'admin' });
    expect(invited.statusCode).toBe(201);
    expect((await call(solo.headers, 'PATCH', `/users/${solo.id}`, { role: 'manager' })).statusCode).toBe(409);
    expect((await call(solo.headers, 'DELETE', `/users/${invited.json().data.id}`)).statusCode).toBe(200);

    // With a second admin, one may step down; then the other is the last and stays.
    const second = await userWithSession('admin', orgId);
    expect((await call(solo.headers, 'PATCH', `/users/${solo.id}`, { role: 'manager' })).statusCode).toBe(200);
    const last = await call(second.headers, 'PATCH', `/users/${second.id}`, { role: 'employee' });
    expect(last.statusCode).toBe(409);
    const users = (await call(second.headers, 'GET', '/users')).json().data;
    expect(users.filter((u: { role: string }) => u.role === 'admin').map((u: { id: string }) => u.id)).toEqual([second.id]);
    // Removing oneself stays refused; another admin of the organization can be removed only while one remains.
    expect((await call(second.headers, 'DELETE', `/users/${second.id}`)).statusCode).toBe(400);
    expect((await call(second.headers, 'DELETE', `/users/${solo.id}`)).statusCode).toBe(200);
  });

  it('never lets two admins stepping down at once leave an organization without one', async () => {
    const orgId = await t.createOrganization('Racing admins');
    const a = await userWithSession('admin', orgId);
    const b = await userWithSession('admin', orgId);
    const answers = await Promise.all([
      call(a.headers, 'PATCH', `/users/${a.id}`, { role: 'manager' }),
      call(b.headers, 'PATCH', `/users/${b.id}`, { role: 'manager' }),
    ]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const rows = await t.db.query<{ n: bigint }>(`select count(*)::bigint as n from users where organization_id = $1 and role = 'admin'`, [orgId]);
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it('shows a locked user with the end of the lock, and unlocking lets them sign in at once', async () => {
    const admin = await userWithSession('admin');
    const locked = await userWithSession('employee');
    let answer = await failSignIn(locked.email);
    for (let i = 0; i < 10 && answer.statusCode !== 429; i++) answer = await failSignIn(locked.email);
    expect(answer.statusCode).toBe(429);
    // Even the right password is refused while the lock runs.
    expect((await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: locked.email, password: PASSWORD } })).statusCode).toBe(429);
    const listed = (await call(admin.headers, 'GET', '/users')).json().data.find((u: { id: string }) => u.id === locked.id);
    expect(new Date(listed.lockedUntil).getTime()).toBeGreaterThan(Date.now());
    expect(listed.lockedUntil).toMatch(/^\d{4}-\d\d-\d\dT/);

    const unlocked = await call(admin.headers, 'POST', `/users/${locked.id}/unlock`);
    expect(unlocked.statusCode, unlocked.body).toBe(200);
    expect(unlocked.json().data).toMatchObject({ id: locked.id, lockedUntil: null });
    const rows = await t.db.query('select 1 from login_failures where email = $1', [locked.email]);
    expect(rows).toHaveLength(0);
    expect((await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: locked.email, password: PASSWORD } })).statusCode).toBe(200);
    // Unlocking a user who is not locked changes nothing and says so.
    expect((await call(admin.headers, 'POST', `/users/${locked.id}/unlock`)).json().data.lockedUntil).toBeNull();
  });

  it('keeps everything to the organization: another organization’s user is a 404', async () => {
    const admin = await userWithSession('admin');
    const elsewhere = await userWithSession('admin', await t.createOrganization('Elsewhere'));
    for (let i = 0; i < 6; i++) await failSignIn(elsewhere.email);
    for (const [method, url, payload] of [
      ['PATCH', `/users/${elsewhere.id}`, { role: 'employee' }],
      ['POST', `/users/${elsewhere.id}/unlock`, undefined],
      ['DELETE', `/users/${elsewhere.id}`, undefined],
      ['PATCH', '/users/not-a-uuid', { role: 'employee' }],
    ] as const) {
      const answer = await call(admin.headers, method, url, payload);
      expect(answer.statusCode, `${method} ${url}`).toBe(404);
      expect(answer.json().error).toMatchObject({ code: 'not_found', param: 'id' });
    }
    // Untouched: still admin, still locked.
    const [row] = await t.db.query<{ role: string }>('select role from users where id = $1', [elsewhere.id]);
    expect(row!.role).toBe('admin');
    expect(await t.db.query('select 1 from login_failures where email = $1 and locked_until > now()', [elsewhere.email])).toHaveLength(1);
    expect((await call(admin.headers, 'GET', '/users')).json().data.map((u: { id: string }) => u.id)).not.toContain(elsewhere.id);
  });

  it('is for dashboard sessions only', async () => {
    const key = await t.createKey('production');
    const user = await userWithSession('employee');
    const answer = await t.app.inject({ method: 'PATCH', url: `/users/${user.id}`, headers: { authorization: `Bearer ${key}` }, payload: { role: 'admin' } });
    expect(answer.statusCode).toBe(403);
  });
});
