import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkRows, formatCents, parseAmount, type PayoutRow, readPayoutCsv, rememberingCheckRow } from '../dashboard/src/csv-import.js';
import { parseDollars } from '../dashboard/src/format.js';

// The dashboard's CSV reader (dashboard/src/csv-import.ts): pure functions, checked here on the
// files of test/fixtures/csv and on the amounts that must never be guessed.
const fixture = (name: string) => readFileSync(new URL(`fixtures/csv/${name}`, import.meta.url), 'utf8');

function read(text: string) {
  const result = readPayoutCsv(text);
  if (!result.ok) throw new Error(`expected a readable file, got: ${result.error}`);
  const checks = checkRows(result.rows);
  return { ...result, checks, problems: checks.map((c) => c.problems) };
}

const row = (fields: Partial<PayoutRow>): PayoutRow => ({
  row: 2,
  email: 'ana@example.com',
  amount: '10',
  description: '',
  reference: '',
  separator: ',',
  ...fields,
});

describe('reading a payouts CSV', () => {
  it('reads a semicolon file; decimal commas and European amounts are flagged, not read', () => {
    const { separator, rows, checks, problems } = read(fixture('semicolon.csv'));
    expect(separator).toBe(';');
    expect(rows.map((r) => [r.row, r.email, r.amount, r.reference])).toEqual([
      [2, 'ana@example.com', '1250.00', 'INV-1001'],
      [3, 'ben@example.com', '$980', 'INV-1002'],
      [4, 'cleo@example.com', '12,50', 'INV-1003'],
      [5, 'dev@example.com', '1.000,50', 'INV-1004'],
    ]);
    expect(checks.map((c) => c.cents)).toEqual([125_000n, 98_000n, undefined, undefined]);
    expect(problems[2]).toEqual(['amount uses a decimal comma (12,50) — write it with a dot, like 12.50']);
    expect(problems[3]).toEqual(['amount is written the European way (1.000,50) — write it like 1234.56']);
  });

  it('reads a tab file, with thousands commas and commas inside values', () => {
    const { separator, rows, checks, problems } = read(fixture('tab.csv'));
    expect(separator).toBe('\t');
    expect(rows[1]!.description).toBe('Copy editing, proofreading');
    expect(checks.map((c) => c.cents)).toEqual([125_000n, 7_500n]);
    expect(problems).toEqual([[], []]);
  });

  it('flags an unquoted 1,000 (split into two values) and reads a quoted "1,000.00"', () => {
    const { rows, checks, problems } = read(fixture('unquoted-thousands.csv'));
    // The split row is shown as the file had it, with its other columns in place, and not paid.
    expect(rows[0]).toMatchObject({ email: 'ana@example.com', amount: '1,000', description: 'October design work', reference: 'INV-3001' });
    expect(checks[0]!.cents).toBeUndefined();
    expect(problems[0]).toEqual(['amount looks split by a thousands separator — quote it or remove the comma']);
    expect(checks[1]!.cents).toBe(100_000n);
    expect(problems[1]).toEqual([]);
    expect(checks[2]!.cents).toBe(25_000n);
  });

  it('re-checks a split row once its amount is edited, and not before', () => {
    const { rows } = read(fixture('unquoted-thousands.csv'));
    const split = rows[0]!;
    const emailEdited = { ...split, email: 'ana.lima@example.com' };
    expect(checkRows([emailEdited])[0]!.problems).toHaveLength(1);
    const { importProblem: _, ...amountEdited } = { ...split, amount: '1000' };
    expect(checkRows([amountEdited])[0]).toMatchObject({ problems: [], cents: 100_000n });
  });

  it('flags a row with more values than the header when it is not a split amount', () => {
    const { rows, problems } = read('email,amount,description\nana@example.com,10,Design, October\n');
    expect(rows[0]!.description).toBe('Design');
    expect(problems[0]).toEqual(['row has 4 values but the header names 3 columns — a value contains one of the commas without quotes']);
  });

  it('tolerates a trailing separator', () => {
    expect(read('email,amount\nana@example.com,10,\n').problems).toEqual([[]]);
  });

  it('strips a UTF-8 byte order mark before the header', () => {
    const text = fixture('bom.csv');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const { rows, checks, problems } = read(text);
    expect(rows.map((r) => r.email)).toEqual(['ana@example.com', 'ben@example.com']);
    expect(checks.map((c) => c.cents)).toEqual([125_000n, 7_550n]);
    expect(problems).toEqual([[], []]);
  });

  it('matches header names in any case, with a few synonyms, and lists the columns it ignores', () => {
    const result = read('Payee Email,AMOUNT,Memo,Reference ID,Name\nana@example.com,10,Design,INV-1,Ana\n');
    expect(result.rows[0]).toMatchObject({ email: 'ana@example.com', amount: '10', description: 'Design', reference: 'INV-1' });
    expect(result.ignoredColumns).toEqual(['Name']);
  });

  it('refuses a file without the email or amount column, saying what it found', () => {
    expect(readPayoutCsv('email,total\nana@example.com,10\n')).toEqual({
      ok: false,
      error: 'The first row must name the columns: amount is missing (found: email, total). Columns: email, amount, description, reference.',
    });
    expect(readPayoutCsv('ana@example.com,10\n')).toMatchObject({ ok: false, error: expect.stringContaining('email and amount are missing') });
    expect(readPayoutCsv('email,amount,Email\n')).toMatchObject({ ok: false, error: expect.stringContaining('names the email column twice') });
  });

  it('refuses an empty file and a header without rows', () => {
    expect(readPayoutCsv('')).toEqual({ ok: false, error: 'The file is empty.' });
    expect(readPayoutCsv('\uFEFF \r\n\r\n')).toEqual({ ok: false, error: 'The file is empty.' });
    expect(readPayoutCsv('email,amount\r\n\r\n')).toEqual({ ok: false, error: 'The file has a header row but no payouts.' });
  });

  it('refuses a file whose quote is never closed', () => {
    expect(readPayoutCsv('email,amount,description\nana@example.com,10,"Design\nben@example.com,20,x\n')).toMatchObject({
      ok: false,
      error: expect.stringContaining('could not be read'),
    });
  });

  it('flags formula-looking cells instead of passing them on', () => {
    const { problems } = read('email,amount,description,reference\nana@example.com,10,=HYPERLINK("http://x"),INV-1\nben@example.com,=10*100,Work,@SUM(A1)\n');
    expect(problems[0]).toEqual(['description starts with “=” like a spreadsheet formula — remove that character']);
    expect(problems[1]).toEqual([
      'amount looks like a spreadsheet formula — write the number, like 1234.56',
      'reference starts with “@” like a spreadsheet formula — remove that character',
    ]);
  });

  it('flags characters that were not UTF-8', () => {
    expect(read('email,amount,description\nana@example.com,10,Caf\uFFFD\n').problems[0]).toEqual([
      'has characters that were not UTF-8 — save the file as “CSV UTF-8” and upload it again',
    ]);
  });
});

