import type { WorkerTask } from './worker.js';

/** Every background task of the service, in the order a worker tick runs them. */
export const WORKER_TASKS: readonly WorkerTask[] = [];
