import Papa from 'papaparse';

// Reading a payouts CSV without ever misreading money. Pure functions (no DOM), so the rules are
// unit tested (test/csv-import.test.ts) and the New batch page only draws what they decide.
// The rule throughout: an amount is read only when it can mean one thing; anything else is a
// problem the person fixes, never a guess. Money stays integer cents (bigint): no floating point.

export type Separator = ',' | ';' | '\t';

/** One payout being composed: the text as read or typed, checked again after every edit. */
export interface PayoutRow {
  /** The row's number as a spreadsheet shows the file (the header is row 1); stable while editing. */
  row: number;
  email: string;
  amount: string;
  description: string;
  reference: string;
  /** The file's separator: in a semicolon file a comma in an amount may be a decimal comma. */
  separator: Separator;
  /** A problem found while reading the file, which only the person can settle by editing the row. */
  importProblem?: { message: string; clearedBy: 'amount' | 'any' };
  /** The server's objection to this row on the last submit. */
  serverProblem?: string;
}

export type CsvImport = { ok: true; separator: Separator; rows: PayoutRow[]; ignoredColumns: string[] } | { ok: false; error: string };

export const SEPARATOR_NAMES: Record<Separator, string> = { ',': 'commas', ';': 'semicolons', '\t': 'tabs' };

type Column = 'email' | 'amount' | 'description' | 'reference';

// Header names are compared lower case with everything but letters and digits removed
// ("Payee Email", "payee_email" and "payeeEmail" are all "payeeemail"). Kept deliberately short.
const COLUMN_NAMES: Record<Column, string[]> = {
  email: ['email', 'emailaddress', 'payeeemail'],
  amount: ['amount', 'amountusd'],
  description: ['description', 'memo'],
  reference: ['reference', 'referenceid', 'ref'],
};

const MAX_EMAIL = 320;
const MAX_DESCRIPTION = 1000;
const MAX_REFERENCE = 255;
const MAX_CENTS = BigInt(Number.MAX_SAFE_INTEGER);

const normalizeHeader = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The separator is whichever of comma, semicolon or tab the header row uses most (comma on a tie). */
export function detectSeparator(headerLine: string): Separator {
  const unquoted = headerLine.replace(/"[^"]*"/g, '');
  const count = (c: string) => unquoted.split(c).length - 1;
  let best: Separator = ',';
  for (const candidate of [';', '\t'] as const) if (count(candidate) > count(best)) best = candidate;
  return best;
}

/** Reads a payouts CSV: the header row names the columns, every other row is one payout. */
export function readPayoutCsv(input: string): CsvImport {
  const text = input.replace(/^\uFEFF/, '');
  if (text.trim() === '') return { ok: false, error: 'The file is empty.' };
  const separator = detectSeparator(text.trimStart().split(/\r?\n|\r/, 1)[0]!);
  const parsed = Papa.parse<string[]>(text, { delimiter: separator, skipEmptyLines: 'greedy', header: false, dynamicTyping: false });
  if (parsed.errors.length > 0) {
    const near = parsed.data.length;
    return { ok: false, error: `The file could not be read near row ${near}: ${parsed.errors[0]!.message.toLowerCase()} (a " without its pair?).` };
  }
  const [header = [], ...records] = parsed.data;
  const columns = matchColumns(header);
  if (!columns.ok) return columns;
  if (records.length === 0) return { ok: false, error: 'The file has a header row but no payouts.' };
  const rows = records.map((cells, i) => rowFromCells(cells, i + 2, header.length, columns.index, separator));
  return { ok: true, separator, rows, ignoredColumns: columns.ignored };
}

function matchColumns(header: string[]): { ok: true; index: Record<Column, number>; ignored: string[] } | { ok: false; error: string } {
  const index: Record<Column, number> = { email: -1, amount: -1, description: -1, reference: -1 };
  const ignored: string[] = [];
  for (const [i, name] of header.entries()) {
    const column = (Object.keys(COLUMN_NAMES) as Column[]).find((c) => COLUMN_NAMES[c].includes(normalizeHeader(name)));
    if (!column) {
      if (name.trim()) ignored.push(name.trim());
      continue;
    }
    if (index[column] !== -1)
      return { ok: false, error: `The header names the ${column} column twice ("${header[index[column]]!.trim()}" and "${name.trim()}").` };
    index[column] = i;
  }
  const missing = (['email', 'amount'] as const).filter((c) => index[c] === -1);
  if (missing.length > 0) {
    const found = header.map((h) => h.trim()).filter(Boolean);
    return {
      ok: false,
      error: `The first row must name the columns: ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing (found: ${found.join(', ') || 'nothing'}). Columns: email, amount, description, reference.`,
    };
  }
  return { ok: true, index, ignored };
}

const SPLIT_MESSAGE = 'amount looks split by a thousands separator — quote it or remove the comma';

