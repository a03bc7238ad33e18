import { afterEach, describe, expect, it } from 'vitest';
import { advancePayoutsTask } from '../../src/modules/payouts/payouts.tasks.js';
import { bearer, createTestApp, type TestApp } from '../harness.js';
import { createBatch, expectLedgerConsistent, getPayment } from '../payout-helpers.js';
import { scalar, TEST_DATABASE_URL, waitFor } from './support.js';

// A targeted, deterministic replay of an interleaving the scale-out test hits by chance: the
// worker records a step for some payouts and hands others back in one transaction, while a cancel
// of one of the handed-back payouts runs. Both must finish; a deadlock between them (one aborted
// by PostgreSQL) is a bug. The test holds the balance rows with a lock of its own so that both
// transactions are inside at once, then lets go.
describe('lock order between the worker and a cancel', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it.skipIf(!TEST_DATABASE_URL)('lets a cancel and the worker step that hands the same payout back both commit, without a deadlock', async () => {
    t = await createTestApp({ sandboxDelayMs: 0, leaseSeconds: 60 });
    const app = t;
    const key = await app.createKey('sandbox');
    const created = await createBatch(app, key, [
      // Moved by the worker (created → canceled): its ledger posting locks the balance rows.
      { payeeEmail: 'sandbox+canceled@lock-order.example.com', amount: 100 },
      // Rests in `created`: the worker hands it back in the same transaction, after the posting.
      { payeeEmail: 'sandbox+created@lock-order.example.com', amount: 200 },
    ]);
    expect(created.statusCode).toBe(201);
    const [moved, resting] = created.json().data.payouts as { id: string }[];

    // Hold the balance rows so that the worker's transaction stops at its posting.
    let releaseBalances!: () => void;
    const balancesHeld = new Promise<void>((resolve) => (releaseBalances = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holder = app.db.transaction(async (tx) => {
      await tx.query(`select * from ledger_balances where environment = 'sandbox' for update`);
      locked();
      await balancesHeld;
    });
    await lockTaken;
    const waitingOnLocks = () => scalar(app.db, `select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);

    const task = advancePayoutsTask();
    const step = task.runOnce({ db: app.db, config: app.config, log: app.app.log as never }).then(
      (handled) => ({ handled, error: undefined as unknown }),
      (error: unknown) => ({ handled: 0, error }),
    );
    await waitFor('the worker to wait for the balance rows', async () => (await waitingOnLocks()) >= 1, { timeoutMs: 10_000, intervalMs: 20 });
    const cancel = app.app.inject({ method: 'POST', url: `/payments/${resting!.id}/cancel`, headers: bearer(key) });
    await waitFor('the cancel to wait too', async () => (await waitingOnLocks()) >= 2, { timeoutMs: 10_000, intervalMs: 20 });
    releaseBalances();
    await holder;

    const [workerOutcome, cancelAnswer] = await Promise.all([step, cancel]);
    expect(cancelAnswer.statusCode, cancelAnswer.body).toBe(200);
    expect(String((workerOutcome.error as Error | undefined)?.message ?? 'no error')).toBe('no error');
    expect(workerOutcome.handled).toBe(2);
    expect((await getPayment(app, key, moved!.id)).statusUpdates.map((u: { status: string }) => u.status)).toEqual(['created', 'canceled']);
    expect((await getPayment(app, key, resting!.id)).statusUpdates.map((u: { status: string }) => u.status)).toEqual(['created', 'canceled']);
    await expectLedgerConsistent(app.db);
  });
});
