import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorker } from '../src/worker/worker.js';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { countPayouts, createBatch, drain, expectLedgerConsistent, getBalance, getPayment, testWorker } from './payout-helpers.js';

// Every sandbox outcome of the SPEC, end to end: created through the API, advanced by the
// worker, checked through the API, the event log and the ledger.
describe('sandbox outcomes', () => {
  let t: TestApp;
  let key: string;
  let worker: RunningWorker;
  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('sandbox');
    worker = testWorker(t);
  });
  afterAll(() => t.close());

  const statusesOf = (payment: { statusUpdates: { status: string }[] }) => payment.statusUpdates.map((u) => u.status);

  it.each([
    ['sandbox+completed', ['created', 'pending', 'processing', 'completed'], null],
    ['sandbox+failed', ['created', 'pending', 'processing', 'failed'], 'reason'],
    ['sandbox+returned', ['created', 'pending', 'processing', 'completed', 'returned'], 'reason'],
    ['sandbox+canceled', ['created', 'canceled'], 'reason'],
    ['sandbox+pending', ['created', 'pending'], null],
    ['sandbox+created', ['created'], null],
    ['sandbox+awaiting_acceptance', ['created', 'awaiting_acceptance'], null],
    ['jordan', ['created', 'pending', 'processing', 'completed'], null],
  ])('%s@… ends as the table says', async (localPart, expected, reason) => {
    const before = await getBalance(t, key);
    const response = await createBatch(t, key, [{ payeeEmail: `${localPart}@trykarat.com`, amount: 1234, referenceId: `ref-${localPart}` }]);
    expect(response.statusCode).toBe(201);
    const id = response.json().data.payouts[0].id;
    await drain(worker);
    const payment = await getPayment(t, key, id);
    expect(statusesOf(payment)).toEqual(expected);
    expect(payment.status).toBe(expected.at(-1));
    const last = payment.statusUpdates.at(-1);
    if (reason) expect(last.reason).toMatch(/\w/);
    else expect(last.reason).toBeNull();

    // One payout.updated per transition, in order, with Karat's fields and our sequence.
    const log = (await t.app.inject({ method: 'GET', url: `/events/log?payoutId=${id}`, headers: bearer(key) })).json().data.reverse();
    expect(log.map((e: { data: { status: string } }) => e.data.status)).toEqual(expected.slice(1));
    log.forEach((event: { event: string; data: Record<string, unknown> }, i: number) => {
      expect(event.event).toBe('payout.updated');
      expect(event.data).toMatchObject({
        payout_intent_id: id,
        reference_id: `ref-${localPart}`,
        previous_status: expected[i],
        sequence: i + 2,
        id: payment.statusUpdates[i + 1].id,
      });
    });

    const after = await getBalance(t, key);
    const final = expected.at(-1)!;
    const spent = final === 'completed' ? 1234 : 0;
    const held = ['created', 'pending', 'awaiting_acceptance', 'processing'].includes(final) ? 1234 : 0;
    expect(after.available).toBe(before.available - spent - held);
    expect(after.held - before.held).toBe(held);
    expect(after.paidOut - before.paidOut).toBe(spent);
    await expectLedgerConsistent(t.db);
  });

  it('accepts an awaiting_acceptance payout, which then completes', async () => {
    const id = (await createBatch(t, key, [{ payeeEmail: 'sandbox+awaiting_acceptance@example.com', amount: 500 }])).json().data.payouts[0].id;
    await drain(worker);
    const accepted = await t.app.inject({ method: 'POST', url: `/payments/${id}/accept`, headers: bearer(key) });
    expect(accepted.statusCode).toBe(200);
    await drain(worker);
    expect(statusesOf(await getPayment(t, key, id))).toEqual(['created', 'awaiting_acceptance', 'pending', 'processing', 'completed']);
    const again = await t.app.inject({ method: 'POST', url: `/payments/${id}/accept`, headers: bearer(key) });
    expect(again.statusCode).toBe(409);
    await expectLedgerConsistent(t.db);
  });

  it('rejects a whole batch for the magic error addresses, writing nothing', async () => {
    const before = await getBalance(t, key);
    const payoutsBefore = await countPayouts(t);
    const funds = await createBatch(t, key, [
      { payeeEmail: 'ok@example.com', amount: 1 },
      { payeeEmail: 'sandbox+error_insufficient_funds@trykarat.com', amount: 1 },
    ]);
    expect(funds.statusCode).toBe(500);
    expect(funds.json().error).toMatchObject({ code: 'insufficient_funds', message: 'Insufficient funds to cover the payout batch' });
    const amount = await createBatch(t, key, [{ payeeEmail: 'sandbox+error_invalid_amount@trykarat.com', amount: 100 }]);
    expect(amount.statusCode).toBe(400);
    expect(amount.json().error.message).toBe('All payout amounts must be greater than zero.');
    const payoutsAfter = await countPayouts(t);
    expect(payoutsAfter).toBe(payoutsBefore);
    expect(await getBalance(t, key)).toEqual(before);
  });

  it('fails the request the same way when the magic error payee is named by recipient id', async () => {
    const added = await t.app.inject({
      method: 'POST',
      url: '/recipients',
      headers: bearer(key),
      payload: {
        recipients: [
          { firstName: 'Err', lastName: 'Funds', email: 'sandbox+error_insufficient_funds@example.com' },
          { firstName: 'Err', lastName: 'Amount', email: 'sandbox+error_invalid_amount@example.com' },
        ],
      },
    });
    const [funds, amount] = added.json().data.recipients;
    const payoutsBefore = await countPayouts(t);
    const byFunds = await createBatch(t, key, [{ recipientId: funds.id, amount: 1 }]);
    expect(byFunds.statusCode).toBe(500);
    expect(byFunds.json().error.message).toBe('Insufficient funds to cover the payout batch');
    const byAmount = await createBatch(t, key, [{ recipientId: amount.id, amount: 1 }]);
    expect(byAmount.statusCode).toBe(400);
    expect(byAmount.json().error.message).toBe('All payout amounts must be greater than zero.');
    expect(await countPayouts(t)).toBe(payoutsBefore);
  });

  it('treats magic addresses as ordinary payees in production', async () => {
    const live = await t.createKey('production');
    const { fund } = await import('../src/modules/ledger/ledger.service.js');
    await t.db.transaction((tx) => fund(tx, { organizationId: t.defaultOrganizationId, environment: 'production' }, 10_000n));
    const response = await createBatch(t, live, [{ payeeEmail: 'sandbox+error_insufficient_funds@trykarat.com', amount: 100 }]);
    expect(response.statusCode).toBe(201);
    await drain(worker);
    const payment = await getPayment(t, live, response.json().data.payouts[0].id);
    // Production payouts wait for the recipient's acceptance (autoAcceptPayouts is false by default).
    expect(statusesOf(payment)).toEqual(['created', 'awaiting_acceptance']);
  });
});