function rowFromCells(cells: string[], row: number, headerLength: number, index: Record<Column, number>, separator: Separator): PayoutRow {
  let values = cells;
  let importProblem: PayoutRow['importProblem'];
  // A trailing separator (some spreadsheets write one) adds only empty values: harmless.
  while (values.length > headerLength && values[values.length - 1]!.trim() === '') values = values.slice(0, -1);
  const extra = values.length - headerLength;
  if (extra > 0) {
    const at = index.amount;
    const pieces = values.slice(at, at + extra + 1);
    if (looksLikeSplitThousands(pieces)) {
      // Shown joined so the person sees what the file said; flagged until they edit the amount.
      values = [...values.slice(0, at), pieces.join(separator), ...values.slice(at + extra + 1)];
      importProblem = { message: SPLIT_MESSAGE, clearedBy: 'amount' };
    } else {
      const name = SEPARATOR_NAMES[separator];
      importProblem = {
        message: `row has ${values.length} values but the header names ${headerLength} columns — a value contains one of the ${name} without quotes`,
        clearedBy: 'any',
      };
    }
  }
  const cell = (column: Column) => (index[column] === -1 ? '' : (values[index[column]] ?? '').trim());
  return {
    row,
    email: cell('email'),
    amount: cell('amount'),
    description: cell('description'),
    reference: cell('reference'),
    separator,
    ...(importProblem ? { importProblem } : {}),
  };
}

/** "1" + "000", "$12" + "345" + "678.90": an amount a thousands comma cut into unquoted pieces. */
function looksLikeSplitThousands(pieces: string[]): boolean {
  const [first, ...rest] = pieces.map((p) => p.trim());
  if (!first || rest.length === 0 || !/^\$?\s*\d{1,3}$/.test(first)) return false;
  return rest.every((p, i) => (i === rest.length - 1 ? /^\d{3}(\.\d*)?$/.test(p) : /^\d{3}$/.test(p)));
}

export type AmountReading = { ok: true; cents: bigint } | { ok: false; problem: string };

const fail = (problem: string): AmountReading => ({ ok: false, problem });

/**
 * Dollars to cents, only when the text can mean one amount: `1234.56`, `1234`, `$1,234.56`
 * (thousands commas, strictly in groups of three, outside semicolon files). Everything else is a
 * problem in words: more than two decimals, decimal commas, European `1.000,50`, currency codes or
 * symbols other than a leading `$`, negative or zero amounts, formulas.
 */
export function parseAmount(input: string, separator: Separator = ','): AmountReading {
  const text = input.trim();
  if (text === '') return fail('amount is missing');
  if (/^[-−]|^\(.*\)$|[-−]$/.test(text) || /^\$\s*-/.test(text)) return fail('amount is negative — a payout must be greater than zero');
  if (/^[=+@]/.test(text)) return fail('amount looks like a spreadsheet formula — write the number, like 1234.56');
  const code = /[A-Za-z]+/.exec(text);
  if (code) return fail(`amount has a currency code or word (${code[0]}) — write plain dollars, like 1234.56`);
  const symbol = /[^\d.,$\s]/.exec(text);
  if (symbol) return fail(`amount has “${symbol[0]}” in it — only dollars are paid; write 1234.56 or $1,234.56`);
  if (/.\$/.test(text)) return fail('amount has a “$” that is not at the start — write 1234.56 or $1,234.56');
  const number = text.replace(/^\$\s*/, '');
  if (/\s/.test(number)) return fail('amount has a space inside the number — write 1234.56');
  if (/^\d{1,3}(\.\d{3})+,\d+$/.test(number)) return fail(`amount is written the European way (${number}) — write it like 1234.56`);
  if (number.includes(',')) {
    if (/^\d+,\d{1,2}$/.test(number)) return fail(`amount uses a decimal comma (${number}) — write it with a dot, like 12.50`);
    if (separator === ';') return fail(`amount has a comma (${number}), which a semicolon-separated file may use as a decimal mark — write it like 1234.56`);
    if (!/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(number)) return fail(`amount has commas in unexpected places (${number}) — write it like 1234.56`);
  }
  const plain = number.replaceAll(',', '');
  const decimals = /^\d*\.(\d+)$/.exec(plain);
  if (decimals && decimals[1]!.length > 2)
    return fail(`amount has more than two decimals (${number}) — cents are the smallest unit; if the dot separates thousands, remove it`);
  if (!/^(\d+|\d*\.\d{1,2})$/.test(plain)) return fail('amount must be dollars, like 1234.56 or $1,234.56');
  const [units = '', fraction = ''] = plain.split('.');
  const cents = BigInt(units || '0') * 100n + BigInt(fraction.padEnd(2, '0'));
  if (cents === 0n) return fail('amount must be greater than zero');
  if (cents > MAX_CENTS) return fail('amount is too large');
  return { ok: true, cents };
}

// The server's own check (ajv-formats "email", full mode), so a row shown OK is not refused.
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

