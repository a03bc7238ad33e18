import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createUser, issueSetupToken } from '../src/modules/users/users.service.js';
import { createLogger } from '../src/platform/log.js';
import { startServer } from '../src/runtime.js';
import { bearer, createTestApp, LogCapture, onPostgres, openTestDatabase, TEST_ENCRYPTION_KEYS, TEST_LINK_SECRET, type TestApp } from './harness.js';
import { createBatch, drain, testWorker } from './payout-helpers.js';
import { startReceiver } from './receiver.js';

// Issue #9: first admin by setup token only, malformed cookies, byte-length-safe compares, the
// login lock under a race, password strength, scrypt upgrades, changing one's password, and the
// small leaks between organizations and roles. The app hashes at 2^15 here, above the 2^14 the
// other users are created with, so every sign-in of those users upgrades their hash.
const COST = 15;
const PASSWORD = 'first password 1';

describe('authentication hardening', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ passwordHashCost: COST });
  });
  afterAll(() => t.close());

  const cookieOf = (response: { headers: Record<string, unknown> }) => String(response.headers['set-cookie']).split(';')[0]!;
  const login = (email: string, password: string) => t.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
  async function signIn(email: string, password = PASSWORD) {
    const response = await login(email, password);
    expect(response.statusCode, response.body).toBe(200);
    return { cookie: cookieOf(response), csrf: response.json().data.csrfToken as string };
  }
  const as = (s: { cookie: string; csrf: string }) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf });
  const setup = (payload: object) =>
    t.app.inject({ method: 'POST', url: '/auth/setup', payload: { email: 'admin@example.com', password: 'correct horse battery', ...payload } });
  const needsSetup = async () => (await t.app.inject({ method: 'GET', url: '/auth/setup' })).json().data.needsSetup as boolean;
  const lowCost = { passwordHashCost: 14, sessionTtlHours: 1 };
  const addUser = (email: string, role: 'admin' | 'manager' | 'accountant' | 'employee', organizationId = t.defaultOrganizationId) =>
    createUser(t.db, lowCost, { organizationId, email, password: PASSWORD, role, createdBy: 'test' });

  it('creates the first admin only with a live setup token, and every token dies with it', async () => {
    const first = (await issueSetupToken(t.db))!;
    const second = (await issueSetupToken(t.db))!; // another API process
    expect(first).toMatch(/^[\w-]{43}$/);
    const stored = await t.db.query<{ token_hash: Uint8Array }>('select token_hash from setup_tokens');
    expect(stored).toHaveLength(2);
    expect(stored.map((r) => Buffer.from(r.token_hash).toString('base64url'))).not.toContain(first);

    for (const refused of [
      await setup({}),
      await setup({ setupToken: 'guessed' }),
      await setup({ setupToken: first.slice(0, -1) + (first.endsWith('A') ? 'B' : 'A') }),
    ]) {
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error).toMatchObject({ code: 'forbidden', param: 'setupToken' });
      expect(refused.headers['set-cookie']).toBeUndefined();
    }
    expect(await needsSetup()).toBe(true);
    // A refused password does not use the token up.
    expect((await setup({ setupToken: second, password: 'aaaaaaaaaa' })).statusCode).toBe(400);
    const created = await setup({ setupToken: second });
    expect(created.statusCode, created.body).toBe(201);
    expect(await needsSetup()).toBe(false);
    expect(await t.db.query('select 1 from setup_tokens')).toEqual([]);
    expect((await setup({ setupToken: first, email: 'evil@example.com' })).statusCode).toBe(409);
    expect(await t.db.query(`select 1 from users where email = 'evil@example.com'`)).toEqual([]);
  });

  it('treats a malformed session cookie as absent: 401, nothing logged as an error', async () => {
    const before = t.logs.lines.length;
    for (const cookie of ['payouts_session=%', 'payouts_session=%E0%A4%A']) {
      const response = await t.app.inject({ method: 'GET', url: '/payments', headers: { cookie } });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.message).toMatch(/^Missing API key/);
      expect((await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie } })).statusCode).toBe(401);
    }
    const errors = t.logs.lines
      .slice(before)
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.level >= 50);
    expect(errors).toEqual([]);
  });

  it('refuses a CSRF token of the right length in characters but not in bytes with 403', async () => {
    const admin = await signIn('admin@example.com', 'correct horse battery');
    const sameLength = `${admin.csrf.slice(0, -1)}é`;
    expect(sameLength.length).toBe(admin.csrf.length);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api-keys',
      headers: { cookie: admin.cookie, 'x-csrf-token': sameLength },
      payload: { name: 'x', environment: 'sandbox' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('forbidden');
  });

  it('checks at most 5 passwords of 30 simultaneous wrong sign-ins for one email', async () => {
    await addUser('target@example.com', 'employee');
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => login('target@example.com', `wrong guess ${i}`)));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    const refused = responses.find((r) => r.statusCode === 429)!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(60);
    expect(refused.json().error.code).toBe('too_many_requests');
    // The right password is refused too while the lock runs.
    expect((await login('target@example.com', PASSWORD)).statusCode).toBe(429);
  });

  it('refuses weak passwords with a 400 on password and advice', async () => {
    const admin = await signIn('admin@example.com', 'correct horse battery');
    for (const password of ['aaaaaaaaaa', 'password12', 'weakling@example.com', 'short']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/users',
        headers: as(admin),
        payload: { email: 'weakling@example.com', role: 'employee', password },
      });
      expect(response.statusCode, password).toBe(400);
      expect(response.json().error.param).toBe('password');
      expect(response.json().error.message).toMatch(password === 'short' ? /at least 10 characters/ : /too easy to guess: .*passphrase/);
    }
    expect(await t.db.query(`select 1 from users where email = 'weakling@example.com'`)).toEqual([]);
  });

  it('re-hashes a password made with weaker parameters at the next sign-in', async () => {
    await addUser('old-hash@example.com', 'employee');
    const hashOf = async () =>
      (await t.db.query<{ password_hash: string }>(`select password_hash from users where email = 'old-hash@example.com'`))[0]!.password_hash;
    expect(await hashOf()).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect((await login('old-hash@example.com', 'not the password')).statusCode).toBe(401);
    expect(await hashOf()).toMatch(/^scrypt\$16384\$/);
    await signIn('old-hash@example.com');
    const upgraded = await hashOf();
    expect(upgraded).toMatch(new RegExp(`^scrypt\\$${2 ** COST}\\$8\\$1\\$`));
    await signIn('old-hash@example.com');
    expect(await hashOf()).toBe(upgraded);
  });

  it('changes my password: the old one stops working and my other sessions end', async () => {
    await addUser('changer@example.com', 'accountant');
    const here = await signIn('changer@example.com');
    const elsewhere = await signIn('changer@example.com');
    const change = (payload: object, headers: Record<string, string> = as(here)) => t.app.inject({ method: 'POST', url: '/auth/password', headers, payload });
    const newPassword = 'violet harbor lantern 42';

    expect((await change({ currentPassword: PASSWORD, newPassword }, { cookie: here.cookie })).statusCode).toBe(403);
    expect((await change({ currentPassword: PASSWORD, newPassword }, bearer(await t.createKey()))).statusCode).toBe(403);
    const wrong = await change({ currentPassword: 'not my password', newPassword });
    expect([wrong.statusCode, wrong.json().error.param]).toEqual([400, 'currentPassword']);
    const weak = await change({ currentPassword: PASSWORD, newPassword: 'password12' });
    expect([weak.statusCode, weak.json().error.param]).toEqual([400, 'newPassword']);

    const changed = await change({ currentPassword: PASSWORD, newPassword });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().data).toEqual({ passwordChanged: true, otherSessionsEnded: 1 });
    expect((await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: elsewhere.cookie } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: here.cookie } })).statusCode).toBe(200);
    expect((await login('changer@example.com', PASSWORD)).statusCode).toBe(401);
    await signIn('changer@example.com', newPassword);
  });

  it('answers POST /users the same whether the email is taken here or in another organization', async () => {
    const otherOrganization = await t.createOrganization('Other company');
    await addUser('someone@other.example', 'admin', otherOrganization);
    await addUser('colleague@example.com', 'employee');
    const admin = await signIn('admin@example.com', 'correct horse battery');
    const invite = (email: string) =>
      t.app.inject({ method: 'POST', url: '/users', headers: as(admin), payload: { email, role: 'manager', password: 'another strong passphrase 7' } });
    const elsewhere = await invite('someone@other.example');
    const here = await invite('colleague@example.com');
    expect(elsewhere.statusCode).toBe(409);
    const { requestId: _a, ...elsewhereError } = elsewhere.json().error;
    const { requestId: _b, ...hereError } = here.json().error;
    expect(elsewhereError).toEqual(hereError);
    expect(elsewhereError.message).not.toMatch(/exist|organization/i);
    expect(Object.keys(elsewhere.headers).sort()).toEqual(Object.keys(here.headers).sort());
    const [owner] = await t.db.query<{ organization_id: string; role: string }>(
      `select organization_id, role from users where email = 'someone@other.example'`,
    );
    expect(owner).toEqual({ organization_id: otherOrganization, role: 'admin' });
  });

  it('hides webhook callback URLs from an accountant listing a payout’s deliveries', async () => {
    const receiver = await startReceiver();
    const worker = testWorker(t);
    try {
      const key = await t.createKey('sandbox');
      const subscribed = await t.app.inject({
        method: 'POST',
        url: '/events/subscription',
        headers: bearer(key),
        payload: { event_name: 'payout.updated', callback_url: `${receiver.url}/hook` },
      });
      expect(subscribed.statusCode, subscribed.body).toBe(201);
      const payoutId = (await createBatch(t, key, [{ payeeEmail: 'sandbox+completed@trykarat.com', amount: 100 }])).json().data.payouts[0].id as string;
      await drain(worker);
      await addUser('books@example.com', 'accountant');
      await addUser('boss@example.com', 'manager');
      const deliveries = async (headers: Record<string, string>) => {
        const response = await t.app.inject({ method: 'GET', url: `/events/deliveries?payoutId=${payoutId}`, headers });
        expect(response.statusCode).toBe(200);
        return response.json().data as { callbackUrl: string | null }[];
      };
      const forAccountant = await deliveries({ cookie: (await signIn('books@example.com')).cookie });
      expect(forAccountant.length).toBeGreaterThan(0);
      expect(forAccountant.every((d) => d.callbackUrl === null)).toBe(true);
      expect(JSON.stringify(forAccountant)).not.toContain(receiver.url);
      const forManager = await deliveries({ cookie: (await signIn('boss@example.com')).cookie });
      expect(forManager.every((d) => d.callbackUrl === `${receiver.url}/hook`)).toBe(true);
      expect((await deliveries(bearer(key)))[0]!.callbackUrl).toBe(`${receiver.url}/hook`);
    } finally {
      await worker.stop();
      await receiver.close();
    }
  });
});

