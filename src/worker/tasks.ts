import { advancePayoutsTask } from '../modules/payouts/payouts.tasks.js';
import { purgeIdempotencyKeysTask } from '../platform/idempotency/idempotency.js';
import { deliverWebhooksTask } from '../modules/webhooks/webhooks.tasks.js';
import { sendEmailsTask } from '../modules/emails/emails.tasks.js';
import type { Config } from '../config.js';
import type { WorkerTask } from './worker.js';

/** Every background task of the service, in the order a worker tick runs them. */
export function workerTasks(config: Pick<Config, 'webhookAllowPrivate'>): WorkerTask[] {
  return [advancePayoutsTask(), deliverWebhooksTask(config.webhookAllowPrivate), sendEmailsTask(), purgeIdempotencyKeysTask()];
}
