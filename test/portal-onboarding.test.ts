import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fund } from '../src/modules/ledger/ledger.service.js';
import type { Tenant } from '../src/platform/tenant.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { createTestApp, type TestApp } from './harness.js';
import { createBatch, drain, expectLedgerConsistent, getBalance, getPayment, testWorker } from './payout-helpers.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';

// The recipient's side in production, as the "done when" walks it: a batch to a new
// address, the email received over SMTP, its link, the code, the onboarding steps (name and
// country, a bank account typed twice, auto-accept), Accept and Decline, and what each refuses.

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const headerText = (value: unknown) => JSON.stringify(value);
const ROUTING = '011000015'; // a valid ABA check digit
const ACCOUNT = '000123456789';
const bank = (overrides: Record<string, string> = {}) => ({
  type: 'us_bank_account',
  accountHolderName: 'Ana Lima',
  accountHolderType: 'individual',
  routingNumber: ROUTING,
  accountNumber: ACCOUNT,
  accountNumberConfirmation: ACCOUNT,
  accountType: 'checking',
  ...overrides,
});

describe('recipient onboarding and decisions in production', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let key: string;
  let worker: RunningWorker;
  const tenant = (): Tenant => ({ organizationId: t.defaultOrganizationId, environment: 'production' });

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp({ smtpUrl: smtp.url });
    await t.db.query(`update organizations set name = 'Acme Studios' where id = $1`, [t.defaultOrganizationId]);
    key = await t.createKey('production');
    await t.db.transaction((tx) => fund(tx, tenant(), 10_000_000n));
    worker = testWorker(t);
  });
  afterAll(async () => {
    await worker.stop();
    await t.close();
    await smtp.stop();
  });

  const mailsTo = (to: string) => smtp.messages.filter((m) => headerText(m.to).includes(to));

  /** A batch to a new address; answers the payout and the link from the email it received. */
  async function payNew(email: string, amount = 25_000): Promise<{ payoutId: string; recipientId: string; linkKey: string }> {
    const created = await createBatch(t, key, [{ payeeEmail: email, amount, description: `Work for ${email}` }]);
    expect(created.statusCode).toBe(201);
    const payoutId = created.json().data.payouts[0].id;
    await drain(worker);
    const link = /https?:\/\/\S+\/p\/\S+/.exec(mailsTo(email).at(-1)!.text!)![0];
    return { payoutId, recipientId: (await getPayment(t, key, payoutId)).recipient.id, linkKey: new URL(link).pathname.slice(1) };
  }

  async function signIn(linkKey: string, email: string): Promise<{ cookie: string; csrf: string }> {
    const before = mailsTo(email).length;
    expect((await t.app.inject({ method: 'POST', url: `/portal/code/${linkKey}`, headers: FORM, payload: '' })).statusCode).toBe(303);
    await drain(worker);
    const codeMail = mailsTo(email)
      .slice(before)
      .find((m) => m.subject?.startsWith('Your code:'))!;
    const code = /Your code is (\d{6})/.exec(codeMail.text!)![1]!;
    const signedIn = await t.app.inject({ method: 'POST', url: `/portal/verify/${linkKey}`, headers: FORM, payload: form({ code }) });
    expect(signedIn.statusCode).toBe(303);
    const cookie = [signedIn.headers['set-cookie']].flat()[0]!.split(';')[0]!;
    const home = await t.app.inject({ method: 'GET', url: '/portal', headers: { cookie } });
    return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(home.body)![1]! };
  }

  const post = (session: { cookie: string; csrf: string }, url: string, fields: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, headers: { ...FORM, cookie: session.cookie }, payload: form({ csrf: session.csrf, ...fields }) });
  const get = (session: { cookie: string }, url: string) => t.app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
  const methodsOf = (recipientId: string) => t.db.query('select 1 from payout_methods where recipient_id = $1', [recipientId]);
  const fieldError = (response: LightMyRequestResponse, field: string) => new RegExp(`id="${field}-error">([^<]+)<`).exec(response.body)?.[1];

  it('new address → email → code → name and country → bank account → accept → pending; nothing else moves twice', async () => {
    const ana = await payNew('ana@example.com');
    expect((await getPayment(t, key, ana.payoutId)).status).toBe('awaiting_acceptance');
    const session = await signIn(ana.linkKey, 'ana@example.com');
    const waiting = await get(session, `/portal/payouts/${ana.payoutId}`);
    expect(waiting.body).toContain('>Accept</button>');
    expect(waiting.body).toContain('>Decline</button>');

    // Step 1: every field's mistake on that field, nothing saved.
    const blank = await post(session, '/portal/profile', { firstName: ' ', lastName: '', country: 'XX' });
    expect(blank.statusCode).toBe(400);
    expect(fieldError(blank, 'firstName')).toBe('Enter your first name.');
    expect(fieldError(blank, 'lastName')).toBe('Enter your last name.');
    expect(fieldError(blank, 'country')).toBe('Choose your country.');
    const profile = await post(session, '/portal/profile', { firstName: 'Ana', lastName: 'Lima', country: 'US' });
    expect(profile.headers.location).toBe('/portal/payout-method');
    const [row] = await t.db.query<{ first_name: string; country: string }>('select first_name, country from recipients where id = $1', [ana.recipientId]);
    expect(row).toEqual({ first_name: 'Ana', country: 'US' });

    // Step 2: a bad routing number, non-digits, a mismatch: each the field's own error, nothing saved.
    const methodPage = await get(session, '/portal/payout-method');
    for (const label of [
      'Account holder name',
      'Account holder type',
      'Individual',
      'Business',
      'Routing number',
      'Account number',
      'Confirm account number',
      'Account type',
      'PayPal email',
    ]) {
      expect(methodPage.body).toContain(label);
    }
    const badRouting = await post(session, '/portal/payout-method', bank({ routingNumber: '011000016' }));
    expect(badRouting.statusCode).toBe(400);
    expect(fieldError(badRouting, 'routingNumber')).toContain('not a valid routing number');
    const letters = await post(session, '/portal/payout-method', bank({ accountNumber: '12ab5678', accountNumberConfirmation: '12ab5678' }));
    expect(fieldError(letters, 'accountNumber')).toContain('4 to 17 digits');
    const mismatch = await post(session, '/portal/payout-method', bank({ accountNumberConfirmation: '000123456780' }));
    expect(mismatch.statusCode).toBe(400);
    expect(fieldError(mismatch, 'accountNumberConfirmation')).toBe('The two account numbers differ. Type the same account number twice.');
    expect(mismatch.body).toContain('aria-describedby="accountNumberConfirmation-error"');
    for (const response of [badRouting, letters, mismatch]) expect(response.body).not.toContain(ACCOUNT);
    expect(await methodsOf(ana.recipientId)).toHaveLength(0);

    const saved = await post(session, '/portal/payout-method', bank());
    expect(saved.headers.location).toBe('/portal/auto-accept?onboarding=1');
    expect(await methodsOf(ana.recipientId)).toHaveLength(1);
    const step3 = await get(session, '/portal/auto-accept?onboarding=1');
    expect(step3.body).toContain('Accept future payouts automatically');
    expect((await post(session, '/portal/auto-accept', { submitted: '1' })).headers.location).toBe('/portal?done=auto-accept');
    const home = await get(session, '/portal?done=auto-accept');
    expect(home.body).toContain('a checking account ending in 6789');
    expect(home.body).toContain('Your choice about future payouts is saved.');
    expect(home.body).not.toContain(ACCOUNT);
    await drain(worker);
    expect(mailsTo('ana@example.com').some((m) => m.subject === 'Your payout method for Acme Studios was changed')).toBe(true);

    // Ready but not auto-accepting: the payout waits for its Accept.
    expect((await getPayment(t, key, ana.payoutId)).status).toBe('awaiting_acceptance');
    const accepted = await post(session, `/portal/payouts/${ana.payoutId}/accept`);
    expect(accepted.headers.location).toBe(`/portal/payouts/${ana.payoutId}?done=accepted`);
    await drain(worker);
    const payment = await getPayment(t, key, ana.payoutId);
    expect(payment.status).toBe('pending');
    const updates = payment.statusUpdates.length;
    const again = await post(session, `/portal/payouts/${ana.payoutId}/accept`);
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('already moved on');
    const declineLate = await post(session, `/portal/payouts/${ana.payoutId}/decline`);
    expect(declineLate.statusCode).toBe(409);
    expect((await getPayment(t, key, ana.payoutId)).statusUpdates).toHaveLength(updates);
  });

  it('auto-accepting recipients: the next payout goes to pending by itself', async () => {
    const ben = await payNew('ben@example.com');
    const session = await signIn(ben.linkKey, 'ben@example.com');
    await post(session, '/portal/profile', { firstName: 'Ben', lastName: 'Ode', country: 'CA' });
    await post(session, '/portal/payout-method', { type: 'paypal', email: 'ben.paypal@example.com' });
    await post(session, '/portal/auto-accept', { submitted: '1', autoAccept: 'on' });
    await drain(worker);
    expect((await getPayment(t, key, ben.payoutId)).status).toBe('pending');
    const next = await createBatch(t, key, [{ payeeEmail: 'ben@example.com', amount: 1_000 }]);
    await drain(worker);
    expect((await getPayment(t, key, next.json().data.payouts[0].id)).status).toBe('pending');
    expect((await get(session, '/portal')).body).toContain('PayPal (b***@example.com)');
  });

  it('Accept before onboarding is kept: the payout goes out once the recipient is set up', async () => {
    const cy = await payNew('cy@example.com');
    const session = await signIn(cy.linkKey, 'cy@example.com');
    const accepted = await post(session, `/portal/payouts/${cy.payoutId}/accept`);
    expect(accepted.headers.location).toBe('/portal/profile');
    await drain(worker);
    expect((await getPayment(t, key, cy.payoutId)).status).toBe('awaiting_acceptance');
    await post(session, '/portal/profile', { firstName: 'Cy', lastName: 'Moe', country: 'US' });
    await post(session, '/portal/payout-method', bank({ accountHolderName: 'Cy Moe' }));
    await drain(worker);
    expect((await getPayment(t, key, cy.payoutId)).status).toBe('pending');
  });

  it('Decline cancels with its reason and releases the money', async () => {
    const dee = await payNew('dee@example.com', 7_000);
    const session = await signIn(dee.linkKey, 'dee@example.com');
    const before = await getBalance(t, key);
    const confirm = await get(session, `/portal/payouts/${dee.payoutId}/decline`);
    expect(confirm.body).toContain('Decline $70.00 from Acme Studios?');
    const declined = await post(session, `/portal/payouts/${dee.payoutId}/decline`);
    expect(declined.headers.location).toBe(`/portal/payouts/${dee.payoutId}?done=declined`);
    const payment = await getPayment(t, key, dee.payoutId);
    expect(payment.status).toBe('canceled');
    expect(payment.statusUpdates.at(-1).reason).toBe('Declined by the recipient');
    const after = await getBalance(t, key);
    expect(after.available - before.available).toBe(7_000);
    expect(before.held - after.held).toBe(7_000);
    const page = await get(session, `/portal/payouts/${dee.payoutId}?done=declined`);
    expect(page.body).toContain('You declined this payout.');
    expect(page.body).toContain('Declined by the recipient');
    expect(page.body).not.toContain('>Accept</button>');
    await expectLedgerConsistent(t.db);
  });

  it('every change needs the CSRF token, and a session acts only on its own recipient', async () => {
    const eve = await payNew('eve@example.com');
    const fay = await payNew('fay@example.com');
    const session = await signIn(eve.linkKey, 'eve@example.com');
    const noToken = { ...session, csrf: '' };
    for (const [url, fields] of [
      ['/portal/profile', { firstName: 'X', lastName: 'Y', country: 'US' }],
      ['/portal/payout-method', bank()],
      ['/portal/auto-accept', { autoAccept: 'on' }],
      [`/portal/payouts/${eve.payoutId}/accept`, {}],
      [`/portal/payouts/${eve.payoutId}/decline`, {}],
    ] as const) {
      const refused = await post(noToken, url, fields);
      expect(refused.statusCode, url).toBe(403);
    }
    const [eveRow] = await t.db.query<{ first_name: string | null; auto_accept_payouts: boolean }>(
      'select first_name, auto_accept_payouts from recipients where id = $1',
      [eve.recipientId],
    );
    expect(eveRow).toEqual({ first_name: null, auto_accept_payouts: false });
    expect(await methodsOf(eve.recipientId)).toHaveLength(0);
    expect((await getPayment(t, key, eve.payoutId)).status).toBe('awaiting_acceptance');

    // Fay's payout through Eve's session: not found, and untouched.
    for (const url of [`/portal/payouts/${fay.payoutId}/accept`, `/portal/payouts/${fay.payoutId}/decline`]) {
      expect((await post(session, url)).statusCode).toBe(404);
    }
    expect((await get(session, `/portal/payouts/${fay.payoutId}/decline`)).statusCode).toBe(404);
    expect((await getPayment(t, key, fay.payoutId)).status).toBe('awaiting_acceptance');
  });

  it('no account number typed in the portal is stored in clear or logged', async () => {
    const secret = '98765432101234';
    const gus = await payNew('gus@example.com');
    const session = await signIn(gus.linkKey, 'gus@example.com');
    await post(session, '/portal/profile', { firstName: 'Gus', lastName: 'Pam', country: 'US' });
    await post(session, '/portal/payout-method', bank({ accountNumber: secret, accountNumberConfirmation: `${secret.slice(0, -1)}0` }));
    expect((await post(session, '/portal/payout-method', bank({ accountNumber: secret, accountNumberConfirmation: secret }))).statusCode).toBe(303);
    await drain(worker);
    const columns = await t.db.query<{ table_name: string; column_name: string }>(
      `select table_name, column_name from information_schema.columns
       where table_schema = 'public' and data_type in ('text', 'character varying', 'jsonb', 'json', 'character')`,
    );
    for (const { table_name, column_name } of columns) {
      const hits = await t.db.query(`select 1 from "${table_name}" where "${column_name}"::text like $1 limit 1`, [`%${secret.slice(0, 10)}%`]);
      expect(hits, `${table_name}.${column_name}`).toEqual([]);
    }
    expect(t.logs.text).not.toContain(secret.slice(0, 10));
    expect(JSON.stringify(smtp.messages.map((m) => [m.text, m.html]))).not.toContain(secret.slice(0, 10));
  });
});
