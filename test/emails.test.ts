import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueEmails } from '../src/modules/emails/emails.repository.js';
import { queueEmail, recordMailFrom } from '../src/modules/emails/emails.service.js';
import { EMAILS_IN_FLIGHT, EXPANSION_HOLD_BACK_MS, sendEmailsTask } from '../src/modules/emails/emails.tasks.js';
import { fund } from '../src/modules/ledger/ledger.service.js';
import { settlePayout } from '../src/modules/payouts/payouts.service.js';
import { advancePayoutsTask } from '../src/modules/payouts/payouts.tasks.js';
import type { Tenant } from '../src/platform/tenant.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { createBatch, drain, testWorker } from './payout-helpers.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';

const MAIL_FROM = 'payouts@pay.example.com';
const headerText = (value: unknown) => JSON.stringify(value);

async function emailRows(t: TestApp, where = 'true', params: unknown[] = []) {
  return t.db.query<{ id: string; to_address: string; status: string; message_id: string | null; attempts: number; template: string; recipient_id: string }>(
    `select id, to_address, status, message_id, attempts, template, recipient_id from emails where ${where} order by id`,
    params,
  );
}

const pathOf = (link: string) => new URL(link).pathname;

describe('emails over SMTP (production)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let key: string;
  let tenant: Tenant;
  let worker: RunningWorker;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp({ smtpUrl: smtp.url, mailFrom: MAIL_FROM });
    await t.db.query(`update organizations set name = 'Acme Studios' where id = $1`, [t.defaultOrganizationId]);
    key = await t.createKey('production');
    tenant = { organizationId: t.defaultOrganizationId, environment: 'production' };
    await t.db.transaction((tx) => fund(tx, tenant, 10_000_000n));
    worker = testWorker(t);
  });
  afterAll(async () => {
    await worker.stop();
    await t.close();
    await smtp.stop();
  });

  it('sends one email per payee per batch, from the organization, with a working payout link', async () => {
    const created = await createBatch(t, key, [
      { payeeEmail: 'ana@example.com', amount: 25_000, description: 'March <design> work' },
      { payeeEmail: 'ana@example.com', amount: 5_000 },
      { payeeEmail: 'ben@example.com', amount: 1_234 },
    ]);
    expect(created.statusCode).toBe(201);
    const batchId = created.json().data.batchId;
    await drain(worker);
    const forBatch = smtp.messages.filter((m) => m.subject?.startsWith('Acme Studios sent you'));
    expect(forBatch).toHaveLength(2);
    const ana = forBatch.find((m) => m.to && headerText(m.to).includes('ana@example.com'))!;
    const ben = forBatch.find((m) => m.to && headerText(m.to).includes('ben@example.com'))!;
    expect(ana.subject).toBe('Acme Studios sent you $300.00');
    expect(ben.subject).toBe('Acme Studios sent you $12.34');
    expect(ana.from?.value).toEqual([{ address: MAIL_FROM, name: 'Acme Studios' }]);
    expect(ana.text).toContain('$250.00 — March <design> work');
    expect(ana.text).toContain('To receive it');
    expect(ana.html).toContain('March &lt;design&gt; work');
    expect(ana.html).not.toContain('<design>');

    const rows = await emailRows(t, `template = 'payouts_created' and to_address = 'ana@example.com'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect(ana.messageId).toBe(rows[0]!.message_id);
    expect(rows[0]!.message_id).toMatch(/^<[0-9a-f-]{36}@pay\.example\.com>$/);

    const link = /https?:\/\/\S+\/p\/\S+/.exec(ana.text!)![0];
    const payments = (await t.app.inject({ method: 'GET', url: `/payments?batchId=${batchId}`, headers: bearer(key) })).json().data;
    expect(payments.map((p: { payoutLink: string }) => p.payoutLink)).toContain(link);
    const page = await t.app.inject({ method: 'GET', url: pathOf(link) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Acme Studios');
    expect(page.body).toMatch(/\$250\.00|\$50\.00/);
    // No script may run on a capability page; its one inline style is allowed by its hash.
    const csp = String(page.headers['content-security-policy']);
    const style = /<style>([\s\S]*?)<\/style>/.exec(page.body)![1]!;
    expect(csp).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
  });

  it('tells the payee when a payout completes and when it is returned, with the reason', async () => {
    const created = await createBatch(t, key, [{ payeeEmail: 'cleo@example.com', amount: 7_000 }]);
    const id = created.json().data.payouts[0].id;
    const recipientId = (await t.app.inject({ method: 'GET', url: `/payments/${id}`, headers: bearer(key) })).json().data.recipient.id;
    await t.app.inject({ method: 'PATCH', url: `/recipients/${recipientId}`, headers: bearer(key), payload: { autoAcceptPayouts: true } });
    // Ready (a method on file), so the payout reaches `pending` and may be settled.
    const method = { type: 'paypal', email: 'cleo@example.com' };
    expect((await t.app.inject({ method: 'PUT', url: `/recipients/${recipientId}/payout-method`, headers: bearer(key), payload: method })).statusCode).toBe(
      200,
    );
    await drain(worker);
    await settlePayout(t.db, tenant, id, 'completed');
    await settlePayout(t.db, tenant, id, 'returned', 'Account closed');
    await drain(worker);
    const toCleo = smtp.messages.filter((m) => headerText(m.to).includes('cleo@example.com'));
    expect(toCleo.map((m) => m.subject).filter((subject) => !/payout method/i.test(subject ?? ''))).toEqual([
      'Acme Studios sent you $70.00',
      'Your payout of $70.00 from Acme Studios is complete',
      'Your payout of $70.00 from Acme Studios was returned',
    ]);
    expect(toCleo.at(-1)!.text).toContain('Reason: Account closed.');
  });

  it('marks the email failed and the recipient undeliverable on a permanent refusal', async () => {
    smtp.refuse.add('gone@example.com');
    const created = await createBatch(t, key, [{ payeeEmail: 'gone@example.com', amount: 100 }]);
    expect(created.statusCode).toBe(201);
    await drain(worker);
    const [row] = await emailRows(t, `to_address = 'gone@example.com'`);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    const recipient = (await t.app.inject({ method: 'GET', url: `/recipients/${row!.recipient_id}`, headers: bearer(key) })).json().data;
    expect(recipient.emailUndeliverable).toBe(true);
    const email = (await t.app.inject({ method: 'GET', url: `/emails/${row!.id}`, headers: bearer(key) })).json().data;
    expect(email.attempts).toHaveLength(1);
    expect(email.attempts[0]).toMatchObject({ result: 'failed', smtpCode: 550 });
  });

  it('sends again with the same Message-ID when a worker dies between claim and send', async () => {
    const recipient = (
      await t.app.inject({
        method: 'POST',
        url: '/recipients',
        headers: bearer(key),
        payload: { recipients: [{ firstName: 'Dee', lastName: 'Lee', email: 'dee@example.com' }] },
      })
    ).json().data.recipients[0];
    const invited = await t.app.inject({ method: 'POST', url: `/recipients/${recipient.id}/invite`, headers: bearer(key) });
    expect(invited.statusCode).toBe(202);
    const emailId = invited.json().data.emailId;
    const claimed = await t.db.transaction((tx) => claimDueEmails(tx, 100, 60, 'a-worker-that-dies'));
    expect(claimed.map((e) => e.id)).toContain(emailId);
    await drain(worker);
    expect(smtp.messages.filter((m) => headerText(m.to).includes('dee@example.com'))).toHaveLength(0);
    await t.db.query(`update emails set lease_expires_at = now() - interval '1 second' where id = $1`, [emailId]);
    await drain(worker);
    const toDee = smtp.messages.filter((m) => headerText(m.to).includes('dee@example.com'));
    expect(toDee).toHaveLength(1);
    const [row] = await emailRows(t, 'id = $1', [emailId]);
    expect(toDee[0]!.messageId).toBe(row!.message_id);
    expect(toDee[0]!.subject).toBe('Acme Studios invites you to get paid');
    const link = /https?:\/\/\S+\/r\/\S+/.exec(toDee[0]!.text!)![0];
    expect(link).toBe(recipient.onboardingUrl);
    const page = await t.app.inject({ method: 'GET', url: pathOf(link) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Welcome, Dee');
  });

  const queueCode = (to: string, expiresInMs: number) =>
    t.db.transaction((tx) =>
      queueEmail(tx, tenant, {
        recipientId: null,
        to,
        template: 'one_time_code',
        data: { organizationName: 'Acme Studios', code: '123456', validMinutes: 10 },
        priority: 0,
        expiresAt: new Date(Date.now() + expiresInMs),
      }),
    );

  it('fixes the Message-ID at insert and repeats it after a crash even if MAIL_FROM changed meanwhile', async () => {
    const recipient = (
      await t.app.inject({
        method: 'POST',
        url: '/recipients',
        headers: bearer(key),
        payload: { recipients: [{ firstName: 'Hal', lastName: 'Po', email: 'hal@example.com' }] },
      })
    ).json().data.recipients[0];
    const emailId = (await t.app.inject({ method: 'POST', url: `/recipients/${recipient.id}/invite`, headers: bearer(key) })).json().data.emailId;
    const [queued] = await emailRows(t, 'id = $1', [emailId]);
    expect(queued).toMatchObject({ status: 'queued', message_id: `<${emailId}@pay.example.com>` });
    await t.db.transaction((tx) => claimDueEmails(tx, 100, 60, 'a-worker-that-dies'));
    // The operator moves MAIL_FROM to another domain before the dead worker's lease runs out.
    await recordMailFrom(t.db, 'payouts@new.example.org');
    try {
      await t.db.query(`update emails set lease_expires_at = now() - interval '1 second' where id = $1`, [emailId]);
      await drain(worker);
      const toHal = smtp.messages.filter((m) => headerText(m.to).includes('hal@example.com'));
      expect(toHal.map((m) => m.messageId)).toEqual([`<${emailId}@pay.example.com>`]);
      const laterId = await queueCode('later@example.com', 600_000);
      expect((await emailRows(t, 'id = $1', [laterId]))[0]!.message_id).toBe(`<${laterId}@new.example.org>`);
      await drain(worker);
    } finally {
      await recordMailFrom(t.db, MAIL_FROM);
    }
  });

  it('claims one-time codes ahead of bulk mail queued before them', async () => {
    const bulk = await Promise.all(
      ['bulk1@example.com', 'bulk2@example.com'].map((to) =>
        t.db.transaction((tx) =>
          queueEmail(tx, tenant, { recipientId: null, to, template: 'one_time_code', data: { organizationName: 'Acme', code: '1', validMinutes: 10 } }),
        ),
      ),
    );
    const codeId = await queueCode('code@example.com', 600_000);
    const [first] = await t.db.transaction((tx) => claimDueEmails(tx, 1, 60, 'a-test-claimer'));
    expect(first!.id).toBe(codeId);
    expect(bulk).not.toContain(first!.id);
    await t.db.query(`update emails set lease_expires_at = now() - interval '1 second' where id = $1`, [codeId]);
    await drain(worker);
    expect((await emailRows(t, 'id = any($1::uuid[])', [[codeId, ...bulk]])).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it('stops retrying a one-time code that would expire before its next attempt', async () => {
    await smtp.stop();
    try {
      const codeId = await queueCode('late-code@example.com', 30_000);
      await drain(worker);
      const [row] = await emailRows(t, 'id = $1', [codeId]);
      expect(row).toMatchObject({ status: 'failed', attempts: 1 });
      const [stored] = await t.db.query<{ has_code: boolean }>(`select data ? 'code' as has_code from emails where id = $1`, [codeId]);
      expect(stored!.has_code).toBe(false);
    } finally {
      await smtp.start();
    }
  });

  it('keeps an email queued while the SMTP server is down and delivers it once it is back', async () => {
    await smtp.stop();
    const recipient = (
      await t.app.inject({
        method: 'POST',
        url: '/recipients',
        headers: bearer(key),
        payload: { recipients: [{ firstName: 'Eli', lastName: 'Ng', email: 'eli@example.com' }] },
      })
    ).json().data.recipients[0];
    const emailId = (await t.app.inject({ method: 'POST', url: `/recipients/${recipient.id}/invite`, headers: bearer(key) })).json().data.emailId;
    await drain(worker);
    let [row] = await emailRows(t, 'id = $1', [emailId]);
    expect(row).toMatchObject({ status: 'queued', attempts: 1 });
    const [due] = await t.db.query<{ wait: number }>(`select extract(epoch from next_attempt_at - now())::float8 as wait from emails where id = $1`, [emailId]);
    expect(due!.wait).toBeGreaterThan(50);
    expect(due!.wait).toBeLessThan(70);
    await smtp.start();
    await t.db.query(`update emails set next_attempt_at = now() where id = $1`, [emailId]);
    await drain(worker);
    [row] = await emailRows(t, 'id = $1', [emailId]);
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    expect(smtp.messages.filter((m) => headerText(m.to).includes('eli@example.com'))).toHaveLength(1);
    const attempts = (await t.app.inject({ method: 'GET', url: `/emails/${emailId}`, headers: bearer(key) })).json().data.attempts;
    expect(attempts.map((a: { result: string }) => a.result)).toEqual(['retry', 'sent']);
  });

  it('never lets CR/LF in a name reach the headers', async () => {
    const orgId = await t.createOrganization('Evil Corp\r\nBcc: victim@example.com');
    const evilKey = await t.createKey('production', orgId);
    await t.db.transaction((tx) => fund(tx, { organizationId: orgId, environment: 'production' }, 100_000n));
    const created = await t.app.inject({
      method: 'POST',
      url: '/recipients',
      headers: bearer(evilKey),
      payload: { recipients: [{ firstName: 'Fay\r\nX-Injected: yes', lastName: 'Q', email: 'fay@example.com' }] },
    });
    expect(created.statusCode).toBe(201);
    const recipientId = created.json().data.recipients[0].id;
    await t.app.inject({ method: 'POST', url: `/recipients/${recipientId}/invite`, headers: bearer(evilKey) });
    await drain(worker);
    const [message] = smtp.messages.filter((m) => headerText(m.to).includes('fay@example.com'));
    expect(message).toBeDefined();
    expect(message!.headers.has('bcc')).toBe(false);
    expect(message!.headers.has('x-injected')).toBe(false);
    expect(message!.from?.value).toEqual([{ address: MAIL_FROM, name: 'Evil Corp Bcc: victim@example.com' }]);
    expect(headerText(message!.to)).not.toContain('victim');
  });

  it('answers the same 404 page for a tampered link and an unknown id', async () => {
    const payment = (await t.app.inject({ method: 'GET', url: '/payments?limit=1', headers: bearer(key) })).json().data[0];
    const path = pathOf(payment.payoutLink);
    const good = await t.app.inject({ method: 'GET', url: path });
    expect(good.statusCode).toBe(200);
    const lastChar = path.at(-1) === 'A' ? 'B' : 'A';
    const tampered = await t.app.inject({ method: 'GET', url: path.slice(0, -1) + lastChar });
    const unknown = await t.app.inject({ method: 'GET', url: `/p/01a22db1-7228-7630-ac6e-ba3f945691f7.${path.split('.')[1]}` });
    const bare = await t.app.inject({ method: 'GET', url: `/p/${payment.id}` });
    const asRecipient = await t.app.inject({ method: 'GET', url: path.replace('/p/', '/r/') });
    for (const response of [tampered, unknown, bare, asRecipient]) {
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.body).toBe(tampered.body);
    }
    expect(tampered.body).not.toContain('Acme');
  });
});

describe('captured mode', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let worker: RunningWorker;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp({ smtpUrl: smtp.url, mailFrom: MAIL_FROM });
    worker = testWorker(t);
  });
  afterAll(async () => {
    await worker.stop();
    await t.close();
    await smtp.stop();
  });

  it('never opens an SMTP connection for the sandbox and shows its emails in full', async () => {
    const key = await t.createKey('sandbox');
    const created = await createBatch(t, key, [{ payeeEmail: 'sam@example.com', amount: 25_000, description: 'Logo' }]);
    expect(created.statusCode).toBe(201);
    await drain(worker);
    expect(smtp.connections).toBe(0);
    const list = await t.app.inject({ method: 'GET', url: '/emails', headers: bearer(key) });
    expect(list.statusCode).toBe(200);
    const emails = list.json().data;
    const batchEmail = emails.find((e: { template: string }) => e.template === 'payouts_created');
    expect(batchEmail).toMatchObject({ status: 'captured', to: 'sam@example.com', subject: expect.stringContaining('sent you $250.00'), secretsHidden: false });
    expect(batchEmail.text).toContain('It is on its way to you');
    expect(batchEmail.html).toContain('Logo');
    const link = /https?:\/\/\S+\/p\/\S+/.exec(batchEmail.text)![0];
    const page = await t.app.inject({ method: 'GET', url: pathOf(link) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('$250.00');
    expect(page.body).toContain('Sandbox');
    const firstPage = (await t.app.inject({ method: 'GET', url: `/emails?recipientId=${batchEmail.recipientId}&limit=1`, headers: bearer(key) })).json();
    expect(firstPage).toMatchObject({ hasMore: true, data: [{ template: 'payout_completed', recipientId: batchEmail.recipientId }] });
    const nextPage = (
      await t.app.inject({ method: 'GET', url: `/emails?recipientId=${batchEmail.recipientId}&cursor=${firstPage.nextCursor}`, headers: bearer(key) })
    ).json();
    expect(nextPage.data.map((e: { id: string }) => e.id)).toEqual([batchEmail.id]);
    // Production keys see nothing of the sandbox's mail.
    const production = await t.app.inject({ method: 'GET', url: '/emails', headers: bearer(await t.createKey('production')) });
    expect(production.json().data).toEqual([]);
  });
});

describe('production without SMTP_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('captures production emails instead of sending them', async () => {
    const key = await t.createKey('production');
    const recipient = (
      await t.app.inject({
        method: 'POST',
        url: '/recipients',
        headers: bearer(key),
        payload: { recipients: [{ firstName: 'Gil', lastName: 'Ro', email: 'gil@example.com' }] },
      })
    ).json().data.recipients[0];
    const emailId = (await t.app.inject({ method: 'POST', url: `/recipients/${recipient.id}/invite`, headers: bearer(key) })).json().data.emailId;
    const worker = testWorker(t);
    await drain(worker);
    await worker.stop();
    const email = (await t.app.inject({ method: 'GET', url: `/emails/${emailId}`, headers: bearer(key) })).json().data;
    expect(email).toMatchObject({ status: 'captured', attempts: [], secretsHidden: false });
    expect(email.text).toContain(recipient.onboardingUrl);
  });

  it("captures a batch of emails a claim at a time, not SMTP_URL's few sends in flight", async () => {
    const key = await t.createKey('production');
    const payees = EMAILS_IN_FLIGHT * 3;
    await t.db.transaction((tx) => fund(tx, { organizationId: t.defaultOrganizationId, environment: 'production' }, BigInt(payees)));
    const created = await createBatch(
      t,
      key,
      Array.from({ length: payees }, (_, i) => ({ payeeEmail: `bulk${i}@example.com`, amount: 1 })),
    );
    expect(created.statusCode).toBe(201);
    const task = sendEmailsTask();
    const ctx = { db: t.db, config: t.config, log: t.app.log as never };
    // One run expands the batch into an email per payee (one slice) and claims them: all of them.
    expect(await task.runOnce(ctx)).toBe(2 * payees);
    await task.drain?.();
    await task.close?.();
    expect(await emailRows(t, "template = 'payouts_created' and status <> 'captured'")).toEqual([]);
    expect(await emailRows(t, "template = 'payouts_created'")).toHaveLength(payees);
  });

  it('writes sandbox emails captured: the worker never claims them', async () => {
    const key = await t.createKey('sandbox');
    const payees = 30;
    const created = await createBatch(
      t,
      key,
      Array.from({ length: payees }, (_, i) => ({ payeeEmail: `sandbox-bulk${i}@example.com`, amount: 1 })),
    );
    expect(created.statusCode).toBe(201);
    const task = sendEmailsTask();
    const ctx = { db: t.db, config: t.config, log: t.app.log as never };
    // The run expands the batch (one slice) and finds nothing to claim.
    expect(await task.runOnce(ctx)).toBe(payees);
    await task.close?.();
    const rows = await emailRows(t, "environment = 'sandbox' and template = 'payouts_created' and to_address like 'sandbox-bulk%'");
    expect(rows).toHaveLength(payees);
    expect(new Set(rows.map((r) => `${r.status}/${r.attempts}`))).toEqual(new Set(['captured/0']));
    // So are the emails of the payouts' status changes, written as the payouts move.
    const payouts = advancePayoutsTask();
    while ((await payouts.runOnce(ctx)) > 0) {}
    const completed = await emailRows(t, "template = 'payout_completed' and to_address like 'sandbox-bulk%'");
    expect(completed).toHaveLength(payees);
    expect(new Set(completed.map((r) => `${r.status}/${r.attempts}`))).toEqual(new Set(['captured/0']));
  });

  it('shows sandbox codes in full but never a production code to API keys', async () => {
    const orgId = t.defaultOrganizationId;
    const code = async (environment: 'sandbox' | 'production', value: string) =>
      t.db.transaction((tx) =>
        queueEmail(
          tx,
          { organizationId: orgId, environment },
          {
            recipientId: null,
            to: `code-${environment}@example.com`,
            template: 'one_time_code',
            data: { organizationName: 'Acme', code: value, validMinutes: 10 },
            priority: 0,
            expiresAt: new Date(Date.now() + 600_000),
          },
        ),
      );
    const sandboxId = await code('sandbox', '111222');
    const productionId = await code('production', '333444');
    const worker = testWorker(t);
    await drain(worker);
    await worker.stop();
    const sandbox = (await t.app.inject({ method: 'GET', url: `/emails/${sandboxId}`, headers: bearer(await t.createKey('sandbox')) })).json().data;
    expect(sandbox.text).toContain('111222');
    const productionKey = await t.createKey('production');
    const one = (await t.app.inject({ method: 'GET', url: `/emails/${productionId}`, headers: bearer(productionKey) })).json().data;
    const listed = (await t.app.inject({ method: 'GET', url: '/emails', headers: bearer(productionKey) })).json().data;
    expect(one).toMatchObject({ status: 'captured', secretsHidden: true });
    for (const view of [one, ...listed]) expect(JSON.stringify(view)).not.toContain('333444');
    // Once final, a production email no longer holds its code at all (a database copy must not
    // carry live secrets); the sandbox's is kept for integrators.
    const stored = await t.db.query<{ id: string; data: unknown }>('select id, data from emails where id = any($1::uuid[])', [[sandboxId, productionId]]);
    const dataOf = (id: string) => JSON.stringify(stored.find((r) => r.id === id)!.data);
    expect(dataOf(productionId)).not.toContain('333444');
    expect(dataOf(productionId)).toContain('Acme');
    expect(dataOf(sandboxId)).toContain('111222');
  });
});

// Expanding a batch into its payees' emails writes up to a slice of rows in one transaction: on the
// embedded database, webhook sends wait for it. While the sender is behind, the email loop puts
// expansion off, but only for a while, so a batch's notices always go out.
describe('batch expansion while another task is behind', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('is put off while another task is behind, for at most EXPANSION_HOLD_BACK_MS', async () => {
    const key = await t.createKey('sandbox');
    for (const name of ['held-a', 'held-b', 'held-c']) {
      const created = await createBatch(
        t,
        key,
        [1, 2, 3].map((i) => ({ payeeEmail: `${name}${i}@example.com`, amount: 1 })),
      );
      expect(created.statusCode).toBe(201);
    }
    const expandedFor = async (name: string) => (await emailRows(t, 'to_address like $1', [`${name}%`])).length;
    let othersBehind = true;
    const task = sendEmailsTask();
    const ctx = { db: t.db, config: t.config, log: t.app.log as never, othersBehind: () => othersBehind };

    // The first run expands: nothing was expanded for longer than the bound.
    await task.runOnce(ctx);
    expect(await expandedFor('held-a')).toBe(3);
    // Right after, with the sender still behind, the next batch waits.
    expect(await task.runOnce(ctx)).toBe(0);
    expect(await expandedFor('held-b')).toBe(0);
    // Once nobody is behind, it is expanded at once.
    othersBehind = false;
    await task.runOnce(ctx);
    expect(await expandedFor('held-b')).toBe(3);
    // Behind again: put off, but never for longer than the bound.
    othersBehind = true;
    await task.runOnce(ctx);
    expect(await expandedFor('held-c')).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, EXPANSION_HOLD_BACK_MS + 50));
    await task.runOnce(ctx);
    expect(await expandedFor('held-c')).toBe(3);
    await task.close?.();
  });
});
