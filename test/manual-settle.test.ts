import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settlePayout } from '../src/modules/payouts/payouts.service.js';
import type { Tenant } from '../src/platform/tenant.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { bankRecipient, fundProduction, pendingPayouts, setUpBank } from './ach-helpers.js';
import { bearer, createTestApp, signInAs, type TestApp } from './harness.js';
import { createBatch, drain, expectApiError, expectLedgerConsistent, getBalance, getPayment, testWorker } from './payout-helpers.js';

// Manual settling from the dashboard (issue #14): only payouts on the manual rail, only once the
// recipient has accepted, by admins and managers, recording who did it; the ledger follows.
describe('settling manual payouts from the web', () => {
  let t: TestApp;
  let key: string;
  let tenant: Tenant;
  let worker: RunningWorker;
  let admin: Awaited<ReturnType<typeof signInAs>>;
  let manager: Awaited<ReturnType<typeof signInAs>>;
  let accountant: Awaited<ReturnType<typeof signInAs>>;
  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('production');
    tenant = { organizationId: t.defaultOrganizationId, environment: 'production' };
    worker = testWorker(t);
    admin = await signInAs(t, 'admin');
    manager = await signInAs(t, 'manager');
    accountant = await signInAs(t, 'accountant');
    await fundProduction(t, t.defaultOrganizationId, 1_000_000n);
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.close();
  });

  const settle = (id: string, payload: object, headers: Record<string, string> = manager()) =>
    t.app.inject({ method: 'POST', url: `/payments/${id}/settle`, headers, payload });
  /** A payout to a ready, auto-accepting PayPal recipient: `pending` on the manual rail. */
  const manualPayout = async (amount: number) => {
    const recipientId = await bankRecipient(t, key, { paypal: true });
    const [id] = await pendingPayouts(t, key, worker, [{ recipientId, amount }]);
    const payment = await getPayment(t, key, id!);
    expect(payment).toMatchObject({ status: 'pending', rail: 'manual' });
    return id!;
  };

  it('marks a manual payout paid: pending → processing → completed, held to paid out, with who did it', async () => {
    const id = await manualPayout(10_000);
    expect(await getBalance(t, key)).toMatchObject({ available: 990_000, held: 10_000, paidOut: 0 });
    const response = await settle(id, { status: 'completed' });
    expect(response.statusCode, response.body).toBe(200);
    const payment = response.json().data;
    expect(payment.status).toBe('completed');
    expect(payment.statusUpdates.map((u: { status: string }) => u.status)).toEqual(['created', 'pending', 'processing', 'completed']);
    expect(payment.statusUpdates.at(-1).recordedBy).toMatch(/^manager-.*@example\.com$/);
    expect(payment.statusUpdates[0]).not.toHaveProperty('recordedBy');
    expect(await getBalance(t, key)).toMatchObject({ available: 990_000, held: 0, paidOut: 10_000 });

    // Returned later, with the reason the admin gives: paid out back to available.
    expectApiError(await settle(id, { status: 'returned' }, admin()), 400, 'invalid_request', 'reason');
    const returned = await settle(id, { status: 'returned', reason: 'Recipient bank sent it back' }, admin());
    expect(returned.statusCode, returned.body).toBe(200);
    expect(returned.json().data.statusUpdates.at(-1)).toMatchObject({
      status: 'returned',
      reason: 'Recipient bank sent it back',
      recordedBy: expect.stringMatching(/^admin-/),
    });
    expect(await getBalance(t, key)).toMatchObject({ available: 1_000_000, held: 0, paidOut: 0 });
    expectApiError(await settle(id, { status: 'completed' }), 409, 'invalid_state', 'status');
    await expectLedgerConsistent(t.db);
  });

  it('marks a manual payout failed with a reason: held back to available', async () => {
    const id = await manualPayout(2_500);
    expectApiError(await settle(id, { status: 'failed', reason: '   ' }), 400, 'invalid_request', 'reason');
    const response = await settle(id, { status: 'failed', reason: 'Wrong PayPal address' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().data.statusUpdates.at(-1)).toMatchObject({ status: 'failed', reason: 'Wrong PayPal address' });
    expect(await getBalance(t, key)).toMatchObject({ available: 1_000_000, held: 0, paidOut: 0 });
    expectApiError(await settle(id, { status: 'completed' }), 409, 'invalid_state', 'status');
    await expectLedgerConsistent(t.db);
  });

  it('never settles a payout its recipient has not accepted: awaiting_acceptance → completed is refused, web and service alike', async () => {
    const created = await createBatch(t, key, [{ payeeEmail: 'not-yet@example.com', amount: 700 }]);
    const id = created.json().data.payouts[0].id;
    // Still `created` (the worker has not looked at it): refused too.
    expectApiError(await settle(id, { status: 'completed' }), 409, 'invalid_state', 'status');
    await drain(worker);
    expect((await getPayment(t, key, id)).status).toBe('awaiting_acceptance');
    for (const status of ['completed', 'failed'] as const) {
      const refused = await settle(id, { status, reason: 'x' });
      expectApiError(refused, 409, 'invalid_state', 'status');
      expect(refused.json().error.message).toMatch(/has not accepted/);
    }
    // The CLI's path (the service) refuses the same.
    await expect(settlePayout(t.db, tenant, id, 'completed')).rejects.toMatchObject({
      code: 'invalid_state',
      message: expect.stringMatching(/has not accepted/),
    });
    const payment = await getPayment(t, key, id);
    expect(payment.statusUpdates.map((u: { status: string }) => u.status)).toEqual(['created', 'awaiting_acceptance']);
    expect((await getBalance(t, key)).held).toBe(700);
    await expectLedgerConsistent(t.db);
  });

  it('refuses payouts on the ACH rail and in the sandbox', async () => {
    await setUpBank(t, admin);
    const bank = await bankRecipient(t, key);
    const [achId] = await pendingPayouts(t, key, worker, [{ recipientId: bank, amount: 300 }]);
    expect(await getPayment(t, key, achId!)).toMatchObject({ status: 'pending', rail: 'ach' });
    const refused = await settle(achId!, { status: 'completed' });
    expectApiError(refused, 409, 'invalid_state', 'paymentId');
    expect(refused.json().error.message).toMatch(/ACH rail/);
    await expect(settlePayout(t.db, tenant, achId!, 'failed', 'x')).rejects.toMatchObject({ code: 'invalid_state' });

    const sandboxKey = await t.createKey('sandbox');
    const sandboxId = (await createBatch(t, sandboxKey, [{ payeeEmail: 'someone@example.com', amount: 100 }])).json().data.payouts[0].id;
    await drain(worker);
    const sandboxPayout = await getPayment(t, sandboxKey, sandboxId);
    expect(sandboxPayout.rail).toBe('sandbox');
    const sandboxRefused = await settle(
      sandboxId,
      { status: sandboxPayout.status === 'completed' ? 'returned' : 'completed', reason: 'x' },
      manager('sandbox'),
    );
    expectApiError(sandboxRefused, 409, 'invalid_state', 'paymentId');
    expect((await getPayment(t, key, achId!)).status).toBe('pending');
    await expectLedgerConsistent(t.db);
  });

  it('is for admins and managers in the dashboard: accountants and API keys are refused', async () => {
    const id = await manualPayout(400);
    expectApiError(await settle(id, { status: 'completed' }, accountant()), 403, 'forbidden');
    expectApiError(await settle(id, { status: 'completed' }, bearer(key)), 403, 'forbidden');
    expectApiError(await settle(id, { status: 'canceled' }), 400, 'invalid_request');
    expectApiError(await settle(id, { status: 'completed' }, manager('sandbox')), 404, 'not_found');
    const otherOrg = await t.createOrganization('Elsewhere');
    expectApiError(await settle(id, { status: 'completed' }, (await signInAs(t, 'admin', otherOrg))()), 404, 'not_found');
    expect((await getPayment(t, key, id)).status).toBe('pending');
  });

  it('settles once when two people mark the same payout paid at the same moment', async () => {
    const id = await manualPayout(900);
    const answers = await Promise.all([settle(id, { status: 'completed' }), settle(id, { status: 'completed' }, admin())]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    const payment = await getPayment(t, key, id);
    expect(payment.statusUpdates.filter((u: { status: string }) => u.status === 'completed')).toHaveLength(1);
    await expectLedgerConsistent(t.db);
  });
});
