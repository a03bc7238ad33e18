import {
  alpha,
  BLOCKING_FACTOR,
  ENTRY_HASH_MODULUS,
  isAbaRoutingNumber,
  isDebitTransactionCode,
  nachaText,
  numeric,
  PADDING_RECORD,
  RECORD_LENGTH,
} from './fields.js';

export interface FileHeader {
  /** 9-digit routing number (written as ' ' + 9 digits). */
  immediateDestination: string;
  /** Up to 10 characters as configured (e.g. '1234567890' or ' 12345678x'), right-justified, space padded to 10. */
  immediateOrigin: string;
  immediateDestinationName: string;
  immediateOriginName: string;
  /** YYMMDD */
  creationDate: string;
  /** HHMM */
  creationTime: string;
  /** One of A-Z 0-9. */
  fileIdModifier: string;
  referenceCode?: string;
}

export interface BatchHeader {
  /** 200 mixed debits and credits (balanced files), 220 credits only. */
  serviceClassCode: 200 | 220;
  companyName: string;
  companyDiscretionaryData?: string;
  companyId: string;
  secCode: 'PPD' | 'CCD';
  companyEntryDescription: string;
  companyDescriptiveDate?: string;
  /** YYMMDD */
  effectiveEntryDate: string;
  /** 8 digits: the ODFI routing number without its check digit. */
  odfiIdentification: string;
  batchNumber: number;
}

export interface EntryDetail {
  /** 22/32 credit checking/savings, 27/37 debit checking/savings (the offset entry). */
  transactionCode: 22 | 32 | 27 | 37;
  /** 9 digits (8 + check digit). */
  rdfiRouting: string;
  accountNumber: string;
  /** Cents, 0 < amount <= MAX_ENTRY_AMOUNT. */
  amount: bigint;
  individualId: string;
  individualName: string;
  discretionaryData?: string;
  /** 15 digits: the ODFI identification then a 7-digit sequence, ascending within the batch. */
  traceNumber: string;
}

export const MAX_ENTRY_AMOUNT = 9_999_999_999n;

const TRANSACTION_CODES = new Set([22, 32, 27, 37]);
const SERVICE_CLASS_CODES = new Set([200, 220]);
const SEC_CODES = new Set(['PPD', 'CCD']);

interface Totals {
  entryAndAddendaCount: number;
  entryHash: bigint;
  debitTotal: bigint;
  creditTotal: bigint;
}

type WriterState = 'new' | 'file' | 'batch' | 'finished';

const emptyTotals = (): Totals => ({ entryAndAddendaCount: 0, entryHash: 0n, debitTotal: 0n, creditTotal: 0n });

function record(text: string): string {
  // A bug in a field width must never reach a bank: every record is checked before it is handed out.
  if (text.length !== RECORD_LENGTH) throw new Error(`Internal error: record type ${text[0]} is ${text.length} characters, expected ${RECORD_LENGTH}.`);
  return `${text}\n`;
}

function requireDigits(value: string, length: number, what: string): void {
  if (!new RegExp(`^\\d{${length}}$`).test(value)) throw new Error(`${what} must be ${length} digits.`);
}

function requireAtMost(value: string, width: number, what: string): void {
  if (nachaText(value).trim().length > width) throw new Error(`${what} must be at most ${width} characters.`);
}

/**
 * Streams a NACHA file: each call returns complete 94-character records, each followed by '\n'.
 * Keeps running counts, entry hash and totals itself; text fields are upper-cased, characters
 * outside the NACHA set replaced by spaces, and names truncated/padded to their widths.
 * Identifiers that cannot be truncated without sending money elsewhere (routing and account
 * numbers, company id, trace numbers) are validated instead, and a bad one throws.
 */
export class NachaWriter {
  private state: WriterState = 'new';
  private recordCount = 0;
  private batchCount = 0;
  private readonly file: Totals = emptyTotals();
  private batch: Totals = emptyTotals();
  private batchHeader: BatchHeader | null = null;
  private lastTrace: string | null = null;

  constructor(private readonly header: FileHeader) {
    requireDigits(header.immediateDestination, 9, 'Immediate destination');
    if (nachaText(header.immediateOrigin).length > 10 || header.immediateOrigin.trim() === '') throw new Error('Immediate origin must be 1 to 10 characters.');
    requireDigits(header.creationDate, 6, 'Creation date');
    requireDigits(header.creationTime, 4, 'Creation time');
    if (!/^[A-Z0-9]$/.test(header.fileIdModifier)) throw new Error('File id modifier must be one of A-Z or 0-9.');
  }

  start(): string {
    this.expect('new', 'start()');
    const h = this.header;
    this.state = 'file';
    return this.emit(
      '1' +
        '01' +
        ` ${h.immediateDestination}` +
        nachaText(h.immediateOrigin).padStart(10, ' ') +
        h.creationDate +
        h.creationTime +
        h.fileIdModifier +
        '094' +
        numeric(BLOCKING_FACTOR, 2, 'Blocking factor') +
        '1' +
        alpha(h.immediateDestinationName, 23) +
        alpha(h.immediateOriginName, 23) +
        alpha(h.referenceCode ?? '', 8),
    );
  }

