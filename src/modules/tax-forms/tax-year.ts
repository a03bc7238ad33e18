// A calendar year in an organization's time zone, as the two instants that bound it. The report
// compares timestamps against these instants (an index range), instead of converting every
// payment's date to local time in SQL, and uses the same Intl rules that validated the zone.

import { wallClock } from '../../platform/wall-clock.js';

/** How far `timeZone`'s wall clock is ahead of UTC at `at`, in milliseconds. */
function offsetAt(at: number, timeZone: string): number {
  const clock = wallClock(new Date(at), timeZone);
  const wall = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
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
  return wallClock(at, timeZone).year;
}