describe('amounts', () => {
  it.each([
    ['1234.56', 123_456n],
    ['1234', 123_400n],
    ['1234.5', 123_450n],
    ['0.01', 1n],
    ['.50', 50n],
    ['$1,234.56', 123_456n],
    ['$ 12', 1_200n],
    ['1,000', 100_000n],
    ['12,345,678.90', 1_234_567_890n],
    [' 42.00 ', 4_200n],
    ['90071992547409.91', 9_007_199_254_740_991n],
  ])('reads %j as %s cents', (text, cents) => {
    expect(parseAmount(text)).toEqual({ ok: true, cents });
  });

  it.each([
    ['', 'amount is missing'],
    ['12.345', 'amount has more than two decimals (12.345) — cents are the smallest unit; if the dot separates thousands, remove it'],
    ['1.000', 'amount has more than two decimals (1.000) — cents are the smallest unit; if the dot separates thousands, remove it'],
    ['USD 10', 'amount has a currency code or word (USD) — write plain dollars, like 1234.56'],
    ['10 EUR', 'amount has a currency code or word (EUR) — write plain dollars, like 1234.56'],
    ['US$10', 'amount has a currency code or word (US) — write plain dollars, like 1234.56'],
    ['€10', 'amount has “€” in it — only dollars are paid; write 1234.56 or $1,234.56'],
    ['£10', 'amount has “£” in it — only dollars are paid; write 1234.56 or $1,234.56'],
    ['10$', 'amount has a “$” that is not at the start — write 1234.56 or $1,234.56'],
    ['-10', 'amount is negative — a payout must be greater than zero'],
    ['$-10', 'amount is negative — a payout must be greater than zero'],
    ['(10.00)', 'amount is negative — a payout must be greater than zero'],
    ['0', 'amount must be greater than zero'],
    ['0.00', 'amount must be greater than zero'],
    ['12,50', 'amount uses a decimal comma (12,50) — write it with a dot, like 12.50'],
    ['1.000,50', 'amount is written the European way (1.000,50) — write it like 1234.56'],
    ['1,00,000', 'amount has commas in unexpected places (1,00,000) — write it like 1234.56'],
    ['1 000', 'amount has a space inside the number — write 1234.56'],
    ['1.2.3', 'amount must be dollars, like 1234.56 or $1,234.56'],
    ['+10', 'amount looks like a spreadsheet formula — write the number, like 1234.56'],
    ['90071992547409.92', 'amount is too large'],
  ])('flags %j', (text, problem) => {
    expect(parseAmount(text)).toEqual({ ok: false, problem });
  });

  it('does not read thousands commas in a semicolon file, where the comma may be the decimal mark', () => {
    expect(parseAmount('1,000', ';')).toEqual({
      ok: false,
      problem: 'amount has a comma (1,000), which a semicolon-separated file may use as a decimal mark — write it like 1234.56',
    });
    expect(parseAmount('1000.50', ';')).toEqual({ ok: true, cents: 100_050n });
  });

  it('formats cents exactly, at any size', () => {
    expect(formatCents(1_248_000n)).toBe('$12,480.00');
    expect(formatCents(5n)).toBe('$0.05');
    expect(formatCents(900_719_925_474_099_100n)).toBe('$9,007,199,254,740,991.00');
  });
});

