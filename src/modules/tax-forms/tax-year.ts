// A calendar year in an organization's time zone, as the two instants that bound it. The report
// compares timestamps against these instants (an index range), instead of converting every
// payment's date to local time in SQL, and uses the same Intl rules that validated the zone.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** How far `timeZone`'s wall clock is ahead of UTC at `at`, in milliseconds. */
function offsetAt(at: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(at))) parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(at / 1000) * 1000;
}

/** The instant the wall clock of `timeZone` reads 1 January `year`, 00:00. */
export function startOfYear(year: number, timeZone: string): Date {
  const wall = Date.UTC(year, 0, 1);
  // Two passes settle the offset even when the guess falls on the other side of a change.
  let at = wall - offsetAt(wall, timeZone);
  at = wall - offsetAt(at, timeZone);
  return new Date(at);
}

/** [start, end): the instants of calendar `year` in `timeZone`. */
export function taxYearBounds(year: number, timeZone: string): { from: Date; to: Date } {
  return { from: startOfYear(year, timeZone), to: startOfYear(year + 1, timeZone) };
}

/** The calendar year `at` falls in, in `timeZone`. */
export function yearIn(at: Date, timeZone: string): number {
  const year = formatterFor(timeZone)
    .formatToParts(at)
    .find((part) => part.type === 'year')!.value;
  return Number(year);
}
