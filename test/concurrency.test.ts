import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDuePayouts } from '../src/modules/payouts/payouts.repository.js';
import { advancePayoutsTask } from '../src/modules/payouts/payouts.tasks.js';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { createBatch, drain, expectLedgerConsistent, getBalance, getPayment, testWorker } from './payout-helpers.js';

// On PostgreSQL these requests really run at once on separate connections; on PGlite they are
// serialized by its single connection, and the same assertions hold.
describe('concurrency', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ workerBatchSize: 50 });
  });
  afterAll(() => t.close());

  it('lets exactly the affordable batches through when 20 concurrent batches exceed the balance', async () => {
    const key = await t.createKey('sandbox', await t.createOrganization('Concurrent Co'));
    const { available } = await getBalance(t, key);
    const each = 7_000_000;
    const affordable = Math.floor(available / each);
    expect(affordable).toBeLessThan(20);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        createBatch(t, key, [
          { payeeEmail: `worker${i}@example.com`, amount: each / 2 },
          { payeeEmail: `shared@example.com`, amount: each / 2 },
        ]),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(affordable);
    expect(statuses.filter((s) => s === 500)).toHaveLength(20 - affordable);
    for (const r of responses.filter((r) => r.statusCode === 500)) expect(r.json().error.code).toBe('insufficient_funds');
    const balance = await getBalance(t, key);
    expect(balance.available).toBe(available - affordable * each);
    expect(balance.held).toBe(affordable * each);
    await expectLedgerConsistent(t.db);
  });

  it('never advances a payout twice when two workers race, and resumes a dead worker’s payouts', async () => {
    const key = await t.createKey('sandbox');
    const items = Array.from({ length: 120 }, (_, i) => ({ payeeEmail: `race${i}@example.com`, amount: 10 }));
    const ids: string[] = (await createBatch(t, key, items)).json().data.payouts.map((p: { id: string }) => p.id);

    // A worker claims some payouts and dies before finishing: its lease keeps others off them...
    const dead = await t.db.transaction((tx) => claimDuePayouts(tx, 30, 3600, 'dead-worker'));
    expect(dead).toHaveLength(30);
    const a = advancePayoutsTask();
    const b = advancePayoutsTask();
    const ctx = { db: t.db, config: t.config, log: t.app.log as never };
    for (let i = 0; i < 40; i++) {
      const [x, y] = await Promise.all([a.runOnce(ctx), b.runOnce(ctx)]);
      if (x + y === 0) break;
    }
    const stuck = await t.db.query<{ n: bigint }>(`select count(*)::bigint as n from payouts where lease_owner = 'dead-worker'`);
    expect(stuck[0]!.n).toBe(30n);
    // ...until the lease runs out; then they are picked up and finish.
    await t.db.query(`update payouts set lease_expires_at = now() - interval '1 second' where lease_owner = 'dead-worker'`);
    await drain(testWorker(t));

    for (const id of ids) {
      const payment = await getPayment(t, key, id);
      expect(payment.statusUpdates.map((u: { status: string }) => u.status)).toEqual(['created', 'pending', 'processing', 'completed']);
    }
    const duplicates = await t.db.query(`select payout_id, status from payout_status_updates group by payout_id, status having count(*) > 1`);
    expect(duplicates).toEqual([]);
    const events = await t.db.query<{ n: bigint }>(`select count(*)::bigint as n from events where payout_id = any($1::uuid[])`, [ids]);
    expect(events[0]!.n).toBe(BigInt(ids.length * 3));
    await expectLedgerConsistent(t.db);
  });

  it('lets a cancel and the worker race without moving a payout twice', async () => {
    const key = await t.createKey('sandbox');
    const ids: string[] = (
      await createBatch(
        t,
        key,
        Array.from({ length: 20 }, (_, i) => ({ payeeEmail: `c${i}@example.com`, amount: 5 })),
      )
    )
      .json()
      .data.payouts.map((p: { id: string }) => p.id);
    const worker = testWorker(t);
    const cancels = ids.map((id) => t.app.inject({ method: 'POST', url: `/payments/${id}/cancel`, headers: bearer(key) }));
    const [responses] = await Promise.all([Promise.all(cancels), drain(worker)]);
    await drain(worker);
    for (const [i, response] of responses.entries()) {
      const payment = await getPayment(t, key, ids[i]!);
      const statuses = payment.statusUpdates.map((u: { status: string }) => u.status);
      if (response.statusCode === 200) expect(statuses.at(-1)).toBe('canceled');
      else {
        expect(response.statusCode).toBe(409);
        expect(statuses.at(-1)).toBe('completed');
      }
      expect(new Set(statuses).size).toBe(statuses.length);
    }
    await expectLedgerConsistent(t.db);
  });
});
