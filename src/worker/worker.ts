import type { WorkerContext, WorkerTask } from '../platform/worker-task.js';

export type { WorkerContext, WorkerTask } from '../platform/worker-task.js';

export interface RunningWorker {
  /**
   * Runs every task once and waits for what it started, for tests that drive the worker step by
   * step (with `loop: false`). Answers how many items the tasks took.
   */
  tick(): Promise<number>;
  /** Stops every loop, waits for the work in flight of every task, then closes the tasks. */
  stop(): Promise<void>;
}

/**
 * The longest a task that feeds others waits for one of them to catch up before its next run:
 * bounded, so that a process too busy to catch up (or an endpoint slow to answer) slows the
 * payouts down but never stops them.
 */
const HOLD_BACK_MAX_MS = 500;
const HOLD_BACK_POLL_MS = 5;

/**
 * Runs each task on loops of its own (`task.concurrency` of them), so a slow task never delays
 * another: payouts keep moving while webhook requests wait on a slow endpoint. A loop goes
 * straight on while its task finds work, and otherwise waits WORKER_POLL_MS or until the task
 * wakes it.
 */
export function startWorker(ctx: WorkerContext, tasks: readonly WorkerTask[], options: { loop?: boolean } = {}): RunningWorker {
  let stopping = false;
  // Per task: the loops waiting for work, and whether a wake-up came while none was waiting. A
  // slot that frees while the loop is busy claiming must not be lost: the loop would then sleep
  // WORKER_POLL_MS with work due (that alone cost a 200 ms stall per cycle of webhook sends).
  const signals = new Map<WorkerTask, { waiting: Set<() => void>; woken: boolean }>();
  for (const task of tasks) {
    const signal = { waiting: new Set<() => void>(), woken: false };
    signals.set(task, signal);
    task.onWake?.(() => {
      if (signal.waiting.size === 0) signal.woken = true;
      for (const wake of [...signal.waiting]) wake();
    });
  }

  const othersBehind = (task: WorkerTask) => tasks.some((other) => other !== task && other.behind?.());
  const contexts = new Map(tasks.map((task) => [task, { ...ctx, othersBehind: () => othersBehind(task) }]));

  const runOnce = async (task: WorkerTask): Promise<number> => {
    try {
      return await task.runOnce(contexts.get(task)!);
    } catch (error) {
      // A failing task (database down, a bug) must not stop the others; its loop tries again.
      ctx.log.error({ err: error, task: task.name }, 'worker task failed');
      return 0;
    }
  };

  const idle = (task: WorkerTask) =>
    new Promise<void>((resolve) => {
      const signal = signals.get(task)!;
      if (signal.woken) {
        signal.woken = false;
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        signal.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ctx.config.workerPollMs);
      signal.waiting.add(done);
    });

  /** Waits, at most HOLD_BACK_MAX_MS, while a task this one feeds is behind (see WorkerTask.behind). */
  const holdBack = async (task: WorkerTask) => {
    if (!task.feedsOthers) return;
    const until = performance.now() + HOLD_BACK_MAX_MS;
    while (!stopping && performance.now() < until && othersBehind(task)) {
      await new Promise((resolve) => setTimeout(resolve, HOLD_BACK_POLL_MS));
    }
  };

  const loop = async (task: WorkerTask) => {
    const signal = signals.get(task)!;
    while (!stopping) {
      await holdBack(task);
      // Only a wake-up that comes after this run started says there may be more than it saw.
      signal.woken = false;
      const handled = await runOnce(task);
      if (handled > 0) for (const other of tasks) if (other !== task) other.otherWorkDone?.();
      if (stopping) break;
      if (handled === 0) await idle(task);
      // Work found: go on at once, but after one turn of the event loop. The embedded database
      // answers through promises alone, so a loop that always finds work would otherwise chain its
      // runs in microtasks and starve every timer and socket of the process (HTTP requests, the
      // webhook sender's claims) until it ran dry: 12 s with 5,000 payouts to move.
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };

  const loops = options.loop === false ? [] : tasks.flatMap((task) => Array.from({ length: Math.max(1, task.concurrency ?? 1) }, () => loop(task)));

  return {
    async tick() {
      let handled = 0;
      for (const task of tasks) {
        handled += await runOnce(task);
        await task.drain?.();
      }
      return handled;
    },
    async stop() {
      stopping = true;
      for (const signal of signals.values()) for (const wake of [...signal.waiting]) wake();
      await Promise.all(loops);
      await Promise.all(tasks.map((task) => task.drain?.()));
      await Promise.all(tasks.map((task) => task.close?.()));
    },
  };
}
