// When to try a failed delivery again: the SPEC's schedule with jitter, or the receiver's own
// Retry-After within bounds.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delay before attempt n+1 after attempt n failed (index n-1); past the end, the delivery fails. */
export const RETRY_SCHEDULE_MS = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;
const RETRY_AFTER_MIN_MS = SECOND;
const RETRY_AFTER_MAX_MS = 10 * HOUR;

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * SECOND;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The delay after the `attempts`-th failed attempt, or undefined when no attempt is left.
 * Jitter of ±10% spreads the retries of many deliveries that failed together.
 */
export function nextRetryDelayMs(attempts: number, retryAfterMs?: number, random: () => number = Math.random): number | undefined {
  const scheduled = RETRY_SCHEDULE_MS[attempts - 1];
  if (scheduled === undefined) return undefined;
  if (retryAfterMs !== undefined) return Math.min(RETRY_AFTER_MAX_MS, Math.max(RETRY_AFTER_MIN_MS, retryAfterMs));
  return Math.round(scheduled * (0.9 + 0.2 * random()));
}
