import { describe, expect, it } from 'vitest';
import { isTimeZone, wallClock } from './wall-clock.js';

describe('wall clock', () => {
  it('reads an instant on the wall of a zone, across a daylight-saving change and the date line', () => {
    expect(wallClock(new Date('2026-03-08T06:59:59Z'), 'America/New_York')).toEqual({ year: 2026, month: 3, day: 8, hour: 1, minute: 59, second: 59 });
    expect(wallClock(new Date('2026-03-08T07:00:00Z'), 'America/New_York')).toEqual({ year: 2026, month: 3, day: 8, hour: 3, minute: 0, second: 0 });
    expect(wallClock(new Date('2025-12-31T11:30:00Z'), 'Pacific/Auckland')).toEqual({ year: 2026, month: 1, day: 1, hour: 0, minute: 30, second: 0 });
    expect(wallClock(new Date('2026-01-01T00:00:00Z'), 'UTC')).toEqual({ year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
  });

  it('knows IANA zones and nothing else', () => {
    expect(isTimeZone('America/New_York')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