  startBatch(header: BatchHeader): string {
    this.expect('file', 'startBatch()');
    if (!SERVICE_CLASS_CODES.has(header.serviceClassCode)) throw new Error(`Service class code ${header.serviceClassCode} is not supported.`);
    if (!SEC_CODES.has(header.secCode)) throw new Error(`SEC code ${header.secCode} is not supported.`);
    requireAtMost(header.companyId, 10, 'Company id');
    if (header.companyId.trim() === '') throw new Error('Company id is required.');
    requireDigits(header.effectiveEntryDate, 6, 'Effective entry date');
    requireDigits(header.odfiIdentification, 8, 'ODFI identification');
    if (!Number.isInteger(header.batchNumber) || header.batchNumber < 1 || header.batchNumber > 9_999_999)
      throw new Error('Batch number must be 1 to 9999999.');
    this.state = 'batch';
    this.batchHeader = header;
    this.batch = emptyTotals();
    this.lastTrace = null;
    this.batchCount += 1;
    return this.emit(
      '5' +
        numeric(header.serviceClassCode, 3, 'Service class code') +
        alpha(header.companyName, 16) +
        alpha(header.companyDiscretionaryData ?? '', 20) +
        alpha(header.companyId, 10) +
        header.secCode +
        alpha(header.companyEntryDescription, 10) +
        alpha(header.companyDescriptiveDate ?? '', 6) +
        header.effectiveEntryDate +
        '   ' + // settlement date: inserted by the ACH operator
        '1' + // originator status code: 1 = the ODFI is bound by the NACHA rules
        header.odfiIdentification +
        numeric(header.batchNumber, 7, 'Batch number'),
    );
  }

  entry(entry: EntryDetail): string {
    this.expect('batch', 'entry()');
    const batchHeader = this.batchHeader!;
    if (!TRANSACTION_CODES.has(entry.transactionCode)) throw new Error(`Transaction code ${entry.transactionCode} is not supported.`);
    const debit = isDebitTransactionCode(entry.transactionCode);
    if (debit && batchHeader.serviceClassCode === 220) throw new Error('A credits-only batch (service class 220) cannot hold a debit entry.');
    if (!isAbaRoutingNumber(entry.rdfiRouting)) throw new Error('RDFI routing number is not a valid ABA routing number.');
    const account = entry.accountNumber.trim().toUpperCase();
    if (!/^[0-9A-Z-]{1,17}$/.test(account)) throw new Error('Account number must be 1 to 17 characters of digits, letters or hyphens.');
    if (typeof entry.amount !== 'bigint' || entry.amount <= 0n || entry.amount > MAX_ENTRY_AMOUNT) {
      throw new Error(`Entry amount must be between 1 and ${MAX_ENTRY_AMOUNT} cents.`);
    }
    requireDigits(entry.traceNumber, 15, 'Trace number');
    if (!entry.traceNumber.startsWith(batchHeader.odfiIdentification)) throw new Error('Trace number must start with the ODFI identification.');
    if (this.lastTrace !== null && entry.traceNumber <= this.lastTrace) throw new Error('Trace numbers must be ascending within a batch.');
    this.lastTrace = entry.traceNumber;

    const rdfi = entry.rdfiRouting.slice(0, 8);
    for (const totals of [this.batch, this.file]) {
      totals.entryAndAddendaCount += 1;
      totals.entryHash = (totals.entryHash + BigInt(rdfi)) % ENTRY_HASH_MODULUS;
      if (debit) totals.debitTotal += entry.amount;
      else totals.creditTotal += entry.amount;
    }
    return this.emit(
      '6' +
        numeric(entry.transactionCode, 2, 'Transaction code') +
        entry.rdfiRouting +
        account.padEnd(17, ' ') +
        numeric(entry.amount, 10, 'Amount') +
        alpha(entry.individualId, 15) +
        alpha(entry.individualName, 22) +
        alpha(entry.discretionaryData ?? '', 2) +
        '0' + // no addenda
        entry.traceNumber,
    );
  }

  endBatch(): string {
    this.expect('batch', 'endBatch()');
    const header = this.batchHeader!;
    if (this.batch.entryAndAddendaCount === 0) throw new Error('A batch needs at least one entry.');
    this.state = 'file';
    this.batchHeader = null;
    return this.emit(
      '8' +
        numeric(header.serviceClassCode, 3, 'Service class code') +
        numeric(this.batch.entryAndAddendaCount, 6, 'Batch entry/addenda count') +
        numeric(this.batch.entryHash, 10, 'Batch entry hash') +
        numeric(this.batch.debitTotal, 12, 'Batch debit total') +
        numeric(this.batch.creditTotal, 12, 'Batch credit total') +
        alpha(header.companyId, 10) +
        ' '.repeat(19) + // message authentication code
        ' '.repeat(6) + // reserved
        header.odfiIdentification +
        numeric(header.batchNumber, 7, 'Batch number'),
    );
  }

  finish(): string {
    this.expect('file', 'finish()');
    this.state = 'finished';
    const records = this.recordCount + 1;
    const blocks = Math.ceil(records / BLOCKING_FACTOR);
    const control = record(
      '9' +
        numeric(this.batchCount, 6, 'Batch count') +
        numeric(blocks, 6, 'Block count') +
        numeric(this.file.entryAndAddendaCount, 8, 'File entry/addenda count') +
        numeric(this.file.entryHash, 10, 'File entry hash') +
        numeric(this.file.debitTotal, 12, 'File debit total') +
        numeric(this.file.creditTotal, 12, 'File credit total') +
        ' '.repeat(39),
    );
    this.recordCount = records;
    const padding = `${PADDING_RECORD}\n`.repeat(blocks * BLOCKING_FACTOR - records);
    return control + padding;
  }

  private emit(text: string): string {
    const out = record(text);
    this.recordCount += 1;
    return out;
  }

  private expect(state: WriterState, call: string): void {
    if (this.state !== state) throw new Error(`NachaWriter.${call} called out of order (state: ${this.state}).`);
  }
}
