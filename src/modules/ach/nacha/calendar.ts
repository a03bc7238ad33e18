import federalHolidays from '@18f/us-federal-holidays';
import { wallClock } from '../../../platform/wall-clock.js';

// Federal Reserve banking days. The Fed follows the federal holiday calendar with one twist: a
// holiday on a Saturday is NOT observed on the Friday before (the Fed stays open), while a holiday
// on a Sunday closes the Fed on the Monday after. Dates are 'YYYY-MM-DD' strings in the time zone
// the caller has already converted to (see localDateTime).

const FED_OBSERVANCE = { shiftSaturdayHolidays: false, shiftSundayHolidays: true };
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CUTOFF = /^([01]\d|2[0-3]):[0-5]\d$/;

const holidaysByYear = new Map<number, ReadonlySet<string>>();

function holidaysOf(year: number): ReadonlySet<string> {
  let holidays = holidaysByYear.get(year);
  if (!holidays) {
    // dateString is the observed day formatted 'YYYY-MM-DD' (no time zone involved).
    holidays = new Set(federalHolidays.allForYear(year, FED_OBSERVANCE).map((holiday) => holiday.dateString));
    holidaysByYear.set(year, holidays);
  }
  return holidays;
}

function parseDate(date: string): Date {
  const match = DATE.exec(date);
  const parsed = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!parsed || parsed.toISOString().slice(0, 10) !== date) throw new Error(`Not a calendar date: ${JSON.stringify(date)} (expected YYYY-MM-DD).`);
  return parsed;
}

export function isBankingDay(date: string): boolean {
  const day = parseDate(date);
  const weekday = day.getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !holidaysOf(day.getUTCFullYear()).has(date);
}

/** The first banking day strictly after `date`. */
export function nextBankingDay(date: string): string {
  const day = parseDate(date);
  for (;;) {
    day.setUTCDate(day.getUTCDate() + 1);
    const next = day.toISOString().slice(0, 10);
    if (isBankingDay(next)) return next;
  }
}

/** The wall-clock date ('YYYY-MM-DD') and time ('HH:MM') of `at` in `timeZone`. */
export function localDateTime(at: Date, timeZone: string): { date: string; time: string } {
  const c = wallClock(at, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return { date: `${c.year}-${two(c.month)}-${two(c.day)}`, time: `${two(c.hour)}:${two(c.minute)}` };
}

/**
 * Submission day = today (in `timeZone`) if a banking day and strictly before the cut-off, else the
 * next banking day; the effective entry date is the banking day after the submission day.
 */
export function effectiveEntryDate(at: Date, timeZone: string, cutoff: string): string {
  if (!CUTOFF.test(cutoff)) throw new Error(`Cut-off time must be HH:MM, got ${JSON.stringify(cutoff)}.`);
  const local = localDateTime(at, timeZone);
  const submission = isBankingDay(local.date) && local.time < cutoff ? local.date : nextBankingDay(local.date);
  return nextBankingDay(submission);
}
