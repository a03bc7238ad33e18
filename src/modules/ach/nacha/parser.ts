import { CHANGE_CODES, RETURN_CODES } from './codes.js';
import { BLOCKING_FACTOR, ENTRY_HASH_MODULUS, isAbaRoutingNumber, isDebitTransactionCode, PADDING_RECORD, RECORD_LENGTH } from './fields.js';

/** A file that is not a well-formed NACHA file; `line` is 1-based. */
export class NachaFormatError extends Error {
  readonly line: number;
  constructor(line: number, problem: string) {
    super(`Line ${line}: ${problem}`);
    this.name = 'NachaFormatError';
    this.line = line;
  }
}

export interface NachaFile {
  header: {
    immediateDestination: string;
    immediateOrigin: string;
    creationDate: string;
    fileIdModifier: string;
    immediateDestinationName: string;
    immediateOriginName: string;
  };
  batches: NachaBatch[];
}

export interface NachaBatch {
  line: number;
  serviceClassCode: number;
  companyName: string;
  companyId: string;
  secCode: string;
  companyEntryDescription: string;
  effectiveEntryDate: string;
  odfiIdentification: string;
  batchNumber: number;
  entries: NachaEntry[];
}

export interface NachaEntry {
  line: number;
  transactionCode: number;
  rdfiRouting: string;
  accountNumber: string;
  amount: bigint;
  individualId: string;
  individualName: string;
  traceNumber: string;
  addenda: NachaAddenda[];
}

export type NachaAddenda =
  | { line: number; typeCode: '05'; paymentInfo: string }
  | { line: number; typeCode: '98'; changeCode: string; originalTrace: string; originalRdfi: string; correctedData: string; traceNumber: string }
  | {
      line: number;
      typeCode: '99';
      returnCode: string;
      originalTrace: string;
      dateOfDeath: string;
      originalRdfi: string;
      addendaInfo: string;
      traceNumber: string;
    };

export interface ReturnEntry {
  line: number;
  code: string;
  description: string;
  originalTrace: string;
  amount: bigint;
  transactionCode: number;
}

export interface CorrectionEntry {
  line: number;
  code: string;
  description: string;
  originalTrace: string;
  corrected: { routingNumber?: string; accountNumber?: string; accountType?: 'checking' | 'savings' };
}

/** One record: its 1-based line number and 1-based, inclusive field access as in the NACHA tables. */
class Line {
  constructor(
    readonly line: number,
    readonly text: string,
  ) {}

  /** Positions `from`..`to`, 1-based and inclusive. */
  raw(from: number, to: number): string {
    return this.text.slice(from - 1, to);
  }

  field(from: number, to: number): string {
    return this.raw(from, to).trim();
  }

  digits(from: number, to: number, what: string): string {
    const value = this.raw(from, to);
    if (!/^\d+$/.test(value)) throw new NachaFormatError(this.line, `${what} (positions ${from}-${to}) must be numeric, got "${value}".`);
    return value;
  }

  number(from: number, to: number, what: string): number {
    return Number(this.digits(from, to, what));
  }

  bigint(from: number, to: number, what: string): bigint {
    return BigInt(this.digits(from, to, what));
  }

  fail(problem: string): never {
    throw new NachaFormatError(this.line, problem);
  }
}

interface Totals {
  entryAndAddendaCount: number;
  entryHash: bigint;
  debitTotal: bigint;
  creditTotal: bigint;
}

const emptyTotals = (): Totals => ({ entryAndAddendaCount: 0, entryHash: 0n, debitTotal: 0n, creditTotal: 0n });

function splitRecords(text: string): Line[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines.at(-1) === '') lines.pop(); // the trailing newline
  return lines.map((line, i) => new Line(i + 1, line));
}

/** Length and record type, checked as each record is reached so that the first problem in the file is the one reported. */
function checkShape(record: Line): void {
  if (record.text.length !== RECORD_LENGTH) record.fail(`record is ${record.text.length} characters, expected ${RECORD_LENGTH}.`);
  if (!'156789'.includes(record.text[0]!)) record.fail(`unknown record type "${record.text[0]}".`);
}

