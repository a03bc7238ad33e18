import { advancePayoutsTask } from '../modules/payouts/payouts.tasks.js';
import { deliverWebhooksTask } from '../modules/webhooks/webhooks.tasks.js';
import { sendEmailsTask } from '../modules/emails/emails.tasks.js';
import type { Config } from '../config.js';
import type { Database } from '../platform/db/database.js';
import type { WorkerTask } from '../platform/worker-task.js';

/**
 * Payout steps run on two loops on PostgreSQL: one loop waits on its round trips about half the
 * time, and the claims' SKIP LOCKED keeps the two apart. The embedded database has one connection
 * that API requests share: a second loop would only queue there, ahead of them.
 */
const PAYOUT_LOOPS: Record<Database['kind'], number> = { postgres: 2, pglite: 1 };

/** Every looping background task of the service; each runs on loops of its own. */
export function workerTasks(config: Pick<Config, 'webhookAllowPrivate'>, databaseKind: Database['kind'] = 'pglite'): WorkerTask[] {
  return [advancePayoutsTask(PAYOUT_LOOPS[databaseKind]), deliverWebhooksTask(config.webhookAllowPrivate), sendEmailsTask()];
}
