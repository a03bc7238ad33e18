import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fund } from '../src/modules/ledger/ledger.service.js';
import { acceptPayoutAsRecipient, declinePayoutAsRecipient, listRecipientPayouts } from '../src/modules/payouts/index.js';
import { findPayoutById } from '../src/modules/payouts/payouts.repository.js';
import { settlePayout } from '../src/modules/payouts/payouts.service.js';
import { confirmReadiness } from '../src/modules/payouts/payouts.tasks.js';
import { setPayoutMethod } from '../src/modules/recipients/index.js';
import { recipientContextFor } from '../src/recipient-reactions.js';
import { decryptText } from '../src/platform/crypto.js';
import type { Tenant } from '../src/platform/tenant.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { createBatch, drain, expectLedgerConsistent, getBalance, getPayment, testWorker } from './payout-helpers.js';

// Payout methods through the API and what readiness does to production payouts.
describe('payout methods and readiness', () => {
  let t: TestApp;
  let key: string;
  let tenant: Tenant;
  let worker: RunningWorker;
  const ACCOUNT = '987650004321';
  const bank = (accountNumber = ACCOUNT) => ({
    type: 'us_bank_account',
    accountHolderName: 'Ana Diaz',
    accountHolderType: 'individual',
    routingNumber: '021000021',
    accountNumber,
    accountType: 'checking',
  });

  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('production');
    tenant = { organizationId: t.defaultOrganizationId, environment: 'production' };
    worker = testWorker(t);
    await t.db.transaction((tx) => fund(tx, tenant, 10_000_000n));
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'PUT' | 'DELETE' | 'POST' | 'PATCH', url: string, payload?: object, apiKey = key) =>
    t.app.inject({ method, url, headers: bearer(apiKey), ...(payload ? { payload } : {}) });
  const newRecipient = async (email: string, extra: object = {}) =>
    (await call('POST', '/recipients', { recipients: [{ firstName: 'Ana', lastName: 'Diaz', email, ...extra }] })).json().data.recipients[0] as {
      id: string;
    };
  const putMethod = (id: string, body: object, apiKey = key) => call('PUT', `/recipients/${id}/payout-method`, body, apiKey);
  const history = async (id: string) => (await call('GET', `/recipients/${id}/payout-methods`)).json().data as Record<string, unknown>[];
  const payTo = async (recipientId: string, amount = 1_000) => (await createBatch(t, key, [{ recipientId, amount }])).json().data.payouts[0].id as string;

  it('sets, replaces and removes a bank account through the API, showing only its last 4', async () => {
    const { id } = await newRecipient('set@example.com');
    const set = await putMethod(id, bank());
    expect(set.statusCode).toBe(200);
    expect(set.json().data).toMatchObject({ status: 'ready', payoutMethod: { type: 'us_bank_account', last4: '4321', holderType: 'individual' } });
    expect(set.body).not.toContain(ACCOUNT);
    expect(set.json().data.payoutsHeldUntil).toBeNull();

    const stored = await t.db.query<{ account_number_encrypted: string }>('select account_number_encrypted from payout_methods where recipient_id = $1', [id]);
    expect(decryptText(t.config.encryptionKeys!, stored[0]!.account_number_encrypted)).toBe(ACCOUNT);

    const replaced = await putMethod(id, { type: 'paypal', email: 'ana.pay@example.com' });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().data.payoutMethod).toEqual({ type: 'paypal', email: 'a***@example.com' });
    expect(Date.parse(replaced.json().data.payoutsHeldUntil)).toBeGreaterThan(Date.now() + 23 * 3_600_000);

    const removed = await call('DELETE', `/recipients/${id}/payout-method`);
    expect(removed.statusCode).toBe(200);
    expect(removed.json().data).toMatchObject({ status: 'action_needed', payoutMethod: null, actionNeededReason: 'no payout method on file' });
    expect((await call('DELETE', `/recipients/${id}/payout-method`)).statusCode).toBe(404);

    const methods = await history(id);
    expect(methods.map((m) => [m.type, m.active, m.removal])).toEqual([
      ['paypal', false, 'removed'],
      ['us_bank_account', false, 'replaced'],
    ]);
    expect(methods[1]).toMatchObject({ last4: '4321', setBy: { kind: 'api_key' }, removedBy: { kind: 'api_key' } });
    expect(JSON.stringify(methods)).not.toContain(ACCOUNT);

    const emails = await t.db.query<{ template: string }>('select template from emails where recipient_id = $1 order by id', [id]);
    expect(emails.map((e) => e.template)).toEqual(['payout_method_changed', 'payout_method_changed', 'recipient_action_needed']);
  });

  let badInputs = 0;
  it.each([
    ['routingNumber', { routingNumber: '021000022' }],
    ['routingNumber', { routingNumber: '0210000' }],
    ['accountNumber', { accountNumber: '12ab5678' }],
    ['accountNumber', { accountNumber: '123' }],
    ['accountHolderName', { accountHolderName: '' }],
    ['accountHolderType', { accountHolderType: 'company' }],
    ['accountType', { accountType: 'brokerage' }],
    ['email', { email: 'x@example.com' }],
  ])('refuses a bad %s with its own error and saves nothing (%o)', async (param, change) => {
    const { id } = await newRecipient(`bad-${param}-${++badInputs}@example.com`);
    const response = await putMethod(id, { ...bank(), ...change });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_request', param });
    expect(await history(id)).toEqual([]);
    expect((await call('GET', `/recipients/${id}`)).json().data).toMatchObject({ status: 'invited', payoutMethod: null });
  });

  it('refuses a PayPal method without a valid address, naming the field', async () => {
    const { id } = await newRecipient('paypal-bad@example.com');
    const response = await putMethod(id, { type: 'paypal', email: 'nope' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.param).toBe('email');
  });

  it('answers 409 when the business replaces or removes a method the recipient set', async () => {
    const { id } = await newRecipient('own@example.com');
    await t.db.transaction((tx) =>
      setPayoutMethod(tx, tenant, id, { type: 'paypal', email: 'own@example.com' }, { kind: 'recipient' }, recipientContextFor(t.config)),
    );
    const replace = await putMethod(id, bank());
    expect(replace.statusCode).toBe(409);
    expect(replace.json().error.code).toBe('conflict');
    expect(replace.json().error.message).toMatch(/only the recipient can change it/);
    expect((await call('DELETE', `/recipients/${id}/payout-method`)).statusCode).toBe(409);
    const methods = await history(id);
    expect(methods).toHaveLength(1);
    expect(methods[0]).toMatchObject({ type: 'paypal', active: true, setBy: { kind: 'recipient', id: null } });
  });

  it('keeps methods to their organization and environment', async () => {
    const { id } = await newRecipient('tenant@example.com');
    const otherOrgKey = await t.createKey('production', await t.createOrganization('Other org'));
    expect((await putMethod(id, bank(), otherOrgKey)).statusCode).toBe(404);
    expect((await putMethod(id, bank(), await t.createKey('sandbox'))).statusCode).toBe(404);
    expect((await call('GET', `/recipients/${id}/payout-methods`, undefined, otherOrgKey)).statusCode).toBe(404);
    expect((await putMethod('not-an-id', bank())).statusCode).toBe(404);
    expect(await history(id)).toEqual([]);
  });

  it('filters recipients by status', async () => {
    const { id } = await newRecipient('filter@example.com');
    await putMethod(id, bank());
    const ready = (await call('GET', '/recipients?status=ready&limit=100')).json().data as { id: string; status: string }[];
    expect(ready.some((r) => r.id === id)).toBe(true);
    expect(ready.every((r) => r.status === 'ready')).toBe(true);
    const invited = (await call('GET', '/recipients?status=invited&limit=100')).json().data as { id: string }[];
    expect(invited.some((r) => r.id === id)).toBe(false);
    expect((await call('GET', '/recipients?status=unknown')).statusCode).toBe(400);
  });

  it('waits for readiness, moves on when the method is set, goes back when it is removed, and on again', async () => {
    const { id } = await newRecipient('auto@example.com', { autoAcceptPayouts: true });
    const payoutId = await payTo(id);
    await drain(worker);
    expect((await getPayment(t, key, payoutId)).status).toBe('awaiting_acceptance');

    await putMethod(id, bank());
    await drain(worker);
    expect((await getPayment(t, key, payoutId)).status).toBe('pending');

    expect((await call('DELETE', `/recipients/${id}/payout-method`)).statusCode).toBe(200);
    const back = await getPayment(t, key, payoutId);
    expect(back.status).toBe('awaiting_acceptance');
    expect(back.statusUpdates.at(-1)).toMatchObject({ status: 'awaiting_acceptance', reason: 'Recipient action needed: no payout method on file' });
    const events = await t.db.query<{ data: { status: string; previous_status: string; reason: string } }>(
      `select data from events where payout_id = $1 and type = 'payout.updated' order by id`,
      [payoutId],
    );
    expect(events.at(-1)!.data).toMatchObject({
      status: 'awaiting_acceptance',
      previous_status: 'pending',
      reason: 'Recipient action needed: no payout method on file',
    });
    const [email] = await t.db.query<{ data: { reason: string } }>(`select data from emails where recipient_id = $1 and template = 'recipient_action_needed'`, [
      id,
    ]);
    expect(email!.data.reason).toBe('no payout method on file');

    await putMethod(id, { type: 'paypal', email: 'auto@example.com' });
    await drain(worker);
    expect((await getPayment(t, key, payoutId)).status).toBe('pending');
    await expectLedgerConsistent(t.db);
  });

  it('waits for the Accept of a ready recipient that does not auto-accept, and accepts only once', async () => {
    const { id } = await newRecipient('click@example.com');
    await putMethod(id, bank());
    const payoutId = await payTo(id);
    await drain(worker);
    expect((await getPayment(t, key, payoutId)).status).toBe('awaiting_acceptance');
    const accepted = await t.db.transaction((tx) => acceptPayoutAsRecipient(tx, tenant, id, payoutId));
    expect(accepted).toMatchObject({ status: 'pending', acceptedAt: expect.any(Date) });
    await expect(t.db.transaction((tx) => acceptPayoutAsRecipient(tx, tenant, id, payoutId))).rejects.toMatchObject({
      code: 'invalid_state',
      message: expect.stringMatching(/already `pending`/),
    });
    await expect(t.db.transaction((tx) => declinePayoutAsRecipient(tx, tenant, id, payoutId))).rejects.toMatchObject({ code: 'invalid_state' });
    expect((await getPayment(t, key, payoutId)).statusUpdates.map((u: { status: string }) => u.status)).toEqual(['created', 'awaiting_acceptance', 'pending']);

    // Losing and regaining readiness: the Accept is remembered.
    await call('DELETE', `/recipients/${id}/payout-method`);
    expect((await getPayment(t, key, payoutId)).status).toBe('awaiting_acceptance');
    await putMethod(id, bank());
    await drain(worker);
    expect((await getPayment(t, key, payoutId)).status).toBe('pending');
  });

  it('lets an Accept given before onboarding count once the recipient is ready', async () => {
    const { id } = await newRecipient('early@example.com');
    const payoutId = await payTo(id);
    await drain(worker);
    expect((await t.db.transaction((tx) => acceptPayoutAsRecipient(tx, tenant, id, payoutId))).status).toBe('awaiting_acceptance');
    await drain(worker);
    expect((await getPayment(t, key, payoutId)).status).toBe('awaiting_acceptance');
    await putMethod(id, bank());
    await drain(worker);
    expect((await getPayment(t, key, payoutId)).status).toBe('pending');
  });

  it('declines: canceled with its reason and the money released; never another recipient’s payout', async () => {
    const { id } = await newRecipient('decline@example.com');
    const other = await newRecipient('other@example.com');
    const payoutId = await payTo(id, 2_500);
    await drain(worker);
    const heldBefore = (await getBalance(t, key)).held;
    await expect(t.db.transaction((tx) => declinePayoutAsRecipient(tx, tenant, other.id, payoutId))).rejects.toMatchObject({ code: 'not_found' });
    await expect(t.db.transaction((tx) => acceptPayoutAsRecipient(tx, { ...tenant, environment: 'sandbox' }, id, payoutId))).rejects.toMatchObject({
      code: 'not_found',
    });
    const declined = await t.db.transaction((tx) => declinePayoutAsRecipient(tx, tenant, id, payoutId));
    expect(declined).toMatchObject({ status: 'canceled', statusReason: 'Declined by the recipient' });
    expect((await getBalance(t, key)).held).toBe(heldBefore - 2_500);
    const listed = await listRecipientPayouts(t.db, tenant, id, { limit: 10, before: null });
    expect(listed.map((p) => p.id)).toEqual([payoutId]);
    expect(await listRecipientPayouts(t.db, tenant, other.id, { limit: 10, before: null })).toEqual([]);
    await expectLedgerConsistent(t.db);
  });

  it('holds payouts after a method is replaced: settle is refused until the hold ends', async () => {
    const { id } = await newRecipient('hold@example.com', { autoAcceptPayouts: true });
    await putMethod(id, bank());
    const payoutId = await payTo(id);
    await drain(worker);
    expect((await getPayment(t, key, payoutId)).status).toBe('pending');
    await putMethod(id, bank('11112222'));
    await expect(settlePayout(t.db, tenant, payoutId, 'completed')).rejects.toMatchObject({
      code: 'invalid_state',
      status: 409,
      message: expect.stringMatching(/held until \d{4}-\d\d-\d\dT/),
    });
    expect((await getPayment(t, key, payoutId)).status).toBe('pending');
    // The clock moves on: the hold ends.
    await t.db.query(`update recipients set payouts_held_until = now() - interval '1 minute' where id = $1`, [id]);
    expect((await settlePayout(t.db, tenant, payoutId, 'completed')).payout.status).toBe('completed');
    await expectLedgerConsistent(t.db);
  });

  it('holds payouts when a method is removed and another set: removing first does not get around the hold', async () => {
    const { id } = await newRecipient('hold-remove@example.com', { autoAcceptPayouts: true });
    expect((await putMethod(id, bank())).json().data.payoutsHeldUntil).toBeNull(); // a first method holds nothing
    const payoutId = await payTo(id);
    await drain(worker);
    expect((await call('DELETE', `/recipients/${id}/payout-method`)).statusCode).toBe(200);
    const again = await putMethod(id, bank('99990000'));
    expect(again.json().data.payoutsHeldUntil).toEqual(expect.any(String));
    await drain(worker);
    expect((await getPayment(t, key, payoutId)).status).toBe('pending');
    await expect(settlePayout(t.db, tenant, payoutId, 'completed')).rejects.toMatchObject({ code: 'invalid_state', status: 409 });
  });

  it('re-reads readiness before the worker moves a payout to pending: a removal committed after the claim keeps it waiting', async () => {
    const { id } = await newRecipient('stale-claim@example.com', { autoAcceptPayouts: true });
    const waiting = await payTo(id);
    const created = await payTo(id);
    await drain(worker); // no method yet: the first waits for acceptance
    expect((await getPayment(t, key, waiting)).status).toBe('awaiting_acceptance');
    // What the worker read at its claim: the recipient ready. Then the method goes before the moves apply.
    await putMethod(id, bank());
    const [stillWaiting, stillCreated] = [
      (await findPayoutById(t.db, tenant, waiting))!,
      { ...(await findPayoutById(t.db, tenant, created))!, status: 'created' as const },
    ];
    await call('DELETE', `/recipients/${id}/payout-method`);
    const confirmed = await t.db.transaction((tx) =>
      confirmReadiness(tx, [
        { payout: stillWaiting, to: 'pending', nextActionDelayMs: null },
        { payout: stillCreated, to: 'pending', nextActionDelayMs: null },
      ]),
    );
    expect(confirmed.waits).toEqual([{ id: waiting, nextActionDelayMs: null }]);
    expect(confirmed.moves.map((m) => [m.payout.id, m.to])).toEqual([[created, 'awaiting_acceptance']]);
  });

  it('leaves the sandbox as it was: ordinary payees are paid without a method', async () => {
    const sandboxKey = await t.createKey('sandbox');
    const id = (await createBatch(t, sandboxKey, [{ payeeEmail: 'plain@example.com', amount: 100 }])).json().data.payouts[0].id;
    await drain(worker);
    expect((await getPayment(t, sandboxKey, id)).status).toBe('completed');
  });

  it('never stores or logs an account number in clear', async () => {
    const secret = '55443322110099';
    const { id } = await newRecipient('scan@example.com');
    expect((await putMethod(id, bank(secret))).statusCode).toBe(200);
    await putMethod(id, bank(`${secret}7`.slice(0, 17)));
    await t.app.inject({ method: 'PUT', url: `/recipients/${id}/payout-method`, headers: bearer(key), payload: { ...bank(`${secret}x`) } });
    await drain(worker);
    const columns = await t.db.query<{ table_name: string; column_name: string }>(
      `select table_name, column_name from information_schema.columns
       where table_schema = 'public' and data_type in ('text', 'character varying', 'jsonb', 'json', 'character')`,
    );
    expect(columns.length).toBeGreaterThan(20);
    for (const { table_name, column_name } of columns) {
      const hits = await t.db.query(`select 1 from "${table_name}" where "${column_name}"::text like $1 limit 1`, [`%${secret.slice(0, 10)}%`]);
      expect(hits, `${table_name}.${column_name}`).toEqual([]);
    }
    expect(t.logs.text).not.toContain(secret.slice(0, 10));
  });
});
