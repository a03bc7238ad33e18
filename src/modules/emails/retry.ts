// The SPEC's email retry schedule: 1 min, 5 min, 30 min, 2 h, 6 h after each failed attempt, then
// the email fails. A little jitter spreads the retries of many emails that failed together.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const EMAIL_RETRY_SCHEDULE_MS = [MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR];

/** Delay after the `attempts`-th failed attempt, or undefined when no attempt is left. */
export function nextEmailRetryMs(attempts: number, random: () => number = Math.random): number | undefined {
  const scheduled = EMAIL_RETRY_SCHEDULE_MS[attempts - 1];
  return scheduled === undefined ? undefined : Math.round(scheduled * (0.95 + 0.1 * random()));
}