function checkControl(
  record: Line,
  what: string,
  totals: Totals,
  counts: { from: number; to: number },
  sums: { hash: number; debit: number; credit: number },
): void {
  const count = record.number(counts.from, counts.to, `${what} entry/addenda count`);
  if (count !== totals.entryAndAddendaCount) record.fail(`${what} entry/addenda count is ${count}, but the records hold ${totals.entryAndAddendaCount}.`);
  const hash = record.bigint(sums.hash, sums.hash + 9, `${what} entry hash`);
  if (hash !== totals.entryHash) record.fail(`${what} entry hash is ${hash}, but the entries add up to ${totals.entryHash}.`);
  const debit = record.bigint(sums.debit, sums.debit + 11, `${what} total debit amount`);
  if (debit !== totals.debitTotal) record.fail(`${what} total debit amount is ${debit}, but the debit entries add up to ${totals.debitTotal}.`);
  const credit = record.bigint(sums.credit, sums.credit + 11, `${what} total credit amount`);
  if (credit !== totals.creditTotal) record.fail(`${what} total credit amount is ${credit}, but the credit entries add up to ${totals.creditTotal}.`);
}

function parseAddenda(record: Line): NachaAddenda {
  const typeCode = record.raw(2, 3);
  if (typeCode === '05') {
    record.digits(84, 87, 'Addenda sequence number');
    record.digits(88, 94, 'Entry detail sequence number');
    return { line: record.line, typeCode, paymentInfo: record.field(4, 83) };
  }
  if (typeCode === '98') {
    return {
      line: record.line,
      typeCode,
      changeCode: record.raw(4, 6),
      originalTrace: record.digits(7, 21, 'Original entry trace number'),
      originalRdfi: record.digits(28, 35, 'Original RDFI identification'),
      correctedData: record.raw(36, 64).trimEnd(),
      traceNumber: record.digits(80, 94, 'Trace number'),
    };
  }
  if (typeCode === '99') {
    const dateOfDeath = record.raw(22, 27);
    if (dateOfDeath.trim() !== '' && !/^\d{6}$/.test(dateOfDeath))
      record.fail(`Date of death (positions 22-27) must be blank or YYMMDD, got "${dateOfDeath}".`);
    return {
      line: record.line,
      typeCode,
      returnCode: record.raw(4, 6),
      originalTrace: record.digits(7, 21, 'Original entry trace number'),
      dateOfDeath: dateOfDeath.trim(),
      originalRdfi: record.digits(28, 35, 'Original RDFI identification'),
      addendaInfo: record.field(36, 79),
      traceNumber: record.digits(80, 94, 'Trace number'),
    };
  }
  return record.fail(`addenda type "${typeCode}" is not supported (expected 05, 98 or 99).`);
}

/**
 * Parses and validates a NACHA file (LF or CRLF line endings, with or without a trailing newline):
 * record lengths, record types and their order, numeric fields, batch and file control counts,
 * entry hashes and totals, and the block count. The first problem throws a NachaFormatError
 * carrying its line number.
 */
