import { advancePayoutsTask } from '../modules/payouts/payouts.tasks.js';
import { deliverWebhooksTask } from '../modules/webhooks/webhooks.tasks.js';
import { sendEmailsTask } from '../modules/emails/emails.tasks.js';
import type { Config } from '../config.js';
import type { WorkerTask } from '../platform/worker-task.js';

/** Every looping background task of the service; each runs on loops of its own. */
export function workerTasks(config: Pick<Config, 'webhookAllowPrivate'>): WorkerTask[] {
  return [advancePayoutsTask(), deliverWebhooksTask(config.webhookAllowPrivate), sendEmailsTask()];
}
