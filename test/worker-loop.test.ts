// The worker's loop itself, with a task whose work answers through promises alone, as the
// embedded database's queries do: a loop that keeps finding work must still let the rest of the
// process (timers, sockets: the HTTP server, other tasks) run between its runs.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { Database } from '../src/platform/db/database.js';
import { startWorker, type WorkerTask } from '../src/worker/worker.js';

const quietContext = () => ({ db: {} as Database, config: loadConfig({}, { workerPollMs: 50 }), log: pino({ level: 'silent' }) });

describe('worker loop', () => {
  it('lets timers run between the runs of a task that always finds work', async () => {
    const RUNS = 2_000;
    let runs = 0;
    let runsWhenTimerFired: number | undefined;
    let finished!: () => void;
    const allRun = new Promise<void>((resolve) => (finished = resolve));
    const busy: WorkerTask = {
      name: 'busy',
      async runOnce() {
        if (runs >= RUNS) {
          finished();
          return 0;
        }
        runs++;
        // Work that completes without any I/O, like a PGlite query.
        await Promise.resolve();
        return 1;
      },
    };
    const ctx = quietContext();
    setTimeout(() => (runsWhenTimerFired = runs), 0);
    const worker = startWorker(ctx, [busy]);
    await allRun;
    await worker.stop();
    expect(runsWhenTimerFired).toBeDefined();
    // The timer fired while the task still had most of its runs ahead of it, not after it ran dry.
    expect(runsWhenTimerFired!).toBeLessThan(RUNS / 2);
  });

  // Payout moves create webhook deliveries: when the sender falls behind, the payout loop waits for
  // it to catch up, so webhooks follow their moves closely instead of piling up behind them.
  it('holds a task that feeds others back while one of them is behind', async () => {
    const BEHIND_FOR_CHECKS = 10;
    let behindChecks = 0;
    let checksAtFirstRun: number | undefined;
    let ran!: () => void;
    const firstRun = new Promise<void>((resolve) => (ran = resolve));
    const sender: WorkerTask = {
      name: 'sender',
      runOnce: async () => 0,
      behind: () => ++behindChecks <= BEHIND_FOR_CHECKS,
    };
    const payouts: WorkerTask = {
      name: 'payouts',
      feedsOthers: true,
      async runOnce() {
        checksAtFirstRun ??= behindChecks;
        ran();
        return 0;
      },
    };
    const worker = startWorker(quietContext(), [payouts, sender]);
    await firstRun;
    await worker.stop();
    // It ran only once the sender had stopped saying it was behind (the check after the tenth).
    expect(checksAtFirstRun).toBe(BEHIND_FOR_CHECKS + 1);
  });

  it('never stops a feeding task for good, however long the other stays behind', async () => {
    let runs = 0;
    let twice!: () => void;
    const ranTwice = new Promise<void>((resolve) => (twice = resolve));
    const stuck: WorkerTask = { name: 'stuck', runOnce: async () => 0, behind: () => true };
    const payouts: WorkerTask = {
      name: 'payouts',
      feedsOthers: true,
      async runOnce() {
        if (++runs === 2) twice();
        return 1;
      },
    };
    const worker = startWorker(quietContext(), [payouts, stuck]);
    await ranTwice;
    await worker.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
  });

  it('does not hold back a task that feeds nobody', async () => {
    let behindChecks = 0;
    let ran!: () => void;
    const firstRun = new Promise<void>((resolve) => (ran = resolve));
    const stuck: WorkerTask = { name: 'stuck', runOnce: async () => 0, behind: () => ++behindChecks > 0 };
    const other: WorkerTask = {
      name: 'other',
      async runOnce() {
        ran();
        return 0;
      },
    };
    const worker = startWorker(quietContext(), [other, stuck]);
    await firstRun;
    await worker.stop();
    expect(behindChecks).toBe(0);
  });

  // A task that feeds nobody may still choose to put off work that competes with a task that is
  // behind (the email loop's batch expansion): its context says whether another task is behind.
  it('tells each task whether another task, never itself, is behind', async () => {
    let senderBehind = true;
    const seen: boolean[] = [];
    let ranTwice!: () => void;
    const twice = new Promise<void>((resolve) => (ranTwice = resolve));
    const sender: WorkerTask = { name: 'sender', runOnce: async () => 0, behind: () => senderBehind };
    const emails: WorkerTask = {
      name: 'emails',
      behind: () => true, // its own state never counts for itself
      async runOnce(ctx) {
        seen.push(ctx.othersBehind?.() ?? false);
        senderBehind = false;
        if (seen.length === 2) ranTwice();
        return 1;
      },
    };
    const worker = startWorker(quietContext(), [emails, sender]);
    await twice;
    await worker.stop();
    expect(seen.slice(0, 2)).toEqual([true, false]);
  });
});