export function parseNachaFile(text: string): NachaFile {
  const records = splitRecords(text);
  const first: Line = records[0]!;
  checkShape(first);
  if (first.raw(1, 1) !== '1') first.fail('the file must start with a file header (record type 1).');
  first.digits(2, 3, 'Priority code');
  const destination = first.raw(4, 13);
  if (!/^[ \d]\d{9}$/.test(destination)) first.fail(`Immediate destination (positions 4-13) must be a routing number, got "${destination}".`);
  first.digits(24, 29, 'File creation date');
  const creationTime = first.raw(30, 33);
  if (creationTime.trim() !== '' && !/^\d{4}$/.test(creationTime)) first.fail(`File creation time (positions 30-33) must be HHMM, got "${creationTime}".`);
  if (!/^[A-Z0-9]$/.test(first.raw(34, 34))) first.fail(`File id modifier must be A-Z or 0-9, got "${first.raw(34, 34)}".`);
  if (first.raw(35, 37) !== '094') first.fail(`Line size must be 094, got "${first.raw(35, 37)}".`);
  if (first.raw(38, 39) !== '10') first.fail(`Blocking factor must be 10, got "${first.raw(38, 39)}".`);
  if (first.raw(40, 40) !== '1') first.fail(`Format code must be 1, got "${first.raw(40, 40)}".`);

  const file: NachaFile = {
    header: {
      immediateDestination: destination.trim(),
      immediateOrigin: first.field(14, 23),
      creationDate: first.raw(24, 29),
      fileIdModifier: first.raw(34, 34),
      immediateDestinationName: first.field(41, 63),
      immediateOriginName: first.field(64, 86),
    },
    batches: [],
  };

  const fileTotals = emptyTotals();
  let batch: NachaBatch | null = null;
  let batchTotals = emptyTotals();
  let entry: NachaEntry | null = null;
  let entryExpectsAddenda = false;
  let fileControl: Line | null = null;
  let index = 1;

  for (; index < records.length; index++) {
    const record: Line = records[index]!;
    checkShape(record);
    const type = record.raw(1, 1);

    if (type === '5') {
      if (batch) record.fail(`batch header found before the batch control of the batch on line ${batch.line}.`);
      batch = {
        line: record.line,
        serviceClassCode: record.number(2, 4, 'Service class code'),
        companyName: record.field(5, 20),
        companyId: record.field(41, 50),
        secCode: record.raw(51, 53),
        companyEntryDescription: record.field(54, 63),
        effectiveEntryDate: record.digits(70, 75, 'Effective entry date'),
        odfiIdentification: record.digits(80, 87, 'Originating DFI identification'),
        batchNumber: record.number(88, 94, 'Batch number'),
        entries: [],
      };
      batchTotals = emptyTotals();
      entry = null;
      continue;
    }

    if (type === '6') {
      if (!batch) record.fail('entry detail record outside a batch.');
      if (entry && entryExpectsAddenda && entry.addenda.length === 0)
        record.fail(`the entry on line ${entry.line} announces an addenda record but none follows.`);
      const rdfi = record.digits(4, 11, 'Receiving DFI identification');
      const checkDigit = record.digits(12, 12, 'Check digit');
      const transactionCode = record.number(2, 3, 'Transaction code');
      const amount = record.bigint(30, 39, 'Amount');
      const indicator = record.raw(79, 79);
      if (indicator !== '0' && indicator !== '1') record.fail(`Addenda record indicator must be 0 or 1, got "${indicator}".`);
      entry = {
        line: record.line,
        transactionCode,
        rdfiRouting: rdfi + checkDigit,
        accountNumber: record.field(13, 29),
        amount,
        individualId: record.field(40, 54),
        individualName: record.field(55, 76),
        traceNumber: record.digits(80, 94, 'Trace number'),
        addenda: [],
      };
      entryExpectsAddenda = indicator === '1';
      batch.entries.push(entry);
      for (const totals of [batchTotals, fileTotals]) {
        totals.entryAndAddendaCount += 1;
        totals.entryHash = (totals.entryHash + BigInt(rdfi)) % ENTRY_HASH_MODULUS;
        if (isDebitTransactionCode(transactionCode)) totals.debitTotal += amount;
        else totals.creditTotal += amount;
      }
      continue;
    }

    if (type === '7') {
      if (!entry) record.fail('addenda record without an entry detail record before it.');
      if (!entryExpectsAddenda) record.fail(`addenda record after the entry on line ${entry.line}, whose addenda record indicator is 0.`);
      entry.addenda.push(parseAddenda(record));
      batchTotals.entryAndAddendaCount += 1;
      fileTotals.entryAndAddendaCount += 1;
      continue;
    }

    if (type === '8') {
      if (!batch) record.fail('batch control record without a batch header.');
      if (!entry) record.fail(`the batch on line ${batch.line} has no entries.`);
      if (entryExpectsAddenda && entry.addenda.length === 0) record.fail(`the entry on line ${entry.line} announces an addenda record but none follows.`);
      const serviceClassCode = record.number(2, 4, 'Service class code');
      if (serviceClassCode !== batch.serviceClassCode)
        record.fail(`service class code ${serviceClassCode} differs from the batch header's ${batch.serviceClassCode}.`);
      checkControl(record, 'Batch', batchTotals, { from: 5, to: 10 }, { hash: 11, debit: 21, credit: 33 });
      record.digits(80, 87, 'Originating DFI identification');
      const batchNumber = record.number(88, 94, 'Batch number');
      if (batchNumber !== batch.batchNumber) record.fail(`batch number ${batchNumber} differs from the batch header's ${batch.batchNumber}.`);
      file.batches.push(batch);
      batch = null;
      entry = null;
      continue;
    }

    if (type === '9') {
      if (batch) record.fail(`file control record before the batch control of the batch on line ${batch.line}.`);
      fileControl = record;
      break;
    }

    record.fail(`a file header (record type 1) may only be the first record.`);
  }

  if (!fileControl) {
    const last: Line = records.at(-1)!;
    return last.fail('the file ends without a file control record (record type 9).');
  }
  for (const padding of records.slice(index + 1)) {
    checkShape(padding);
    if (padding.text !== PADDING_RECORD) padding.fail('only padding records of 94 "9"s may follow the file control record.');
  }

  const batchCount = fileControl.number(2, 7, 'Batch count');
  if (batchCount !== file.batches.length) fileControl.fail(`batch count is ${batchCount}, but the file holds ${file.batches.length} batches.`);
  const blockCount = fileControl.number(8, 13, 'Block count');
  const expectedBlocks = Math.ceil(fileControl.line / BLOCKING_FACTOR);
  if (blockCount !== expectedBlocks)
    fileControl.fail(`block count is ${blockCount}, but ${fileControl.line} records make ${expectedBlocks} blocks of ${BLOCKING_FACTOR}.`);
  checkControl(fileControl, 'File', fileTotals, { from: 14, to: 21 }, { hash: 22, debit: 32, credit: 44 });
  return file;
}

