import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fund } from '../src/modules/ledger/ledger.service.js';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { createBatch, drain, testWorker } from './payout-helpers.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';

// The recipient portal over HTTP: the public link pages, the emailed code with its limits, the
// session it opens (bound to one recipient), CSRF and origin checks, and errors as pages.

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const pathOf = (link: string) => new URL(link).pathname;
/** `/p/<id>.<token>` → `p/<id>.<token>`: what the portal's code routes take. */
const linkKey = (link: string) => pathOf(link).slice(1);

interface Payee {
  payoutId: string;
  recipientId: string;
  payoutLink: string;
}

async function pay(t: TestApp, key: string, payeeEmail: string, amount = 12_500, description = 'March work'): Promise<Payee> {
  const created = await createBatch(t, key, [{ payeeEmail, amount, description }]);
  expect(created.statusCode).toBe(201);
  // The worker moves the new payout on (to awaiting_acceptance for these sandbox payees).
  const worker = testWorker(t);
  await drain(worker);
  await worker.stop();
  const payoutId = created.json().data.payouts[0].id;
  const payment = (await t.app.inject({ method: 'GET', url: `/payments/${payoutId}`, headers: bearer(key) })).json().data;
  return { payoutId, recipientId: payment.recipient.id, payoutLink: payment.payoutLink };
}

async function onboardingUrl(t: TestApp, key: string, recipientId: string): Promise<string> {
  return (await t.app.inject({ method: 'GET', url: `/recipients/${recipientId}`, headers: bearer(key) })).json().data.onboardingUrl;
}

const askCode = (t: TestApp, key: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: `/portal/code/${key}`, headers: { ...FORM, ...headers }, payload: '' });
const sendCode = (t: TestApp, key: string, code: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: `/portal/verify/${key}`, headers: { ...FORM, ...headers }, payload: form({ code }) });

/** The newest code emailed to the recipient (sandbox emails are captured, in full). */
async function latestCode(t: TestApp, recipientId: string): Promise<string> {
  const [row] = await t.db.query<{ data: { code: string } | string }>(
    `select data from emails where template = 'one_time_code' and recipient_id = $1 order by id desc limit 1`,
    [recipientId],
  );
  const data = typeof row!.data === 'string' ? JSON.parse(row!.data) : row!.data;
  return data.code;
}

const cookieOf = (response: LightMyRequestResponse) => {
  const header = [response.headers['set-cookie']].flat().find((c) => c?.startsWith('portal_session='));
  return header!.split(';')[0]!;
};

async function signIn(t: TestApp, key: string, recipientId: string): Promise<{ cookie: string; response: LightMyRequestResponse }> {
  expect((await askCode(t, key)).statusCode).toBe(303);
  const response = await sendCode(t, key, await latestCode(t, recipientId));
  expect(response.statusCode).toBe(303);
  return { cookie: cookieOf(response), response };
}