describe('duplicates', () => {
  it('flags the later copy of a row (same email, amount and reference), so removing it keeps one', () => {
    const checks = checkRows([
      row({ row: 2, email: 'Ana@example.com', amount: '1000', reference: 'INV-1' }),
      row({ row: 3, email: 'ben@example.com', amount: '1000', reference: 'INV-2' }),
      row({ row: 4, email: 'ana@example.com', amount: '$1,000.00', reference: 'inv-1' }),
    ]);
    expect(checks.map((c) => c.problems)).toEqual([
      [],
      [],
      ['same email, amount and reference as row 2 — paid twice? Give each its own reference if both are meant'],
    ]);
  });

  it('flags the same email and amount without references', () => {
    const checks = checkRows([row({ row: 2 }), row({ row: 3 })]);
    expect(checks[1]!.problems).toEqual(['same email and amount, and no reference, as row 2 — paid twice? Give each its own reference if both are meant']);
  });

  it('flags both payouts that share a reference', () => {
    const checks = checkRows([row({ row: 2, reference: 'INV-1' }), row({ row: 3, email: 'ben@example.com', reference: 'INV-1' })]);
    expect(checks.map((c) => c.problems)).toEqual([['reference INV-1 is also on row 3'], ['reference INV-1 is already on row 2 — references must be unique']]);
  });
});

describe('a row on its own', () => {
  it('checks email, lengths and the server objection', () => {
    const [check] = checkRows([row({ email: 'not-an-email', description: 'x'.repeat(1001), serverProblem: 'the server said no' })]);
    expect(check!.problems).toEqual(['the server said no', 'not a valid email', 'description is too long (1001 characters, at most 1000)']);
    expect(checkRows([row({ email: '' })])[0]!.problems).toEqual(['email is missing']);
  });
});

describe('checking again after an edit', () => {
  it('remembers a row’s check until one of its values changes, and duplicates never pile up', () => {
    const checkOne = rememberingCheckRow();
    const rows = [row({ row: 2, reference: 'INV-1' }), row({ row: 3, reference: 'INV-1', email: 'ben@example.com' })];
    const first = checkRows(rows, checkOne);
    expect(checkRows(rows, checkOne)).toEqual(first);
    expect(first[1]!.problems).toEqual(['reference INV-1 is already on row 2 — references must be unique']);
    expect(checkOne(rows[0]!)).toBe(checkOne(rows[0]!));
    rows[1]!.amount = '10.005';
    expect(checkRows(rows, checkOne)[1]!.problems).toEqual([
      'amount has more than two decimals (10.005) — cents are the smallest unit; if the dot separates thousands, remove it',
      'reference INV-1 is already on row 2 — references must be unique',
    ]);
  });
});

describe('parseDollars (the dashboard forms: deposits, top-ups)', () => {
  it('reads amounts by the same strict rule as the CSV import', () => {
    expect(parseDollars('5000')).toBe(500_000);
    expect(parseDollars(' $1,234.56 ')).toBe(123_456);
    expect(parseDollars('12.5')).toBe(1_250);
    // A decimal comma or a misplaced thousands comma is no amount, never $1,050 or $10,000.
    expect(parseDollars('10,50')).toBeUndefined();
    expect(parseDollars('1,0000')).toBeUndefined();
    expect(parseDollars('12.505')).toBeUndefined();
    expect(parseDollars('0')).toBeUndefined();
    expect(parseDollars('-5')).toBeUndefined();
  });
});