/** Text a spreadsheet would run as a formula when the value is opened again (SPEC "Sensitive data"). */
const looksLikeFormula = (text: string) => /^[=@]/.test(text) || /^[+-][^\s]/.test(text);

export interface RowCheck {
  problems: string[];
  /** The amount when it reads as one. */
  cents?: bigint;
  /** What makes two rows the same payout (email, amount, reference), when the amount reads. */
  payoutKey?: string;
  /** The reference, compared without case. */
  referenceKey?: string;
}

/** The row on its own: every problem in words (empty when it can be paid). */
export function checkRow(row: PayoutRow): RowCheck {
  const problems: string[] = [];
  if (row.importProblem) problems.push(row.importProblem.message);
  if (row.serverProblem) problems.push(row.serverProblem);
  const email = row.email.trim();
  if (email === '') problems.push('email is missing');
  else if (looksLikeFormula(email)) problems.push('email looks like a spreadsheet formula');
  else if (email.length > MAX_EMAIL || !EMAIL.test(email)) problems.push('not a valid email');
  const amount = row.importProblem?.clearedBy === 'amount' ? undefined : parseAmount(row.amount, row.separator);
  if (amount && !amount.ok) problems.push(amount.problem);
  const description = row.description.trim();
  if (description.length > MAX_DESCRIPTION) problems.push(`description is too long (${description.length} characters, at most ${MAX_DESCRIPTION})`);
  else if (looksLikeFormula(description)) problems.push(`description starts with “${description[0]}” like a spreadsheet formula — remove that character`);
  const reference = row.reference.trim();
  if (reference.length > MAX_REFERENCE) problems.push(`reference is too long (${reference.length} characters, at most ${MAX_REFERENCE})`);
  else if (looksLikeFormula(reference)) problems.push(`reference starts with “${reference[0]}” like a spreadsheet formula — remove that character`);
  if ([row.email, row.amount, row.description, row.reference].some((v) => v.includes('\uFFFD'))) {
    problems.push('has characters that were not UTF-8 — save the file as “CSV UTF-8” and upload it again');
  }
  const cents = amount?.ok && !row.importProblem ? amount.cents : undefined;
  const referenceKey = reference.toLowerCase();
  return {
    problems,
    ...(cents === undefined ? {} : { cents }),
    ...(cents !== undefined && email ? { payoutKey: `${email.toLowerCase()}\n${cents}\n${referenceKey}` } : {}),
    ...(referenceKey ? { referenceKey } : {}),
  };
}

/**
 * Every row checked, plus duplicates across rows. The same email, amount and reference again (a
 * row pasted twice) flags the later copies only, so removing the rows with problems keeps one.
 * The same reference on two different payouts flags both: which one is right is not ours to guess.
 */
export function checkRows(rows: PayoutRow[], checkOne: (row: PayoutRow) => RowCheck = checkRow): RowCheck[] {
  const checks = rows.map(checkOne);
  // Copy on write: `checkOne` may answer remembered checks (the page's does), which must not change.
  const add = (i: number, problem: string) => {
    checks[i] = { ...checks[i]!, problems: [...checks[i]!.problems, problem] };
  };
  const firstByPayout = new Map<string, number>();
  const firstByReference = new Map<string, number>();
  for (const [i, { payoutKey, referenceKey }] of checks.entries()) {
    if (payoutKey !== undefined) {
      const first = firstByPayout.get(payoutKey);
      if (first !== undefined) {
        const what = referenceKey ? 'email, amount and reference' : 'email and amount, and no reference,';
        add(i, `same ${what} as row ${rows[first]!.row} — paid twice? Give each its own reference if both are meant`);
        continue;
      }
      firstByPayout.set(payoutKey, i);
    }
    if (referenceKey) {
      const first = firstByReference.get(referenceKey);
      if (first === undefined) firstByReference.set(referenceKey, i);
      else {
        const reference = rows[i]!.reference.trim();
        add(first, `reference ${reference} is also on row ${rows[i]!.row}`);
        add(i, `reference ${reference} is already on row ${rows[first]!.row} — references must be unique`);
      }
    }
  }
  return checks;
}

/** Cents to "$1,234.56", exactly, for any size (no floating point). */
export function formatCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  const dollars = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}$${dollars}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/**
 * `checkRow` remembering its answer per row until one of the row's values changes: with 15,000
 * rows, an edit then checks one row again (plus the duplicates pass), not all of them.
 */
export function rememberingCheckRow(): (row: PayoutRow) => RowCheck {
  const seen = new WeakMap<PayoutRow, { values: unknown[]; check: RowCheck }>();
  const valuesOf = (row: PayoutRow) => [row.email, row.amount, row.description, row.reference, row.separator, row.importProblem, row.serverProblem];
  return (row) => {
    const values = valuesOf(row);
    const known = seen.get(row);
    if (known?.values.every((value, i) => value === values[i])) return known.check;
    const check = checkRow(row);
    seen.set(row, { values, check });
    return check;
  };
}