const csrfIn = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!;
const get = (t: TestApp, url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
const wrongCodeFor = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

function expectPage(response: LightMyRequestResponse, status: number, text?: string) {
  expect(response.statusCode, response.body.slice(0, 300)).toBe(status);
  expect(response.headers['content-type']).toContain('text/html');
  expect(response.headers['content-security-policy']).toContain("default-src 'none'");
  expect(response.headers['content-security-policy']).not.toContain('script-src');
  expect(response.body).not.toMatch(/<script|\bat [\w.]+ \(|node_modules/);
  if (text) expect(response.body).toContain(text);
}

describe('recipient portal', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    await t.db.query(`update organizations set name = 'Acme Studios' where id = $1`, [t.defaultOrganizationId]);
    key = await t.createKey('sandbox');
  });
  afterAll(() => t.close());

  it('shows the payout behind its link without signing in, light and without script, with the sandbox marker', async () => {
    const ana = await pay(t, key, 'sandbox+awaiting_acceptance@ana.example', 25_000, 'Logo <design>');
    const page = await get(t, pathOf(ana.payoutLink));
    expectPage(page, 200, 'Acme Studios sent you $250.00');
    expect(page.body).toContain('Logo &lt;design&gt;');
    expect(page.body).toContain('Sandbox: no real money moves');
    expect(page.body).toContain('Email me a code');
    expect(page.body).toContain(`action="/portal/code/${linkKey(ana.payoutLink)}"`);
    expect(Buffer.byteLength(page.body)).toBeLessThan(100_000);
    expect(page.headers['referrer-policy']).toBe('same-origin');
    expect(page.headers['cache-control']).toBe('no-store');

    const welcome = await get(t, pathOf(await onboardingUrl(t, key, ana.recipientId)));
    expectPage(welcome, 200, 'Acme Studios wants to pay you');
    expect(welcome.body).toContain('s***@ana.example');
  });

  it('answers one 404 page for wrong, tampered and unknown links, on every portal route', async () => {
    const ana = await pay(t, key, 'sandbox+awaiting_acceptance@tamper.example');
    const k = linkKey(ana.payoutLink);
    const tampered = k.slice(0, -1) + (k.at(-1) === 'A' ? 'B' : 'A');
    const responses = [
      await get(t, `/${tampered}`),
      await get(t, `/portal/verify/${tampered}`),
      await askCode(t, tampered),
      await sendCode(t, tampered, '123456'),
      // A payout's token does not open the recipient's link, and a bare id opens nothing.
      await askCode(t, k.replace(/^p\//, 'r/')),
      await askCode(t, `p/${ana.payoutId}`),
      await get(t, `/portal/verify/x/${k.slice(2)}`),
      await get(t, '/portal/no-such-page'),
    ];
    for (const response of responses) expectPage(response, 404, 'This link is not valid');
    expect(responses[0]!.body).not.toContain('Acme');
    const [{ n }] = (await t.db.query<{ n: number }>(`select count(*)::int as n from portal_codes where recipient_id = $1`, [ana.recipientId])) as [
      { n: number },
    ];
    expect(n).toBe(0);
  });

  it('emails a hashed, single-use code ahead of bulk mail and opens a 12 h session bound to the recipient', async () => {
    const ben = await pay(t, key, 'sandbox+awaiting_acceptance@ben.example', 4_200, 'Photos');
    const k = linkKey(ben.payoutLink);
    const asked = await askCode(t, k);
    expect(asked.statusCode).toBe(303);
    expect(asked.headers.location).toBe(`/portal/verify/${k}`);
    const [email] = await t.db.query<{ to_address: string; priority: number; minutes: number }>(
      `select to_address, priority, extract(epoch from expires_at - created_at) / 60 as minutes from emails where template = 'one_time_code' and recipient_id = $1`,
      [ben.recipientId],
    );
    expect(email).toMatchObject({ to_address: 'sandbox+awaiting_acceptance@ben.example', priority: 0 });
    expect(Math.round(Number(email!.minutes))).toBe(10);
    const code = await latestCode(t, ben.recipientId);
    expect(code).toMatch(/^\d{6}$/);
    // Only a digest is kept.
    const stored = await t.db.query<{ code_hash: Uint8Array }>('select code_hash from portal_codes where recipient_id = $1', [ben.recipientId]);
    expect(stored).toHaveLength(1);
    expect(Buffer.from(stored[0]!.code_hash).toString('latin1')).not.toContain(code);

    const entry = await get(t, `/portal/verify/${k}`);
    expectPage(entry, 200, 'Email code');
    expect(entry.body).toContain('s***@ben.example');

    const malformed = await sendCode(t, k, '12ab');
    expectPage(malformed, 400, 'Enter the 6 digits of the code from the email.');
    expect(malformed.body).toContain('aria-invalid="true"');
    expectPage(await sendCode(t, k, wrongCodeFor(code)), 400, 'That code is not right');

    const right = await sendCode(t, k, code);
    expect(right.statusCode).toBe(303);
    expect(right.headers.location).toBe(`/portal/payouts/${ben.payoutId}`);
    const setCookie = [right.headers['set-cookie']].flat().join('\n');
    expect(setCookie).toMatch(/portal_session=[\w-]{40,}; Max-Age=43200; Path=\/portal; HttpOnly; SameSite=Strict/);
    expect(setCookie).not.toContain('Secure');
    const cookie = cookieOf(right);
    const [session] = await t.db.query<{ hours: number; recipient_id: string }>(
      'select recipient_id, extract(epoch from expires_at - created_at) / 3600 as hours from portal_sessions',
    );
    expect(session).toMatchObject({ recipient_id: ben.recipientId });
    expect(Math.round(Number(session!.hours))).toBe(12);

    const payoutPage = await get(t, `/portal/payouts/${ben.payoutId}`, cookie);
    expectPage(payoutPage, 200, '$42.00');
    expect(payoutPage.body).toContain('Photos');
    expect(payoutPage.body).toContain('data-testid="timeline"');
    expect(payoutPage.body).toContain('Waiting for you');
    expect(payoutPage.body).toContain('Sign out');
    const home = await get(t, '/portal', cookie);
    expectPage(home, 200, 'Your payouts from Acme Studios');
    expect(home.body).toContain(`/portal/payouts/${ben.payoutId}`);
    expect(home.body).toContain('One payout is waiting for you.');

    // Used once: the same code never opens a second session.
    expectPage(await sendCode(t, k, code), 400, 'That code is not right');
    // Signed in already: asking again from the link goes straight in, without a new code.
    const again = await askCode(t, k, { cookie });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe(`/portal/payouts/${ben.payoutId}`);
    const [{ n }] = (await t.db.query<{ n: number }>(`select count(*)::int as n from portal_codes where recipient_id = $1`, [ben.recipientId])) as [
      { n: number },
    ];
    expect(n).toBe(1);
  });

  it('refuses an expired code, and a code after 5 wrong tries', async () => {
    const cy = await pay(t, key, 'sandbox+awaiting_acceptance@cy.example');
    const k = linkKey(cy.payoutLink);
    await askCode(t, k);
    const expired = await latestCode(t, cy.recipientId);
    await t.db.query(`update portal_codes set expires_at = now() - interval '1 second' where recipient_id = $1`, [cy.recipientId]);
    expectPage(await sendCode(t, k, expired), 400, 'That code is not right');

    await askCode(t, k);
    const code = await latestCode(t, cy.recipientId);
    for (let i = 0; i < 5; i++) expectPage(await sendCode(t, k, wrongCodeFor(code)), 400, 'That code is not right');
    expectPage(await sendCode(t, k, code), 400, 'That code is not right');
    // A new code works (the wrong tries so far stay under the daily limit).
    await askCode(t, k);
    expect((await sendCode(t, k, await latestCode(t, cy.recipientId))).statusCode).toBe(303);
  });

  it('locks the recipient for 24 h and emails it once after a 6th code in an hour', async () => {
    const dee = await pay(t, key, 'sandbox+awaiting_acceptance@dee.example');
    const k = linkKey(dee.payoutLink);
    for (let i = 0; i < 5; i++) expect((await askCode(t, k)).statusCode).toBe(303);
    const code = await latestCode(t, dee.recipientId);
    const sixth = await askCode(t, k);
    expectPage(sixth, 429, 'Your portal is locked for now');
    expectPage(await askCode(t, k), 429, 'Your portal is locked for now');
    // While locked even a right code opens nothing.
    expectPage(await sendCode(t, k, code), 429, 'Your portal is locked for now');
    const codes = await t.db.query(`select 1 from portal_codes where recipient_id = $1`, [dee.recipientId]);
    expect(codes).toHaveLength(5);
    const locks = await t.db.query<{ data: { lockHours: number } | string }>(`select data from emails where template = 'portal_locked' and recipient_id = $1`, [
      dee.recipientId,
    ]);
    expect(locks).toHaveLength(1);
    const [guard] = await t.db.query<{ hours: number }>(
      `select extract(epoch from locked_until - now()) / 3600 as hours from portal_guards where recipient_id = $1`,
      [dee.recipientId],
    );
    expect(Math.round(Number(guard!.hours))).toBe(24);

    // A day later (clock moved by moving the stored times back) the recipient can sign in again.
    await t.db.query(
      `update portal_guards set locked_until = now() - interval '1 second', codes_window_started_at = now() - interval '25 hours' where recipient_id = $1`,
      [dee.recipientId],
    );
    expect((await askCode(t, k)).statusCode).toBe(303);
    expect((await sendCode(t, k, await latestCode(t, dee.recipientId))).statusCode).toBe(303);
  });

  it('locks the recipient for 24 h and emails it after 10 wrong tries in a day, right code or not', async () => {
    const eve = await pay(t, key, 'sandbox+awaiting_acceptance@eve.example');
    const k = linkKey(eve.payoutLink);
    await askCode(t, k);
    for (let round = 0; round < 2; round++) {
      await askCode(t, k);
      const code = await latestCode(t, eve.recipientId);
      for (let i = 0; i < 4; i++) expectPage(await sendCode(t, k, wrongCodeFor(code)), 400, 'That code is not right');
    }
    await askCode(t, k);
    const code = await latestCode(t, eve.recipientId);
    expectPage(await sendCode(t, k, wrongCodeFor(code)), 400, 'That code is not right');
    const tenth = await sendCode(t, k, wrongCodeFor(code));
    expectPage(tenth, 429, 'Your portal is locked for now');
    expectPage(await sendCode(t, k, code), 429, 'Your portal is locked for now');
    const locks = await t.db.query(`select 1 from emails where template = 'portal_locked' and recipient_id = $1`, [eve.recipientId]);
    expect(locks).toHaveLength(1);
  });

  it('counts parallel guesses before comparing them: at most 5 per code, 10 a day, one lock and one email', async () => {
    const gil = await pay(t, key, 'sandbox+awaiting_acceptance@gil.example');
    const k = linkKey(gil.payoutLink);
    await askCode(t, k);
    const code = await latestCode(t, gil.recipientId);
    const answers = await Promise.all(Array.from({ length: 20 }, () => sendCode(t, k, wrongCodeFor(code))));
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses.filter((s) => s === 400)).toHaveLength(9);
    expect(statuses.filter((s) => s === 429)).toHaveLength(11);
    const [codeRow] = await t.db.query<{ tries: number }>('select tries from portal_codes where recipient_id = $1', [gil.recipientId]);
    expect(codeRow!.tries).toBe(5);
    expectPage(await sendCode(t, k, code), 429, 'Your portal is locked for now');
    expect(await t.db.query(`select 1 from emails where template = 'portal_locked' and recipient_id = $1`, [gil.recipientId])).toHaveLength(1);
  });

  it('keeps a session to its own recipient: other recipients, organizations and environments are 404', async () => {
    const fay = await pay(t, key, 'sandbox+awaiting_acceptance@fay.example', 1_000, 'Fay 1');
    const gus = await pay(t, key, 'sandbox+awaiting_acceptance@gus.example', 2_000, 'Gus 1');
    const otherOrganization = await t.createOrganization('Other Org');
    const otherKey = await t.createKey('sandbox', otherOrganization);
    const fayElsewhere = await pay(t, otherKey, 'sandbox+awaiting_acceptance@fay.example', 3_000, 'Fay at Other');
    await t.db.transaction((tx) => fund(tx, { organizationId: t.defaultOrganizationId, environment: 'production' }, 1_000_000n));
    const productionKey = await t.createKey('production');
    const fayLive = await pay(t, productionKey, 'sandbox+awaiting_acceptance@fay.example', 4_000, 'Fay live');

    const { cookie } = await signIn(t, linkKey(fay.payoutLink), fay.recipientId);
    expectPage(await get(t, `/portal/payouts/${fay.payoutId}`, cookie), 200, 'Fay 1');
    for (const other of [gus, fayElsewhere, fayLive]) {
      expectPage(await get(t, `/portal/payouts/${other.payoutId}`, cookie), 404, 'This link is not valid');
    }
    expectPage(await get(t, '/portal/payouts/not-a-uuid', cookie), 404);
    const home = await get(t, '/portal', cookie);
    expect(home.body).toContain('Fay 1');
    for (const text of ['Gus 1', 'Fay at Other', 'Fay live', 'Other Org']) expect(home.body).not.toContain(text);

    // Another recipient's link with this session still needs that recipient's own code.
    const viaGus = await askCode(t, linkKey(gus.payoutLink), { cookie });
    expect(viaGus.headers.location).toBe(`/portal/verify/${linkKey(gus.payoutLink)}`);
    // A code of one recipient does not open another's portal.
    await askCode(t, linkKey(fay.payoutLink));
    expectPage(await sendCode(t, linkKey(gus.payoutLink), await latestCode(t, fay.recipientId)), 400, 'That code is not right');
  });

  it('requires the session CSRF token and a same-origin form for every change', async () => {
    const hal = await pay(t, key, 'sandbox+awaiting_acceptance@hal.example');
    const { cookie } = await signIn(t, linkKey(hal.payoutLink), hal.recipientId);
    const home = await get(t, '/portal', cookie);
    const csrf = csrfIn(home.body);
    const signOut = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url: '/portal/sign-out', headers: { ...FORM, cookie, ...headers }, payload: form(fields) });

    expectPage(await signOut({}), 403, 'This form has expired');
    expectPage(await signOut({ csrf: 'x'.repeat(32) }), 403, 'This form has expired');
    expectPage(await signOut({ csrf }, { origin: 'https://evil.example' }), 403, 'sent from another site');
    expectPage(await signOut({ csrf }, { 'sec-fetch-site': 'cross-site' }), 403, 'sent from another site');
    expectPage(await signOut({ csrf }, { 'sec-fetch-site': 'same-site' }), 403, 'sent from another site');
    expectPage(await signOut({ csrf }, { origin: 'null' }), 403, 'sent from another site');
    expectPage(await get(t, '/portal', cookie), 200);

    // A code cannot be requested from another site either.
    const before = await t.db.query('select 1 from portal_codes where recipient_id = $1', [hal.recipientId]);
    expectPage(await askCode(t, linkKey(hal.payoutLink), { origin: 'https://evil.example' }), 403);
    expect(await t.db.query('select 1 from portal_codes where recipient_id = $1', [hal.recipientId])).toHaveLength(before.length);

    const out = await signOut({ csrf }, { origin: new URL(t.config.publicUrl).origin });
    expectPage(out, 200, 'You are signed out');
    expect([out.headers['set-cookie']].flat().join()).toContain('portal_session=; Max-Age=0; Path=/portal');
    expectPage(await get(t, '/portal', cookie), 401, 'Please open your link again');
  });

  it('answers every refusal and mistake with a clear page, never a stack trace', async () => {
    const ivy = await pay(t, key, 'sandbox+awaiting_acceptance@ivy.example');
    const k = linkKey(ivy.payoutLink);
    expectPage(await get(t, '/portal'), 401, 'Please open your link again');
    expectPage(await get(t, '/portal', 'portal_session=forged'), 401, 'Please open your link again');
    expectPage(await get(t, `/portal/payouts/${ivy.payoutId}`), 401);
    expectPage(await t.app.inject({ method: 'POST', url: `/portal/verify/${k}`, headers: { 'content-type': 'text/plain' }, payload: 'code=1' }), 415);
    expectPage(await t.app.inject({ method: 'POST', url: `/portal/verify/${k}`, headers: FORM, payload: form({ code: '1'.repeat(60) }) }), 400);
    expectPage(await t.app.inject({ method: 'POST', url: `/portal/verify/${k}`, headers: FORM, payload: 'code=%00' }), 400);
    expectPage(await get(t, `/p/${'x'.repeat(90)}`), 404);
  });
});

