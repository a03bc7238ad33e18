import { expireUnclaimedPayouts, remindUnclaimedPayouts } from '../modules/payouts/claim-expiry.js';
import { purgeExpiredSessions, purgeStaleLoginFailures } from '../modules/users/users.tasks.js';
import { purgeIdempotencyKeys } from '../platform/idempotency/idempotency.js';
import type { PeriodicTask } from '../platform/schedule/schedule.js';

/** Every periodic task of the service: run where the worker runs, never on an API-only process. */
export const periodicTasks: readonly PeriodicTask[] = [
  purgeIdempotencyKeys,
  purgeExpiredSessions,
  purgeStaleLoginFailures,
  remindUnclaimedPayouts,
  expireUnclaimedPayouts,
];
