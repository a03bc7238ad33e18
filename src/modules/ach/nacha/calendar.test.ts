import { describe, expect, it } from 'vitest';
import { effectiveEntryDate, isBankingDay, localDateTime, nextBankingDay } from './calendar.js';

const NY = 'America/New_York';

describe('Federal Reserve banking days', () => {
  it('weekends are not banking days', () => {
    expect(isBankingDay('2026-03-06')).toBe(true); // Friday
    expect(isBankingDay('2026-03-07')).toBe(false); // Saturday
    expect(isBankingDay('2026-03-08')).toBe(false); // Sunday
    expect(nextBankingDay('2026-03-06')).toBe('2026-03-09');
  });

  it('Monday holidays close the Fed', () => {
    expect(isBankingDay('2026-01-19')).toBe(false); // Martin Luther King Jr. Day
    expect(isBankingDay('2026-09-07')).toBe(false); // Labor Day
    expect(nextBankingDay('2026-01-16')).toBe('2026-01-20');
  });

  it('Juneteenth is a holiday', () => {
    expect(isBankingDay('2026-06-19')).toBe(false); // a Friday
    expect(nextBankingDay('2026-06-18')).toBe('2026-06-22');
  });

  it('a Saturday holiday leaves the Friday before a banking day', () => {
    expect(isBankingDay('2026-07-04')).toBe(false); // Saturday, Independence Day
    expect(isBankingDay('2026-07-03')).toBe(true);
    expect(isBankingDay('2027-12-24')).toBe(true); // Christmas 2027 is a Saturday
    expect(isBankingDay('2027-12-31')).toBe(true); // New Year's Day 2028 is a Saturday
    expect(nextBankingDay('2026-07-02')).toBe('2026-07-03');
  });

  it('a Sunday holiday closes the Monday after', () => {
    expect(isBankingDay('2027-07-05')).toBe(false); // Independence Day 2027 is a Sunday
    expect(isBankingDay('2023-01-02')).toBe(false); // New Year's Day 2023 was a Sunday
    expect(nextBankingDay('2027-07-02')).toBe('2027-07-06');
  });

  it('rejects strings that are not dates', () => {
    expect(() => isBankingDay('2026-02-30')).toThrow(/calendar date/);
    expect(() => nextBankingDay('03/10/2026')).toThrow(/calendar date/);
  });
});

describe('localDateTime', () => {
  it('converts to the wall clock of a time zone, across midnight UTC', () => {
    expect(localDateTime(new Date('2026-03-11T02:30:00Z'), NY)).toEqual({ date: '2026-03-10', time: '22:30' });
    expect(localDateTime(new Date('2026-03-12T20:00:00Z'), 'Pacific/Auckland')).toEqual({ date: '2026-03-13', time: '09:00' });
    expect(localDateTime(new Date('2026-03-11T00:05:00Z'), 'UTC')).toEqual({ date: '2026-03-11', time: '00:05' });
  });
});

describe('effectiveEntryDate', () => {
  it('before the cut-off on a banking day: the next banking day', () => {
    // 15:59 in New York (EDT, UTC-4) on Tuesday 2026-03-10.
    expect(effectiveEntryDate(new Date('2026-03-10T19:59:00Z'), NY, '16:00')).toBe('2026-03-11');
  });

  it('at or after the cut-off: submitted the next banking day, effective the one after', () => {
    expect(effectiveEntryDate(new Date('2026-03-10T20:00:00Z'), NY, '16:00')).toBe('2026-03-12');
    // Friday after the cut-off → submitted Monday → effective Tuesday.
    expect(effectiveEntryDate(new Date('2026-03-13T21:00:00Z'), NY, '16:00')).toBe('2026-03-17');
  });

  it('uses the local date, not the UTC one, across midnight UTC', () => {
    // Thursday 2026-03-12 23:00 in New York is already Friday 03:00 UTC.
    const at = new Date('2026-03-13T03:00:00Z');
    expect(effectiveEntryDate(at, NY, '23:30')).toBe('2026-03-13');
    expect(effectiveEntryDate(at, 'UTC', '23:30')).toBe('2026-03-16');
  });

  it('on a weekend or holiday: submitted the next banking day', () => {
    expect(effectiveEntryDate(new Date('2026-03-07T15:00:00Z'), NY, '16:00')).toBe('2026-03-10'); // Saturday
    expect(effectiveEntryDate(new Date('2026-01-19T14:00:00Z'), NY, '16:00')).toBe('2026-01-21'); // MLK day
    expect(effectiveEntryDate(new Date('2026-06-18T14:00:00Z'), NY, '16:00')).toBe('2026-06-22'); // the day before Juneteenth
    expect(effectiveEntryDate(new Date('2026-07-03T14:00:00Z'), NY, '16:00')).toBe('2026-07-06'); // Friday before a Saturday holiday
    expect(effectiveEntryDate(new Date('2027-07-02T14:00:00Z'), NY, '16:00')).toBe('2027-07-06'); // before a Sunday holiday
  });

  it('rejects a malformed cut-off', () => {
    expect(() => effectiveEntryDate(new Date(), NY, '4pm')).toThrow(/HH:MM/);
    expect(() => effectiveEntryDate(new Date(), NY, '24:00')).toThrow(/HH:MM/);
  });
});