describe('the server at first start', () => {
  it('prints a setup link that creates the first admin; defaults to 127.0.0.1 and scrypt 2^17', async () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({}).passwordHashCost).toBe(17);
    const dataDir = mkdtempSync(join(tmpdir(), 'payouts-setup-'));
    const testDb = onPostgres ? await openTestDatabase() : undefined;
    const logs = new LogCapture();
    const config = loadConfig(
      {},
      {
        port: 0,
        host: '127.0.0.1',
        dataDir,
        databaseUrl: testDb?.url,
        linkSecret: TEST_LINK_SECRET,
        encryptionKeys: TEST_ENCRYPTION_KEYS,
        logLevel: 'warn',
        passwordHashCost: 14,
        publicUrl: 'http://payouts.test',
      },
    );
    const runtime = await startServer(config, { api: true, worker: false }, createLogger('warn', logs));
    try {
      const line = logs.lines.map((l) => JSON.parse(l).msg as string).find((msg) => msg.startsWith('First run: open '));
      const token = /^First run: open http:\/\/payouts\.test\/\?setup=([\w-]{43}) /.exec(line ?? '')?.[1];
      expect(token, logs.text).toBeDefined();
      const post = (setupToken?: string) =>
        fetch(`${runtime.url}/auth/setup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'owner@example.com', password: 'correct horse battery', setupToken }),
        });
      expect((await post()).status).toBe(403);
      expect((await post(token)).status).toBe(201);
    } finally {
      await runtime.shutdown();
      await testDb?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
