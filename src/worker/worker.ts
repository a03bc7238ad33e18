import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../platform/db/database.js';

export interface WorkerContext {
  db: Database;
  config: Readonly<Config>;
  log: Logger;
}

/**
 * One kind of background work. `runOnce` claims what is due (row locks and leases make that safe
 * across processes), handles it, and says how many items it handled, so the loop knows whether
 * to go straight on or to wait.
 */
export interface WorkerTask {
  name: string;
  runOnce(ctx: WorkerContext): Promise<number>;
  /** Releases what the task holds (connections) when the worker stops. */
  close?(): Promise<void>;
}

export interface RunningWorker {
  /** Runs every task once, for tests that drive the worker step by step. */
  tick(): Promise<number>;
  /** Finishes the step under way, then stops. */
  stop(): Promise<void>;
}

export function startWorker(ctx: WorkerContext, tasks: readonly WorkerTask[], options: { loop?: boolean } = {}): RunningWorker {
  let stopping = false;
  let wake: (() => void) | undefined;

  const tick = async () => {
    let handled = 0;
    for (const task of tasks) {
      try {
        handled += await task.runOnce(ctx);
      } catch (error) {
        // A failing task (database down, a bug) must not stop the others; it is retried next tick.
        ctx.log.error({ err: error, task: task.name }, 'worker task failed');
      }
    }
    return handled;
  };

  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = (async () => {
    if (options.loop === false) return;
    while (!stopping) {
      const handled = await tick();
      if (!stopping && handled === 0) await idle(ctx.config.workerPollMs);
    }
  })();

  return {
    tick,
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      await Promise.all(tasks.map((task) => task.close?.()));
    },
  };
}