const ACCOUNT_NUMBER = /^[0-9A-Za-z-]{1,17}$/;

function accountTypeOf(code: string, line: number): 'checking' | 'savings' {
  if (['22', '23', '27', '28'].includes(code)) return 'checking';
  if (['32', '33', '37', '38'].includes(code)) return 'savings';
  throw new NachaFormatError(line, `corrected transaction code "${code}" is not a checking or savings code.`);
}

function routingOf(value: string, line: number): string {
  if (!isAbaRoutingNumber(value)) throw new NachaFormatError(line, `corrected routing number "${value}" is not a valid routing number.`);
  return value;
}

function accountOf(value: string, line: number): string {
  const account = value.trim();
  // The message may reach the uploader and the logs: never the account number, only its end.
  const shown = account.length > 4 ? `${'•'.repeat(account.length - 4)}${account.slice(-4)}` : account;
  if (!ACCOUNT_NUMBER.test(account)) throw new NachaFormatError(line, `corrected account number "${shown}" cannot be read.`);
  return account;
}

/**
 * Reads the corrected data of a notification of change. The NACHA layouts are fixed (C03: routing in
 * 1-9, account in 13-29; C06: account in 1-17, code in 21-22; C07: routing 1-9, account 10-26, code
 * 27-28); the gaps are read as a whole so that data justified differently within its span still reads.
 */
function correctedDataOf(code: string, data: string, line: number): CorrectionEntry['corrected'] {
  const padded = data.padEnd(29, ' ');
  switch (code) {
    case 'C01':
      return { accountNumber: accountOf(padded.slice(0, 17), line) };
    case 'C02':
      return { routingNumber: routingOf(padded.slice(0, 9), line) };
    case 'C03':
      return { routingNumber: routingOf(padded.slice(0, 9), line), accountNumber: accountOf(padded.slice(9, 29), line) };
    case 'C05':
      return { accountType: accountTypeOf(padded.slice(0, 2), line) };
    case 'C06':
      return { accountNumber: accountOf(padded.slice(0, 17), line), accountType: accountTypeOf(padded.slice(17, 29).trim(), line) };
    case 'C07':
      return {
        routingNumber: routingOf(padded.slice(0, 9), line),
        accountNumber: accountOf(padded.slice(9, 26), line),
        accountType: accountTypeOf(padded.slice(26, 29).trim(), line),
      };
    default:
      return {};
  }
}

/**
 * Return entries (addenda 99) and notifications of change (addenda 98) of a parsed file; an unknown
 * R/C code or corrected data that cannot be read throws NachaFormatError with its line.
 */
export function returnEntriesOf(file: NachaFile): { returns: ReturnEntry[]; corrections: CorrectionEntry[] } {
  const returns: ReturnEntry[] = [];
  const corrections: CorrectionEntry[] = [];
  for (const batch of file.batches) {
    for (const entry of batch.entries) {
      for (const addenda of entry.addenda) {
        if (addenda.typeCode === '99') {
          const description = RETURN_CODES[addenda.returnCode];
          if (!description) throw new NachaFormatError(addenda.line, `unknown return reason code "${addenda.returnCode}".`);
          returns.push({
            line: addenda.line,
            code: addenda.returnCode,
            description,
            originalTrace: addenda.originalTrace,
            amount: entry.amount,
            transactionCode: entry.transactionCode,
          });
        } else if (addenda.typeCode === '98') {
          const description = CHANGE_CODES[addenda.changeCode];
          if (!description) throw new NachaFormatError(addenda.line, `unknown change code "${addenda.changeCode}".`);
          corrections.push({
            line: addenda.line,
            code: addenda.changeCode,
            description,
            originalTrace: addenda.originalTrace,
            corrected: correctedDataOf(addenda.changeCode, addenda.correctedData, addenda.line),
          });
        }
      }
    }
  }
  return { returns, corrections };
}
