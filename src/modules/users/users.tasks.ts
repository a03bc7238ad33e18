import type { PeriodicTask } from '../../platform/schedule/schedule.js';
import { deleteExpiredSessions, deleteStaleLoginFailures } from './sessions.repository.js';

/** Failed sign-ins are kept a day after their window and lock ended (both last minutes). */
const LOGIN_FAILURES_KEPT_SECONDS = 24 * 3600;

/** Dashboard sessions past their expiry: useless to anyone, and nothing else deletes them. */
export const purgeExpiredSessions: PeriodicTask = {
  name: 'purge-expired-sessions',
  cron: '*/10 * * * *',
  run: (tx) => deleteExpiredSessions(tx),
};

/** Old failed sign-in counters: they no longer slow anyone down and only hold email addresses. */
export const purgeStaleLoginFailures: PeriodicTask = {
  name: 'purge-stale-login-failures',
  cron: '17 * * * *',
  run: (tx) => deleteStaleLoginFailures(tx, LOGIN_FAILURES_KEPT_SECONDS),
};
