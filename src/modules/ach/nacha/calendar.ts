import federalHolidays from '@18f/us-federal-holidays';

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

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock date ('YYYY-MM-DD') and time ('HH:MM') of `at` in `timeZone`. */
export function localDateTime(at: Date, timeZone: string): { date: string; time: string } {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) parts[part.type] = part.value;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
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

/** True when `name` is an IANA time zone this runtime knows. */
export function isTimeZone(name: string): boolean {
  if (typeof name !== 'string' || name.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
