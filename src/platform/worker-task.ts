// The contract between the worker (which runs background work) and the modules (which define
// it). It lives in platform/ so that modules depend only downward and never on src/worker/.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from './db/database.js';

export interface WorkerContext {
  db: Database;
  config: Readonly<Config>;
  log: Logger;
  /**
   * Whether another task of this worker is behind (WorkerTask.behind), for a task that can put off
   * work competing with it (the email loop's batch expansion). Unset outside a worker: never.
   */
  othersBehind?(): boolean;
}

/**
 * One kind of background work, run by the worker on a loop of its own. `runOnce` claims what is
 * due (row locks and leases make that safe across processes), handles it or starts handling it,
 * and says how many items it took, so its loop knows whether to go straight on or to wait.
 */
export interface WorkerTask {
  name: string;
  /** How many `runOnce` calls of this task may run at once (its own loops); 1 when unset. */
  concurrency?: number;
  runOnce(ctx: WorkerContext): Promise<number>;
  /**
   * For a task that keeps work in flight after `runOnce` returns (webhook sends): resolves when
   * everything it started has finished and been recorded.
   */
  drain?(): Promise<void>;
  /**
   * The worker hands the task a function that ends its loop's idle wait early, for a task that
   * knows new work became due (a slot freed, the next delivery of a payout unblocked).
   */
  onWake?(wake: () => void): void;
  /**
   * Called when another task of this process committed work (payouts moved): that work may have
   * made some of this task's due (their webhook deliveries, their emails). Without it, deliveries
   * created while this task had nothing left to claim would wait for its next poll.
   */
  otherWorkDone?(): void;
  /**
   * True while the task is behind: its last claim found more due than it had room for, or work
   * that had been due for a while (webhook deliveries waiting on a busy process). The loops of tasks that feed it (`feedsOthers`) then
   * hold back, for a bounded time, so that the work they create does not outrun the work that
   * follows it: a payout's webhook arrives soon after its move, not seconds later.
   */
  behind?(): boolean;
  /** Its runs create work for other tasks (payout moves create webhook deliveries and emails). */
  feedsOthers?: boolean;
  /** Releases what the task holds (connections) when the worker stops, after `drain`. */
  close?(): Promise<void>;
}