describe('recipient portal limits per client address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ rateLimitSignIn: 3 });
  });
  afterAll(() => t.close());

  it('refuses more code requests and code tries a minute from one address, as a page', async () => {
    const key = await t.createKey('sandbox');
    const jo = await pay(t, key, 'sandbox+awaiting_acceptance@jo.example');
    const k = linkKey(jo.payoutLink);
    expect((await askCode(t, k)).statusCode).toBe(303);
    expect((await sendCode(t, k, '000000')).statusCode).toBe(400);
    expect((await askCode(t, k)).statusCode).toBe(303);
    const refused = await sendCode(t, k, '000000');
    expectPage(refused, 429, 'Too many attempts from your network');
    // Another address is counted on its own.
    const other = await t.app.inject({
      method: 'POST',
      url: `/portal/verify/${k}`,
      headers: FORM,
      payload: form({ code: '000000' }),
      remoteAddress: '10.1.2.3',
    });
    expect(other.statusCode).toBe(400);
  });
});

describe('recipient portal in production, codes over SMTP', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp({ smtpUrl: smtp.url, publicUrl: 'https://pay.example.com' });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('sends the code by email, and the session cookie is Secure under an https PUBLIC_URL', async () => {
    const key = await t.createKey('production');
    await t.db.transaction((tx) => fund(tx, { organizationId: t.defaultOrganizationId, environment: 'production' }, 1_000_000n));
    await pay(t, key, 'kim@example.com', 7_700, 'Consulting');
    const worker = testWorker(t);
    const payoutMail = smtp.messages.find((m) => JSON.stringify(m.to).includes('kim@example.com'))!;
    const link = /https:\/\/pay\.example\.com\/p\/\S+/.exec(payoutMail.text!)![0];
    const k = linkKey(link);
    expectPage(await get(t, `/${k}`), 200, 'sent you $77.00');
    expect((await get(t, `/${k}`)).body).not.toContain('Sandbox');
    expect((await askCode(t, k, { origin: 'https://pay.example.com' })).statusCode).toBe(303);
    await drain(worker);
    await worker.stop();
    const codeMail = smtp.messages.find((m) => m.subject?.startsWith('Your code:'))!;
    const code = /Your code is (\d{6})/.exec(codeMail.text!)![1]!;
    const signedIn = await sendCode(t, k, code, { origin: 'https://pay.example.com' });
    expect(signedIn.statusCode).toBe(303);
    expect([signedIn.headers['set-cookie']].flat().join()).toMatch(/HttpOnly; SameSite=Strict; Secure/);
    expectPage(await get(t, signedIn.headers.location as string, cookieOf(signedIn)), 200, 'Consulting');
    // The production code is never shown to API keys.
    const listed = (await t.app.inject({ method: 'GET', url: '/emails', headers: bearer(key) })).json().data;
    expect(JSON.stringify(listed)).not.toContain(code);
  });
});
