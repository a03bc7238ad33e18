import { createHash } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSetupToken } from '../src/modules/users/users.service.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { drain, testWorker } from './payout-helpers.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';

// Dashboard user invitations and password resets, in production mode against a real SMTP server:
// every link is read from the delivered message and used against the running app.
const MAIL_FROM = 'payouts@pay.example.com';
const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };
const LINK = /https?:\/\/\S+\/#\/set-password\?token=([\w%-]+)/;

describe('dashboard user invitations and password resets', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let worker: RunningWorker;
  let admin: { cookie: string; csrf: string };

  const cookieOf = (response: { headers: Record<string, unknown> }) => String(response.headers['set-cookie']).split(';')[0]!;
  const login = (email: string, password: string) => t.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
  async function signIn(email: string, password: string) {
    const response = await login(email, password);
    expect(response.statusCode, response.body).toBe(200);
    return { cookie: cookieOf(response), csrf: response.json().data.csrfToken as string };
  }
  const as = (s: { cookie: string; csrf: string }) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf });
  const sessionWorks = async (cookie: string) => (await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie } })).statusCode === 200;
  const setPassword = (token: string, password: string) => t.app.inject({ method: 'POST', url: '/auth/password/set', payload: { token, password } });
  const invite = (email: string, role = 'manager') => t.app.inject({ method: 'POST', url: '/users', headers: as(admin), payload: { email, role } });
  const requestReset = (email: string) => t.app.inject({ method: 'POST', url: '/auth/password/reset', payload: { email } });

  /** Delivers queued mail and answers the newest message to `to` with the token of its link. */
  async function lastMailTo(to: string): Promise<{ message: ParsedMail; token: string; link: string }> {
    await drain(worker);
    const message = smtp.messages.filter((m) => JSON.stringify(m.to).includes(to)).at(-1);
    expect(message, `an email to ${to}`).toBeDefined();
    const match = LINK.exec(message!.text ?? '')!;
    expect(match, message!.text).not.toBeNull();
    return { message: message!, token: decodeURIComponent(match[1]!), link: match[0] };
  }
  const mailsTo = (to: string) => smtp.messages.filter((m) => JSON.stringify(m.to).includes(to)).length;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp({ smtpUrl: smtp.url, mailFrom: MAIL_FROM, publicUrl: 'https://pay.example.com' });
    await t.db.query(`update organizations set name = 'Acme Studios' where id = $1`, [t.defaultOrganizationId]);
    const setupToken = await issueSetupToken(t.db);
    expect((await t.app.inject({ method: 'POST', url: '/auth/setup', payload: { ...ADMIN, setupToken } })).statusCode).toBe(201);
    admin = await signIn(ADMIN.email, ADMIN.password);
    worker = testWorker(t);
  });
  afterAll(async () => {
    await worker.stop();
    await t.close();
    await smtp.stop();
  });

  it('invites without a password; the emailed link sets one once, signs the user in, and only its hash is stored', async () => {
    const invited = await invite('Nora@Example.com');
    expect(invited.statusCode, invited.body).toBe(201);
    expect(invited.json().data).toMatchObject({ email: 'nora@example.com', role: 'manager', pending: true });
    // Nobody can sign in as an invited user before they choose a password.
    expect((await login('nora@example.com', '')).statusCode).toBe(400);
    expect((await login('nora@example.com', 'anything at all 123')).statusCode).toBe(401);

    const { message, token, link } = await lastMailTo('nora@example.com');
    expect(message.subject).toBe('You are invited to the Acme Studios payouts dashboard');
    expect(message.from?.value).toEqual([{ address: MAIL_FROM, name: 'Acme Studios' }]);
    expect(message.text).toContain('admin@example.com invited you (nora@example.com)');
    expect(message.text).toContain('valid for 72 hours');
    expect(message.html).toContain(`href="${link}"`);
    expect(link.startsWith('https://pay.example.com/#/set-password?token=')).toBe(true);
    const [row] = await t.db.query<{ token_hash: Buffer; purpose: string; hours: number }>(
      `select token_hash, purpose, extract(epoch from t.expires_at - t.created_at)::float8 / 3600 as hours from user_tokens t join users u on u.id = t.user_id where u.email = 'nora@example.com'`,
    );
    expect(Buffer.from(row!.token_hash).equals(createHash('sha256').update(token).digest())).toBe(true);
    expect(row!.purpose).toBe('invite');
    expect(Math.round(row!.hours)).toBe(72);
    const [email] = await t.db.query<{ environment: string; recipient_id: string | null; status: string }>(
      `select environment, recipient_id, status from emails where to_address = 'nora@example.com'`,
    );
    expect(email).toEqual({ environment: 'production', recipient_id: null, status: 'sent' });

    // A weak password is refused without spending the link.
    const weak = await setPassword(token, 'password12');
    expect([weak.statusCode, weak.json().error.param]).toEqual([400, 'password']);
    const set = await setPassword(token, 'amber falcon meadow 27');
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().data.user).toMatchObject({ email: 'nora@example.com', role: 'manager', pending: false });
    expect(await sessionWorks(cookieOf(set))).toBe(true);
    await signIn('nora@example.com', 'amber falcon meadow 27');

    const again = await setPassword(token, 'another fine passphrase 9');
    expect([again.statusCode, again.json().error.code, again.json().error.param]).toEqual([400, 'invalid_request', 'token']);
    await signIn('nora@example.com', 'amber falcon meadow 27');
    const users = (await t.app.inject({ method: 'GET', url: '/users', headers: as(admin) })).json().data;
    expect(users.find((u: { email: string }) => u.email === 'nora@example.com').pending).toBe(false);
  });

  it('refuses an expired invitation and a made-up token the same way', async () => {
    expect((await invite('late@example.com')).statusCode).toBe(201);
    const { token } = await lastMailTo('late@example.com');
    await t.db.query(`update user_tokens set expires_at = now() - interval '1 second' where user_id = (select id from users where email = 'late@example.com')`);
    const expired = await setPassword(token, 'amber falcon meadow 27');
    const madeUp = await setPassword('x'.repeat(43), 'amber falcon meadow 27');
    for (const response of [expired, madeUp]) expect([response.statusCode, response.json().error.param]).toEqual([400, 'token']);
    expect(expired.json().error.message).toBe(madeUp.json().error.message);
    expect((await login('late@example.com', 'amber falcon meadow 27')).statusCode).toBe(401);
  });

  it('resends an invitation to a pending user and voids the old link; refuses for an active user', async () => {
    const created = (await invite('omar@example.com', 'employee')).json().data;
    const first = await lastMailTo('omar@example.com');
    const resent = await t.app.inject({ method: 'POST', url: `/users/${created.id}/invitation`, headers: as(admin) });
    expect(resent.statusCode, resent.body).toBe(202);
    const second = await lastMailTo('omar@example.com');
    expect(second.token).not.toBe(first.token);
    expect(mailsTo('omar@example.com')).toBe(2);
    expect((await setPassword(first.token, 'amber falcon meadow 27')).statusCode).toBe(400);
    expect((await setPassword(second.token, 'amber falcon meadow 27')).statusCode).toBe(200);
    const active = await t.app.inject({ method: 'POST', url: `/users/${created.id}/invitation`, headers: as(admin) });
    expect([active.statusCode, active.json().error.code]).toEqual([409, 'invalid_state']);
    // Managing users stays an admin's: an employee cannot resend, an API key cannot either.
    const employee = await signIn('omar@example.com', 'amber falcon meadow 27');
    expect((await t.app.inject({ method: 'POST', url: `/users/${created.id}/invitation`, headers: as(employee) })).statusCode).toBe(403);
    const key = await t.createKey('production');
    expect((await t.app.inject({ method: 'POST', url: `/users/${created.id}/invitation`, headers: bearer(key) })).statusCode).toBe(403);
  });

  it('answers a reset request identically for an unknown email, and emails only a known one', async () => {
    const before = smtp.messages.length;
    const unknown = await requestReset('nobody@example.com');
    const known = await requestReset('NORA@example.com');
    expect(unknown.statusCode).toBe(202);
    expect(known.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);
    const withoutId = (headers: Record<string, unknown>) => Object.keys(headers).sort();
    expect(withoutId(known.headers)).toEqual(withoutId(unknown.headers));
    expect(known.headers['set-cookie']).toBeUndefined();
    await drain(worker);
    expect(smtp.messages.slice(before).map((m) => JSON.stringify(m.to))).toEqual([expect.stringContaining('nora@example.com')]);
  });

  it('resets a password with a 1-hour link that ends every session and works once', async () => {
    const here = await signIn('nora@example.com', 'amber falcon meadow 27');
    const elsewhere = await signIn('nora@example.com', 'amber falcon meadow 27');
    expect((await requestReset('nora@example.com')).statusCode).toBe(202);
    const { message, token } = await lastMailTo('nora@example.com');
    expect(message.subject).toBe('Reset your Acme Studios dashboard password');
    expect(message.text).toContain('valid for 60 minutes');
    const [row] = await t.db.query<{ minutes: number }>(
      `select extract(epoch from expires_at - created_at)::float8 / 60 as minutes from user_tokens where token_hash = $1 and purpose = 'reset'`,
      [createHash('sha256').update(token).digest()],
    );
    expect(Math.round(row!.minutes)).toBe(60);

    const set = await setPassword(token, 'cobalt willow orchard 58');
    expect(set.statusCode, set.body).toBe(200);
    expect(await sessionWorks(here.cookie)).toBe(false);
    expect(await sessionWorks(elsewhere.cookie)).toBe(false);
    expect(await sessionWorks(cookieOf(set))).toBe(true);
    expect((await login('nora@example.com', 'amber falcon meadow 27')).statusCode).toBe(401);
    await signIn('nora@example.com', 'cobalt willow orchard 58');
    expect((await setPassword(token, 'another fine passphrase 9')).statusCode).toBe(400);
  });

  it('voids an older reset link when a newer one is asked for, and an expired reset link is refused', async () => {
    await requestReset('nora@example.com');
    const older = await lastMailTo('nora@example.com');
    await requestReset('nora@example.com');
    const newer = await lastMailTo('nora@example.com');
    expect((await setPassword(older.token, 'harbor tulip granite 64')).statusCode).toBe(400);
    await t.db.query(`update user_tokens set expires_at = now() - interval '1 second' where token_hash = $1`, [
      createHash('sha256').update(newer.token).digest(),
    ]);
    expect((await setPassword(newer.token, 'harbor tulip granite 64')).statusCode).toBe(400);
    await signIn('nora@example.com', 'cobalt willow orchard 58');
  });

  it('never shows these links to API keys', async () => {
    const key = await t.createKey('production');
    const list = (await t.app.inject({ method: 'GET', url: '/emails?limit=100', headers: bearer(key) })).json().data;
    const userEmails = list.filter((e: { template: string }) => e.template === 'user_invitation' || e.template === 'password_reset');
    expect(userEmails.length).toBeGreaterThan(3);
    for (const email of userEmails) {
      expect(email.secretsHidden).toBe(true);
      expect(JSON.stringify(email)).not.toMatch(/set-password|token=/);
      const one = (await t.app.inject({ method: 'GET', url: `/emails/${email.id}`, headers: bearer(key) })).json().data;
      expect(JSON.stringify(one)).not.toMatch(/set-password|token=/);
      expect(one.text).toContain('[hidden]');
    }
    const sandbox = (await t.app.inject({ method: 'GET', url: '/emails', headers: bearer(await t.createKey('sandbox')) })).json().data;
    expect(sandbox.filter((e: { template: string }) => e.template === 'user_invitation' || e.template === 'password_reset')).toEqual([]);
  });
});

describe('password link routes under the per-address sign-in limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ rateLimitSignIn: 2 });
  });
  afterAll(() => t.close());

  it('refuses a third reset request or set attempt from one address within the minute', async () => {
    for (const [url, payload] of [
      ['/auth/password/reset', { email: 'someone@example.com' }],
      ['/auth/password/set', { token: 'guess', password: 'amber falcon meadow 27' }],
    ] as const) {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await t.app.inject({ method: 'POST', url, payload, remoteAddress: `10.0.0.${url.length}` })).statusCode);
      expect(
        statuses.slice(0, 2).every((s) => s !== 429),
        url,
      ).toBe(true);
      expect(statuses[2], url).toBe(429);
    }
  });
});
