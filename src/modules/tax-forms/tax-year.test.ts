import { describe, expect, it } from 'vitest';
import { startOfYear, taxYearBounds, yearIn } from './tax-year.js';

describe('tax year bounds', () => {
  it('is midnight UTC in UTC', () => {
    expect(taxYearBounds(2025, 'UTC')).toEqual({ from: new Date('2025-01-01T00:00:00Z'), to: new Date('2026-01-01T00:00:00Z') });
  });

  it('is local midnight in zones behind and ahead of UTC (hand-checked offsets)', () => {
    expect(startOfYear(2026, 'America/New_York')).toEqual(new Date('2026-01-01T05:00:00Z'));
    expect(startOfYear(2026, 'America/Los_Angeles')).toEqual(new Date('2026-01-01T08:00:00Z'));
    expect(startOfYear(2026, 'Asia/Tokyo')).toEqual(new Date('2025-12-31T15:00:00Z'));
    expect(startOfYear(2026, 'Asia/Kolkata')).toEqual(new Date('2025-12-31T18:30:00Z'));
    // Summer time in the southern hemisphere on 1 January: UTC+13.
    expect(startOfYear(2026, 'Pacific/Auckland')).toEqual(new Date('2025-12-31T11:00:00Z'));
    expect(startOfYear(2025, 'Pacific/Kiritimati')).toEqual(new Date('2024-12-31T10:00:00Z'));
  });

  it('agrees with yearIn one millisecond either side of the boundary', () => {
    for (const zone of ['UTC', 'America/New_York', 'Asia/Tokyo', 'Pacific/Auckland', 'America/St_Johns']) {
      const start = startOfYear(2026, zone).getTime();
      expect(yearIn(new Date(start), zone)).toBe(2026);
      expect(yearIn(new Date(start - 1), zone)).toBe(2025);
    }
  });
});
