import { finishAbandonedAchFiles, scheduledAchCut, settleAchFiles } from '../modules/ach/index.js';
import { expireUnclaimedPayouts, remindUnclaimedPayouts } from '../modules/payouts/claim-expiry.js';
import { purgePortalLeftovers } from '../modules/portal/index.js';
import { purgeExpiredSessions, purgeStaleLoginFailures } from '../modules/users/users.tasks.js';
import { purgeIdempotencyKeys } from '../platform/idempotency/idempotency.js';
import { expireW8BenForms } from '../modules/tax-forms/index.js';
import type { PeriodicTask } from '../platform/schedule/schedule.js';
import { recipientHooks } from '../recipient-reactions.js';

/** Every periodic task of the service: run where the worker runs, never on an API-only process. */
export const periodicTasks: readonly PeriodicTask[] = [
  purgeIdempotencyKeys,
  purgeExpiredSessions,
  purgeStaleLoginFailures,
  remindUnclaimedPayouts,
  expireUnclaimedPayouts,
  purgePortalLeftovers,
  settleAchFiles,
  finishAbandonedAchFiles,
  scheduledAchCut,
  expireW8BenForms(recipientHooks),
];
