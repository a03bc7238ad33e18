// The webhook sender claims and records in groups: a claim costs nearly as much for a handful of
// deliveries as for a full batch (it walks past every delivery still leased), and so does a write
// of finished attempts. Claiming again at every freed place, and writing each attempt alone, made
// the embedded database spend 8 ms per claim for two deliveries each: 80-450 deliveries/s.
// Counts the statements the worker sends to the real database while a fast endpoint takes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Executor, Statement, Transaction } from '../src/platform/db/database.js';
import { workerTasks } from '../src/worker/tasks.js';
import { type RunningWorker, startWorker } from '../src/worker/worker.js';
import { createTestApp, type TestApp } from './harness.js';
import { createBatch, subscribePayoutUpdates } from './payout-helpers.js';
import { type Receiver, startReceiver } from './receiver.js';

const PAYOUTS = 200;
const CHANGES_PER_PAYOUT = 3;

/** The same database, counting the claims and attempt writes that go through it. */
function countingDatabase(db: Database) {
  const counts = { claims: 0, records: 0 };
  const count = (sql: string | Statement) => {
    if (typeof sql !== 'string' && sql.name === 'claimDueDeliveries') counts.claims++;
    else if (typeof sql === 'string' && sql.includes('insert into webhook_attempts')) counts.records++;
  };
  const counted = <E extends Executor>(ex: E): E => ({
    ...ex,
    query: (sql: string | Statement, params?: readonly unknown[]) => {
      count(sql);
      return ex.query(sql, params);
    },
  });
  const counting: Database = {
    ...counted(db),
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          ...counted(tx),
          queryAndCommit: (sql: string | Statement, params?: readonly unknown[]) => {
            count(sql);
            return tx.queryAndCommit(sql, params);
          },
        } as Transaction),
      ),
  };
  return { db: counting, counts };
}

describe('webhook claims and writes in groups', () => {
  let t: TestApp;
  let endpoint: Receiver;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    t = await createTestApp({ sandboxDelayMs: 0, workerPollMs: 20 });
    endpoint = await startReceiver();
  });
  afterAll(async () => {
    await worker?.stop();
    await endpoint.close();
    await t.close();
  });

  it('claims and records many deliveries per statement, each delivered once', async () => {
    const key = await t.createKey('sandbox');
    await subscribePayoutUpdates(t, key, endpoint.url);
    const { db, counts } = countingDatabase(t.db);
    worker = startWorker({ db, config: t.config, log: t.app.log as never }, workerTasks(t.config));
    const created = await createBatch(
      t,
      key,
      Array.from({ length: PAYOUTS }, (_, i) => ({ payeeEmail: `group${i}@example.com`, amount: 1 })),
    );
    expect(created.statusCode).toBe(201);
    const expected = PAYOUTS * CHANGES_PER_PAYOUT;
    while (endpoint.deliveries().length < expected) await new Promise((resolve) => setTimeout(resolve, 20));
    await worker.stop();
    worker = undefined;

    expect(new Set(endpoint.deliveries().map((d) => d.body.id)).size).toBe(expected);
    // A claim and a write for every few deliveries at most (one each per delivery or two before).
    expect(counts.claims).toBeGreaterThan(0);
    expect(counts.claims).toBeLessThan(expected / 8);
    expect(counts.records).toBeLessThan(expected / 8);
  }, 120_000);
});
