// NACHA file format and the Federal Reserve calendar: pure code, no database, no other module.
export { effectiveEntryDate, isBankingDay, isTimeZone, localDateTime, nextBankingDay } from './calendar.js';
export { type BatchHeader, type EntryDetail, type FileHeader, MAX_ENTRY_AMOUNT, NachaWriter } from './writer.js';
