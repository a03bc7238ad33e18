// Periodic work (purges, claim expiry; settlement and scheduled bank files later) runs
// from one list, on cron expressions (croner). Each run takes a transaction-level advisory lock
// with a fixed key per task, so with several worker processes on PostgreSQL only one runs a task
// at a time and the others skip that turn; on the embedded database there is one process anyway.
import { Cron } from 'croner';
import type { Executor } from '../db/database.js';
import type { WorkerContext } from '../worker-task.js';

export interface PeriodicTask {
  /** Unique; also the advisory lock's key. */
  name: string;
  /**
   * A cron expression (five fields, or six with seconds first), in UTC unless `timeZone` says
   * otherwise; a function of the configuration for a schedule the operator sets (undefined: the
   * task is not scheduled, though `runNow` still runs it).
   */
  cron: string | ((config: WorkerContext['config']) => string | undefined);
  timeZone?: (config: WorkerContext['config']) => string;
  /**
   * Runs inside the transaction that holds the task's lock; answers how many rows it touched. An
   * `unlocked` task gets the database itself instead: it guards itself and commits as it goes (a
   * bank file cut, whose short transactions the single embedded connection could not nest).
   */
  run(tx: Executor, ctx: WorkerContext): Promise<number>;
  unlocked?: boolean;
  /**
   * For work that may be large: `run` handles at most this many rows, and the schedule calls it
   * again, each time in a new transaction that takes the lock again, for as long as it answers a
   * full slice. Each transaction (and the row locks it holds) stays short however much is due, and
   * `run` must be safe to repeat: whatever a committed slice did is no longer due.
   */
  slice?: number;
}

export type RunResult = { ran: true; count: number } | { ran: false };

export interface RunningSchedule {
  /** Runs one task now under its lock (tests, operators); `ran: false` when another process holds it. */
  runNow(name: string): Promise<RunResult>;
  /** Stops the timers and waits for the runs under way. */
  stop(): Promise<void>;
}

/** The first half of the two-part advisory lock keys of periodic tasks (a space of its own). */
const SCHEDULE_LOCK_CLASS = 0x5343;

export function startSchedule(ctx: WorkerContext, tasks: readonly PeriodicTask[], options: { timers?: boolean } = {}): RunningSchedule {
  const byName = new Map(tasks.map((task) => [task.name, task]));
  if (byName.size !== tasks.length) throw new Error('Two periodic tasks share a name.');
  const running = new Set<Promise<unknown>>();

  let stopping = false;

  const runOnceLocked = (task: PeriodicTask): Promise<RunResult> =>
    ctx.db.transaction(async (tx): Promise<RunResult> => {
      const [lock] = await tx.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1, hashtext($2)) as locked', [SCHEDULE_LOCK_CLASS, task.name]);
      if (!lock?.locked) return { ran: false };
      return { ran: true, count: await task.run(tx, ctx) };
    });

  /** Slice after slice until one is not full; another process taking the lock in between ends the run. */
  const runSliced = async (task: PeriodicTask, slice: number): Promise<RunResult> => {
    let total = 0;
    for (let first = true; ; first = false) {
      const result = await runOnceLocked(task);
      if (!result.ran) return first ? result : { ran: true, count: total };
      total += result.count;
      if (result.count < slice || stopping) return { ran: true, count: total };
    }
  };

  const runGuarded = (task: PeriodicTask): Promise<RunResult> => {
    const run = task.unlocked
      ? task.run(ctx.db, ctx).then((count): RunResult => ({ ran: true, count }))
      : task.slice
        ? runSliced(task, task.slice)
        : runOnceLocked(task);
    running.add(run);
    return run.finally(() => running.delete(run));
  };

  const jobs =
    options.timers === false
      ? []
      : tasks.flatMap((task) => {
          const cron = typeof task.cron === 'string' ? task.cron : task.cron(ctx.config);
          if (!cron) return [];
          const timezone = task.timeZone?.(ctx.config) ?? 'UTC';
          return [
            new Cron(cron, { timezone, protect: true, unref: true }, async () => {
              try {
                const result = await runGuarded(task);
                if (result.ran && result.count > 0) ctx.log.info({ task: task.name, count: result.count }, 'periodic task ran');
              } catch (error) {
                ctx.log.error({ err: error, task: task.name }, 'periodic task failed');
              }
            }),
          ];
        });

  return {
    runNow(name) {
      const task = byName.get(name);
      if (!task) throw new Error(`No periodic task is named ${name}.`);
      return runGuarded(task);
    },
    async stop() {
      stopping = true;
      for (const job of jobs) job.stop();
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
