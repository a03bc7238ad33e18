import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fund } from '../src/modules/ledger/ledger.service.js';
import { settlePayout } from '../src/modules/payouts/payouts.service.js';
import type { Tenant } from '../src/platform/tenant.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { createBatch, drain, expectLedgerConsistent, getBalance, getPayment, testWorker } from './payout-helpers.js';

// Production: no opening balance, acceptance before payment, the manual rail settled by an operator.
describe('production lifecycle', () => {
  let t: TestApp;
  let key: string;
  let tenant: Tenant;
  let worker: RunningWorker;
  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('production');
    tenant = { organizationId: t.defaultOrganizationId, environment: 'production' };
    worker = testWorker(t);
  });
  afterAll(() => t.close());

  const statusesOf = (payment: { statusUpdates: { status: string }[] }) => payment.statusUpdates.map((u) => u.status);
  const post = (url: string, payload?: object) => t.app.inject({ method: 'POST', url, headers: bearer(key), ...(payload ? { payload } : {}) });
  // Production pays only ready recipients: a payout method on file.
  const giveMethod = async (recipientId: string) => {
    const response = await t.app.inject({
      method: 'PUT',
      url: `/recipients/${recipientId}/payout-method`,
      headers: bearer(key),
      payload: { type: 'paypal', email: 'pay@example.com' },
    });
    expect(response.statusCode).toBe(200);
  };

  it('starts with nothing to spend, so a batch is refused until an operator funds it', async () => {
    expect(await getBalance(t, key)).toMatchObject({ available: 0, held: 0, paidOut: 0 });
    const refused = await createBatch(t, key, [{ payeeEmail: 'ana@example.com', amount: 100 }]);
    expect(refused.statusCode).toBe(500);
    expect(refused.json().error.code).toBe('insufficient_funds');
    await t.db.transaction((tx) => fund(tx, tenant, 1_000_000n));
    expect((await getBalance(t, key)).available).toBe(1_000_000);
    const topUp = await post('/balance/fundings', { amount: 5 });
    expect(topUp.statusCode).toBe(403);
  });

  it('waits for acceptance, then for the operator, then settles through the legal path', async () => {
    const id = (await createBatch(t, key, [{ payeeEmail: 'ana@example.com', amount: 25_000 }])).json().data.payouts[0].id;
    await drain(worker);
    let payment = await getPayment(t, key, id);
    expect(statusesOf(payment)).toEqual(['created', 'awaiting_acceptance']);
    expect((await post(`/payments/${id}/accept`)).statusCode).toBe(400);
    await giveMethod(payment.recipient.id);

    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/recipients/${payment.recipient.id}`,
      headers: bearer(key),
      payload: { autoAcceptPayouts: true },
    });
    expect(patched.statusCode).toBe(200);
    await drain(worker);
    payment = await getPayment(t, key, id);
    expect(statusesOf(payment)).toEqual(['created', 'awaiting_acceptance', 'pending']);
    await drain(worker);
    expect((await getPayment(t, key, id)).status).toBe('pending');

    await settlePayout(t.db, tenant, id, 'completed');
    payment = await getPayment(t, key, id);
    expect(statusesOf(payment)).toEqual(['created', 'awaiting_acceptance', 'pending', 'processing', 'completed']);
    expect(await getBalance(t, key)).toMatchObject({ available: 975_000, held: 0, paidOut: 25_000 });

    await settlePayout(t.db, tenant, id, 'returned', 'Account closed');
    payment = await getPayment(t, key, id);
    expect(payment.statusUpdates.at(-1)).toMatchObject({ status: 'returned', reason: 'Account closed' });
    expect(await getBalance(t, key)).toMatchObject({ available: 1_000_000, held: 0, paidOut: 0 });
    await expect(settlePayout(t.db, tenant, id, 'completed')).rejects.toThrow(/cannot become/);
    await expectLedgerConsistent(t.db);
  });

  it('pays a recipient who auto-accepts without waiting, and fails with a reason', async () => {
    const recipient = (
      await post('/recipients', { recipients: [{ firstName: 'Bo', lastName: 'Li', email: 'bo@example.com', autoAcceptPayouts: true }] })
    ).json().data.recipients[0];
    await giveMethod(recipient.id);
    const id = (await createBatch(t, key, [{ recipientId: recipient.id, amount: 700 }])).json().data.payouts[0].id;
    await drain(worker);
    expect((await getPayment(t, key, id)).status).toBe('pending');
    await settlePayout(t.db, tenant, id, 'failed', 'Invalid account number');
    const payment = await getPayment(t, key, id);
    expect(payment.statusUpdates.at(-1)).toMatchObject({ status: 'failed', reason: 'Invalid account number' });
    await expectLedgerConsistent(t.db);
  });

  it('cancels until processing and refuses after, releasing the held money', async () => {
    const before = await getBalance(t, key);
    const [waiting, processing] = (
      await createBatch(t, key, [
        { payeeEmail: 'cy@example.com', amount: 300 },
        { payeeEmail: 'bo@example.com', amount: 400 },
      ])
    ).json().data.payouts;
    await drain(worker);
    const canceled = await post(`/payments/${waiting.id}/cancel`);
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json().data.statusUpdates.at(-1)).toMatchObject({ status: 'canceled', reason: 'Canceled by the sender.' });
    expect((await post(`/payments/${waiting.id}/cancel`)).statusCode).toBe(409);

    await settlePayout(t.db, tenant, processing.id, 'completed');
    const refused = await post(`/payments/${processing.id}/cancel`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('invalid_state');
    const after = await getBalance(t, key);
    expect(after.available).toBe(before.available - 400);
    await expectLedgerConsistent(t.db);
  });

  it('answers 404 for payouts of another organization or environment', async () => {
    const id = (await createBatch(t, key, [{ payeeEmail: 'ana@example.com', amount: 1 }])).json().data.payouts[0].id;
    const otherOrgKey = await t.createKey('production', await t.createOrganization());
    const sandboxKey = await t.createKey('sandbox');
    for (const other of [otherOrgKey, sandboxKey]) {
      for (const request of [
        { method: 'GET' as const, url: `/payments/${id}` },
        { method: 'POST' as const, url: `/payments/${id}/cancel` },
      ]) {
        const response = await t.app.inject({ ...request, headers: bearer(other) });
        expect(response.statusCode, `${request.method} ${request.url}`).toBe(404);
      }
    }
    expect((await t.app.inject({ method: 'GET', url: '/payments/not-a-uuid', headers: bearer(key) })).statusCode).toBe(404);
  });
});
