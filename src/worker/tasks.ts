import { advancePayoutsTask } from '../modules/payouts/payouts.tasks.js';
import { purgeIdempotencyKeysTask } from '../platform/idempotency/idempotency.js';
import type { WorkerTask } from './worker.js';

/** Every background task of the service, in the order a worker tick runs them. */
export function workerTasks(): WorkerTask[] {
  return [advancePayoutsTask(), purgeIdempotencyKeysTask()];
}
