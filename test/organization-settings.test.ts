import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorker } from '../src/worker/worker.js';
import { bearer, createTestApp, signInAs, type TestApp } from './harness.js';
import { drain, expectApiError, testWorker } from './payout-helpers.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';

// The organization's sender settings (admin only, dashboard only), and that the emails carry them.
const MAIL_FROM = 'payouts@pay.example.com';

describe('organization sender settings', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let worker: RunningWorker;
  let admin: Awaited<ReturnType<typeof signInAs>>;
  let manager: Awaited<ReturnType<typeof signInAs>>;
  let accountant: Awaited<ReturnType<typeof signInAs>>;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp({ smtpUrl: smtp.url, mailFrom: MAIL_FROM });
    await t.db.query(`update organizations set name = 'Acme Studios' where id = $1`, [t.defaultOrganizationId]);
    worker = testWorker(t);
    admin = await signInAs(t, 'admin');
    manager = await signInAs(t, 'manager');
    accountant = await signInAs(t, 'accountant');
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.close();
    await smtp?.stop();
  });

  const patch = (headers: Record<string, string>, payload: object) => t.app.inject({ method: 'PATCH', url: '/organization/settings', headers, payload });

  it('starts with the organization name as sender and no reply-to', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/organization/settings', headers: admin() });
    expect(response.statusCode).toBe(200);
    expect(response.json().data).toEqual({
      organizationName: 'Acme Studios',
      senderName: null,
      replyTo: null,
      fundingInstructions: null,
      timeZone: 'UTC',
    });
  });

  it('is for admins only, and never for API keys', async () => {
    for (const headers of [manager(), accountant()]) {
      expectApiError(await t.app.inject({ method: 'GET', url: '/organization/settings', headers }), 403, 'forbidden');
      expectApiError(await patch(headers, { senderName: 'Mallory' }), 403, 'forbidden');
    }
    const key = await t.createKey('production');
    expectApiError(await t.app.inject({ method: 'GET', url: '/organization/settings', headers: bearer(key) }), 403, 'forbidden');
    expectApiError(await patch(bearer(key), { senderName: 'Mallory' }), 403, 'forbidden');
    expectApiError(
      await t.app.inject({ method: 'PATCH', url: '/organization/settings', headers: { cookie: admin().cookie }, payload: { senderName: 'X' } }),
      403,
      'forbidden',
    );
    expectApiError(await t.app.inject({ method: 'GET', url: '/organization/settings' }), 401, 'unauthorized');
    const [row] = await t.db.query<{ sender_name: string | null }>('select sender_name from organizations where id = $1', [t.defaultOrganizationId]);
    expect(row!.sender_name).toBeNull();
  });

  it('refuses CR/LF, display-name tricks, oversized names and anything but a plain reply-to address', async () => {
    const refusals: [object, string][] = [
      [{ senderName: 'Acme\r\nBcc: victim@example.com' }, 'senderName'],
      [{ senderName: 'Acme\nPayouts' }, 'senderName'],
      [{ senderName: 'Acme\u2028Payouts' }, 'senderName'],
      [{ senderName: 'Your Bank <security@bank.example>' }, 'senderName'],
      [{ senderName: 'support@acme.example' }, 'senderName'],
      [{ senderName: 'x'.repeat(79) }, 'senderName'],
      [{ senderName: 'x'.repeat(1000) }, 'senderName'],
      [{ senderName: 42 }, 'senderName'],
      [{ replyTo: 'help@acme.example\r\nBcc: victim@example.com' }, 'replyTo'],
      [{ replyTo: 'Acme Help <help@acme.example>' }, 'replyTo'],
      [{ replyTo: 'help@acme.example, other@evil.example' }, 'replyTo'],
      [{ replyTo: 'not an address' }, 'replyTo'],
      [{ replyTo: `${'a'.repeat(250)}@acme.example` }, 'replyTo'],
      [{ fromAddress: 'ceo@acme.example' }, 'fromAddress'],
    ];
    for (const [payload, param] of refusals) expectApiError(await patch(admin(), payload), 400, 'invalid_request', param);
    const current = (await t.app.inject({ method: 'GET', url: '/organization/settings', headers: admin() })).json().data;
    expect(current).toMatchObject({ senderName: null, replyTo: null });
  });

  it('sets one field without touching the other, trims, and clears with null or an empty string', async () => {
    expect((await patch(admin(), { senderName: '  Acme   Payouts ' })).json().data).toEqual({
      organizationName: 'Acme Studios',
      senderName: 'Acme Payouts',
      replyTo: null,
      fundingInstructions: null,
      timeZone: 'UTC',
    });
    expect((await patch(admin(), { replyTo: 'help@acme.example' })).json().data).toMatchObject({ senderName: 'Acme Payouts', replyTo: 'help@acme.example' });
    expect((await patch(admin(), { senderName: '' })).json().data).toMatchObject({ senderName: null, replyTo: 'help@acme.example' });
    expect((await patch(admin(), { replyTo: null })).json().data).toMatchObject({ senderName: null, replyTo: null });
  });

  it('sets the time zone of year-end reporting: IANA names only, stored in their canonical spelling', async () => {
    for (const timeZone of ['EST', '+02:00', 'Mars/Olympus_Mons', '', 'America/New York', 'x'.repeat(65)]) {
      expectApiError(await patch(admin(), { timeZone }), 400, 'invalid_request', 'timeZone');
    }
    expect((await patch(admin(), { timeZone: 'US/Pacific' })).json().data.timeZone).toBe('America/Los_Angeles');
    expect((await patch(admin(), { timeZone: ' America/New_York ' })).json().data).toMatchObject({ timeZone: 'America/New_York', senderName: null });
    expect((await patch(admin(), { senderName: 'Acme' })).json().data).toMatchObject({ timeZone: 'America/New_York', senderName: 'Acme' });
    expect((await patch(admin(), { timeZone: 'utc', senderName: null })).json().data).toMatchObject({ timeZone: 'UTC' });
    expectApiError(await patch(manager(), { timeZone: 'Europe/Paris' }), 403, 'forbidden');
    const [row] = await t.db.query<{ time_zone: string }>('select time_zone from organizations where id = $1', [t.defaultOrganizationId]);
    expect(row!.time_zone).toBe('UTC');
  });

  it('sends emails with the sender name in From and the Reply-To header, and shows both in GET /emails', async () => {
    expect((await patch(admin(), { senderName: 'Acme Payouts Team', replyTo: 'help@acme.example' })).statusCode).toBe(200);
    const key = await t.createKey('production');
    const created = await t.app.inject({
      method: 'POST',
      url: '/recipients',
      headers: bearer(key),
      payload: { recipients: [{ firstName: 'Ana', lastName: 'Ray', email: 'ana@example.com' }] },
    });
    const recipientId = created.json().data.recipients[0].id;
    const invited = await t.app.inject({ method: 'POST', url: `/recipients/${recipientId}/invite`, headers: bearer(key) });
    expect(invited.statusCode).toBe(202);
    await drain(worker);
    const message = smtp.messages.find((m) => JSON.stringify(m.to).includes('ana@example.com'))!;
    expect(message.from?.value).toEqual([{ address: MAIL_FROM, name: 'Acme Payouts Team' }]);
    expect(message.replyTo?.value).toEqual([{ address: 'help@acme.example', name: '' }]);
    // The body still names the organization that pays.
    expect(message.subject).toBe('Acme Studios invites you to get paid');

    const email = (await t.app.inject({ method: 'GET', url: `/emails/${invited.json().data.emailId}`, headers: bearer(key) })).json().data;
    expect(email).toMatchObject({ status: 'sent', from: `Acme Payouts Team <${MAIL_FROM}>`, replyTo: 'help@acme.example' });

    // Cleared settings: the organization's name again, and no Reply-To header at all.
    await patch(admin(), { senderName: null, replyTo: null });
    await t.app.inject({ method: 'POST', url: `/recipients/${recipientId}/invite`, headers: bearer(key) });
    await drain(worker);
    const invitations = smtp.messages.filter((m) => JSON.stringify(m.to).includes('ana@example.com'));
    expect(invitations).toHaveLength(2);
    expect(invitations[1]!.from?.value).toEqual([{ address: MAIL_FROM, name: 'Acme Studios' }]);
    expect(invitations[1]!.replyTo).toBeUndefined();
  });

  it('tells the dashboard whether emails are sent or captured in each environment', async () => {
    const production = (await t.app.inject({ method: 'GET', url: '/emails/settings', headers: manager('production') })).json().data;
    expect(production).toEqual({ smtpConfigured: true, captured: false, secretsHidden: true, mailFrom: MAIL_FROM });
    const sandbox = (await t.app.inject({ method: 'GET', url: '/emails/settings', headers: manager('sandbox') })).json().data;
    expect(sandbox).toMatchObject({ smtpConfigured: true, captured: true, secretsHidden: false });
    expectApiError(await t.app.inject({ method: 'GET', url: '/emails/settings', headers: accountant() }), 403, 'forbidden');
  });
});

describe('emails delivery settings without SMTP_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('says production emails are captured with their secrets hidden', async () => {
    const key = await t.createKey('production');
    const data = (await t.app.inject({ method: 'GET', url: '/emails/settings', headers: bearer(key) })).json().data;
    expect(data).toMatchObject({ smtpConfigured: false, captured: true, secretsHidden: true });
  });
});
