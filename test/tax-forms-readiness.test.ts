import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fund } from '../src/modules/ledger/ledger.service.js';
import { BACKUP_WITHHOLDING_REASON, NO_METHOD_REASON, TAX_FORM_EXPIRED_REASON, TAX_FORM_NEEDED_REASON } from '../src/modules/recipients/index.js';
import { signTaxForm, type TaxFormContext } from '../src/modules/tax-forms/index.js';
import { type RunningSchedule, startSchedule } from '../src/platform/schedule/schedule.js';
import type { Tenant } from '../src/platform/tenant.js';
import { taxFormContextFor } from '../src/recipient-reactions.js';
import { periodicTasks } from '../src/worker/schedule.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { createBatch, drain, expectLedgerConsistent, getPayment, testWorker } from './payout-helpers.js';
import { signer, w8ben, w9 } from './tax-forms-fixtures.js';

// Readiness with tax forms, in production (where readiness moves money): the form and the method
// in either order, a struck certification item 2, a W-8BEN that expires, and the business turning
// tax collection on and off. Sandbox payees keep counting as ready.
describe('readiness with tax forms', () => {
  let t: TestApp;
  let key: string;
  let sandboxKey: string;
  let tenant: Tenant;
  let ctx: TaxFormContext;
  let worker: RunningWorker;
  let schedule: RunningSchedule;

  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('production');
    sandboxKey = await t.createKey('sandbox');
    tenant = { organizationId: t.defaultOrganizationId, environment: 'production' };
    ctx = taxFormContextFor(t.config);
    worker = testWorker(t);
    schedule = startSchedule({ db: t.db, config: t.config, log: t.app.log as never }, periodicTasks, { timers: false });
    await t.db.transaction((tx) => fund(tx, tenant, 10_000_000n));
  });
  afterAll(async () => {
    await schedule.stop();
    await worker.stop();
    await t.close();
  });

  const call = (method: 'GET' | 'PUT' | 'DELETE' | 'PATCH' | 'POST', url: string, payload?: object, apiKey = key) =>
    t.app.inject({ method, url, headers: bearer(apiKey), ...(payload ? { payload } : {}) });
  const newRecipient = async (email: string, apiKey = key) =>
    (
      await call(
        'POST',
        '/recipients',
        { recipients: [{ firstName: 'Ana', lastName: 'Diaz', email, shouldCollectTaxInfo: true, autoAcceptPayouts: true }] },
        apiKey,
      )
    ).json().data.recipients[0].id as string;
  const recipient = async (id: string) => (await call('GET', `/recipients/${id}`)).json().data;
  const putMethod = (id: string) => call('PUT', `/recipients/${id}/payout-method`, { type: 'paypal', email: 'ana.pay@example.com' });
  const payTo = async (recipientId: string) => (await createBatch(t, key, [{ recipientId, amount: 1_000 }])).json().data.payouts[0].id as string;
  const status = async (payoutId: string) => (await getPayment(t, key, payoutId)).status as string;
  const actionEmails = async (recipientId: string) =>
    (
      await t.db.query<{ data: { reason: string } }>(`select data from emails where recipient_id = $1 and template = 'recipient_action_needed' order by id`, [
        recipientId,
      ])
    ).map((e) => e.data.reason);

  it('method first, then the form: not ready until the form is signed, then its waiting payout moves on', async () => {
    const id = await newRecipient('method-first@example.com');
    const payoutId = await payTo(id);
    await putMethod(id);
    expect(await recipient(id)).toMatchObject({ status: 'action_needed', actionNeededReason: TAX_FORM_NEEDED_REASON, taxFormState: null });
    await drain(worker);
    expect(await status(payoutId)).toBe('awaiting_acceptance');

    await signTaxForm(t.db, tenant, id, w9(), signer('Ana Diaz'), ctx);
    expect(await recipient(id)).toMatchObject({ status: 'ready', actionNeededReason: null, taxFormState: 'valid' });
    await drain(worker);
    expect(await status(payoutId)).toBe('pending');
    // Never ready before, so never told it lost readiness.
    expect(await actionEmails(id)).toEqual([]);
  });

  it('form first, then the method: still "invited" with a valid form, ready once the method is set', async () => {
    const id = await newRecipient('form-first@example.com');
    await signTaxForm(t.db, tenant, id, w9(), signer('Ana Diaz'), ctx);
    expect(await recipient(id)).toMatchObject({ status: 'invited', actionNeededReason: null, taxFormState: 'valid' });
    await putMethod(id);
    expect(await recipient(id)).toMatchObject({ status: 'ready', taxFormState: 'valid' });
  });

  it('a struck item 2 holds the payouts with its reason, even when tax information is no longer asked for; a clean W-9 releases them', async () => {
    const id = await newRecipient('struck@example.com');
    await putMethod(id);
    await signTaxForm(t.db, tenant, id, w9(), signer('Ana Diaz'), ctx);
    const payoutId = await payTo(id);
    await drain(worker);
    expect(await status(payoutId)).toBe('pending');

    await signTaxForm(t.db, tenant, id, w9({ backupWithholding: true }), signer('Ana Diaz'), ctx);
    expect(await recipient(id)).toMatchObject({ status: 'action_needed', actionNeededReason: BACKUP_WITHHOLDING_REASON, taxFormState: 'backup_withholding' });
    const held = await getPayment(t, key, payoutId);
    expect(held.status).toBe('awaiting_acceptance');
    expect(held.statusUpdates.at(-1).reason).toBe(`Recipient action needed: ${BACKUP_WITHHOLDING_REASON}`);
    expect(await actionEmails(id)).toEqual([BACKUP_WITHHOLDING_REASON]);

    expect((await call('PATCH', `/recipients/${id}`, { shouldCollectTaxInfo: false })).json().data).toMatchObject({
      status: 'action_needed',
      actionNeededReason: BACKUP_WITHHOLDING_REASON,
    });
    await drain(worker);
    expect(await status(payoutId)).toBe('awaiting_acceptance');

    await signTaxForm(t.db, tenant, id, w9(), signer('Ana Diaz'), ctx);
    expect(await recipient(id)).toMatchObject({ status: 'ready', taxFormState: 'valid' });
    await drain(worker);
    expect(await status(payoutId)).toBe('pending');
    await expectLedgerConsistent(t.db);
  });

  it('an expired W-8BEN loses readiness: pending payouts go back to awaiting_acceptance and the recipient is told once', async () => {
    const id = await newRecipient('expiring@example.com');
    await putMethod(id);
    const form = await signTaxForm(t.db, tenant, id, w8ben(), signer('Mei Tanaka'), ctx);
    const payoutId = await payTo(id);
    await drain(worker);
    expect(await status(payoutId)).toBe('pending');

    // Nothing due yet: the form runs until the start of its fourth calendar year.
    await schedule.runNow('expire-w8ben-forms');
    expect(await recipient(id)).toMatchObject({ status: 'ready', taxFormState: 'valid' });

    // Time passes: the form's expiry is now behind us.
    await t.db.query(`update tax_forms set expires_at = now() - interval '1 minute' where id = $1`, [form.id]);
    expect(await schedule.runNow('expire-w8ben-forms')).toEqual({ ran: true, count: 1 });
    expect(await recipient(id)).toMatchObject({ status: 'action_needed', actionNeededReason: TAX_FORM_EXPIRED_REASON, taxFormState: 'expired' });
    const back = await getPayment(t, key, payoutId);
    expect(back.status).toBe('awaiting_acceptance');
    expect(back.statusUpdates.at(-1)).toMatchObject({ status: 'awaiting_acceptance', reason: `Recipient action needed: ${TAX_FORM_EXPIRED_REASON}` });
    expect(await actionEmails(id)).toEqual([TAX_FORM_EXPIRED_REASON]);
    // Done once: a second run finds nothing.
    expect(await schedule.runNow('expire-w8ben-forms')).toEqual({ ran: true, count: 0 });

    // A new W-8BEN makes it ready again.
    await signTaxForm(t.db, tenant, id, w8ben(), signer('Mei Tanaka'), ctx);
    await drain(worker);
    expect(await status(payoutId)).toBe('pending');
    expect(await actionEmails(id)).toEqual([TAX_FORM_EXPIRED_REASON]);
  });

  it('a W-8BEN already past its expiry when signed counts as expired at once', async () => {
    const id = await newRecipient('late@example.com');
    await putMethod(id);
    await signTaxForm(t.db, tenant, id, w8ben(), signer('Mei Tanaka', new Date('2021-06-01T12:00:00Z')), ctx);
    expect(await recipient(id)).toMatchObject({ status: 'action_needed', actionNeededReason: TAX_FORM_EXPIRED_REASON, taxFormState: 'expired' });
  });

  it('PATCH shouldCollectTaxInfo re-evaluates readiness both ways', async () => {
    const id = (
      await call('POST', '/recipients', { recipients: [{ firstName: 'Bo', lastName: 'Li', email: 'patch@example.com', autoAcceptPayouts: true }] })
    ).json().data.recipients[0].id as string;
    await putMethod(id);
    const payoutId = await payTo(id);
    await drain(worker);
    expect(await status(payoutId)).toBe('pending');

    const on = await call('PATCH', `/recipients/${id}`, { shouldCollectTaxInfo: true });
    expect(on.json().data).toMatchObject({ shouldCollectTaxInfo: true, status: 'action_needed', actionNeededReason: TAX_FORM_NEEDED_REASON });
    expect(await getPayment(t, key, payoutId)).toMatchObject({ status: 'awaiting_acceptance' });
    expect(await actionEmails(id)).toEqual([TAX_FORM_NEEDED_REASON]);

    // Repeating the same change changes nothing: no second email.
    await call('PATCH', `/recipients/${id}`, { shouldCollectTaxInfo: true });
    expect(await actionEmails(id)).toEqual([TAX_FORM_NEEDED_REASON]);

    const off = await call('PATCH', `/recipients/${id}`, { shouldCollectTaxInfo: false });
    expect(off.json().data).toMatchObject({ shouldCollectTaxInfo: false, status: 'ready', actionNeededReason: null });
    await drain(worker);
    expect(await status(payoutId)).toBe('pending');
  });

  it('the hook runs only when readiness changes: removing the method of a recipient already not ready only changes the reason', async () => {
    const id = await newRecipient('no-change@example.com');
    await putMethod(id);
    expect(await recipient(id)).toMatchObject({ status: 'action_needed', actionNeededReason: TAX_FORM_NEEDED_REASON });
    expect((await call('DELETE', `/recipients/${id}/payout-method`)).json().data).toMatchObject({
      status: 'action_needed',
      actionNeededReason: NO_METHOD_REASON,
    });
    expect(await actionEmails(id)).toEqual([]);
  });

  it('in the sandbox a payee asked for tax information still counts as ready: its payouts go through', async () => {
    const id = await newRecipient('sandbox-tax@example.com', sandboxKey);
    const payout = (await createBatch(t, sandboxKey, [{ recipientId: id, amount: 500 }])).json().data.payouts[0];
    await drain(worker);
    const done = (await t.app.inject({ method: 'GET', url: `/payments/${payout.id}`, headers: bearer(sandboxKey) })).json().data;
    expect(done.status).toBe('completed');
  });
});
