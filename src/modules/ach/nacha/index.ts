// NACHA file format and the Federal Reserve calendar: pure code, no database, no other module.
export { effectiveEntryDate, isBankingDay, localDateTime, nextBankingDay } from './calendar.js';
export { APPLIED_CHANGE_CODES, CHANGE_CODES, INVALIDATING_RETURN_CODES, RETURN_CODES } from './codes.js';
export {
  type CorrectionEntry,
  type NachaAddenda,
  type NachaBatch,
  type NachaEntry,
  type NachaFile,
  NachaFormatError,
  parseNachaFile,
  type ReturnEntry,
  returnEntriesOf,
} from './parser.js';
export { type BatchHeader, type EntryDetail, type FileHeader, MAX_ENTRY_AMOUNT, NachaWriter } from './writer.js';
