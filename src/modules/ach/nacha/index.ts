// TEMPORARY (returns branch only): a minimal stand-in for the format engineer's nacha/ module, with
// the contract's exact API, so the returns code compiles and its tests run before the real one
// lands on main. Deleted when main is merged.

export class NachaFormatError extends Error {
  constructor(
    readonly line: number,
    what: string,
  ) {
    super(`Line ${line}: ${what}`);
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

export const RETURN_CODES: Readonly<Record<string, string>> = {
  R01: 'Insufficient funds',
  R02: 'Account closed',
  R03: 'No account/unable to locate account',
  R04: 'Invalid account number structure',
  R06: 'Returned per ODFI’s request',
  R20: 'Non-transaction account',
};
export const CHANGE_CODES: Readonly<Record<string, string>> = {
  C01: 'Incorrect bank account number',
  C02: 'Incorrect transit/routing number',
  C03: 'Incorrect transit/routing number and bank account number',
  C05: 'Incorrect transaction code',
  C06: 'Incorrect bank account number and transaction code',
  C07: 'Incorrect transit/routing number, bank account number and transaction code',
};
export const INVALIDATING_RETURN_CODES = ['R02', 'R03', 'R04', 'R20'];
export const APPLIED_CHANGE_CODES = ['C01', 'C02', 'C03', 'C05', 'C06', 'C07'];

const field = (record: string, from: number, to: number) => record.slice(from - 1, to);

export function parseNachaFile(text: string): NachaFile {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  let header: NachaFile['header'] | undefined;
  const batches: NachaBatch[] = [];
  let batch: NachaBatch | undefined;
  let entry: NachaEntry | undefined;
  let ended = false;
  lines.forEach((record, index) => {
    const line = index + 1;
    if (record.length !== 94) throw new NachaFormatError(line, `record is ${record.length} characters, expected 94.`);
    const type = record[0];
    if (ended) {
      if (record !== '9'.repeat(94)) throw new NachaFormatError(line, 'only padding may follow the file control record.');
      return;
    }
    if (!header && type !== '1') throw new NachaFormatError(line, 'the file must start with a file header (record type 1).');
    if (type === '1') {
      if (header) throw new NachaFormatError(line, 'a second file header.');
      header = {
        immediateDestination: field(record, 4, 13).trim(),
        immediateOrigin: field(record, 14, 23),
        creationDate: field(record, 24, 29),
        fileIdModifier: field(record, 34, 34),
        immediateDestinationName: field(record, 41, 63).trim(),
        immediateOriginName: field(record, 64, 86).trim(),
      };
    } else if (type === '5') {
      if (batch) throw new NachaFormatError(line, 'a batch header inside an open batch.');
      batch = {
        line,
        serviceClassCode: Number(field(record, 2, 4)),
        companyName: field(record, 5, 20).trim(),
        companyId: field(record, 41, 50),
        secCode: field(record, 51, 53),
        companyEntryDescription: field(record, 54, 63).trim(),
        effectiveEntryDate: field(record, 70, 75),
        odfiIdentification: field(record, 80, 87),
        batchNumber: Number(field(record, 88, 94)),
        entries: [],
      };
      batches.push(batch);
    } else if (type === '6') {
      if (!batch) throw new NachaFormatError(line, 'an entry outside a batch.');
      const amount = field(record, 30, 39);
      if (!/^\d{10}$/.test(amount)) throw new NachaFormatError(line, 'the amount is not 10 digits.');
      entry = {
        line,
        transactionCode: Number(field(record, 2, 3)),
        rdfiRouting: field(record, 4, 12),
        accountNumber: field(record, 13, 29).trim(),
        amount: BigInt(amount),
        individualId: field(record, 40, 54).trim(),
        individualName: field(record, 55, 76).trim(),
        traceNumber: field(record, 80, 94),
        addenda: [],
      };
      batch.entries.push(entry);
    } else if (type === '7') {
      if (!entry) throw new NachaFormatError(line, 'an addenda record without an entry.');
      const typeCode = field(record, 2, 3);
      if (typeCode === '99') {
        entry.addenda.push({
          line,
          typeCode,
          returnCode: field(record, 4, 6),
          originalTrace: field(record, 7, 21),
          dateOfDeath: field(record, 22, 27),
          originalRdfi: field(record, 28, 35),
          addendaInfo: field(record, 36, 79),
          traceNumber: field(record, 80, 94),
        });
      } else if (typeCode === '98') {
        entry.addenda.push({
          line,
          typeCode,
          changeCode: field(record, 4, 6),
          originalTrace: field(record, 7, 21),
          originalRdfi: field(record, 28, 35),
          correctedData: field(record, 36, 64),
          traceNumber: field(record, 80, 94),
        });
      } else entry.addenda.push({ line, typeCode: '05', paymentInfo: field(record, 4, 83) });
    } else if (type === '8') {
      if (!batch) throw new NachaFormatError(line, 'a batch control without a batch.');
      batch = undefined;
      entry = undefined;
    } else if (type === '9') {
      if (batch) throw new NachaFormatError(line, 'the file control record inside an open batch.');
      ended = true;
    } else throw new NachaFormatError(line, `unknown record type "${type}".`);
  });
  if (!header || !ended) throw new NachaFormatError(lines.length, 'the file has no file control record.');
  return { header, batches };
}

const accountTypeOf = (code: string, line: number): 'checking' | 'savings' => {
  if (/^2\d$/.test(code)) return 'checking';
  if (/^3\d$/.test(code)) return 'savings';
  throw new NachaFormatError(line, `corrected transaction code "${code}" is not a checking or savings code.`);
};

function correctedOf(code: string, data: string, line: number): CorrectionEntry['corrected'] {
  const account = (s: string) => s.trim();
  switch (code) {
    case 'C01':
      return { accountNumber: account(data.slice(0, 17)) };
    case 'C02':
      return { routingNumber: data.slice(0, 9) };
    case 'C03':
      return { routingNumber: data.slice(0, 9), accountNumber: account(data.slice(12, 29)) };
    case 'C05':
      return { accountType: accountTypeOf(data.slice(0, 2), line) };
    case 'C06':
      return { accountNumber: account(data.slice(0, 17)), accountType: accountTypeOf(data.slice(20, 22), line) };
    case 'C07':
      return { routingNumber: data.slice(0, 9), accountNumber: account(data.slice(9, 26)), accountType: accountTypeOf(data.slice(26, 28), line) };
    default:
      return {};
  }
}

export function returnEntriesOf(file: NachaFile): { returns: ReturnEntry[]; corrections: CorrectionEntry[] } {
  const returns: ReturnEntry[] = [];
  const corrections: CorrectionEntry[] = [];
  for (const batch of file.batches) {
    for (const entry of batch.entries) {
      for (const a of entry.addenda) {
        if (a.typeCode === '99') {
          const description = RETURN_CODES[a.returnCode];
          if (!description) throw new NachaFormatError(a.line, `unknown return code "${a.returnCode}".`);
          returns.push({
            line: a.line,
            code: a.returnCode,
            description,
            originalTrace: a.originalTrace,
            amount: entry.amount,
            transactionCode: entry.transactionCode,
          });
        } else if (a.typeCode === '98') {
          const description = CHANGE_CODES[a.changeCode];
          if (!description) throw new NachaFormatError(a.line, `unknown change code "${a.changeCode}".`);
          corrections.push({
            line: a.line,
            code: a.changeCode,
            description,
            originalTrace: a.originalTrace,
            corrected: correctedOf(a.changeCode, a.correctedData, a.line),
          });
        }
      }
    }
  }
  return { returns, corrections };
}
