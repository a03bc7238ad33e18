// The worker's loop itself, with a task whose work answers through promises alone, as the
// embedded database's queries do: a loop that keeps finding work must still let the rest of the
// process (timers, sockets: the HTTP server, other tasks) run between its runs.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { Database } from '../src/platform/db/database.js';
import { startWorker, type WorkerTask } from '../src/worker/worker.js';

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
    const ctx = { db: {} as Database, config: loadConfig({}, { workerPollMs: 50 }), log: pino({ level: 'silent' }) };
    setTimeout(() => (runsWhenTimerFired = runs), 0);
    const worker = startWorker(ctx, [busy]);
    await allRun;
    await worker.stop();
    expect(runsWhenTimerFired).toBeDefined();
    // The timer fired while the task still had most of its runs ahead of it, not after it ran dry.
    expect(runsWhenTimerFired!).toBeLessThan(RUNS / 2);
  });
});
