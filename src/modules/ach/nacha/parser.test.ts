import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NachaFormatError, parseNachaFile, returnEntriesOf } from './parser.js';
import { NachaWriter } from './writer.js';

const fixture = (name: string) => readFileSync(new URL(`../../../../test/fixtures/nacha/${name}`, import.meta.url), 'utf8');

const ODFI = '02100002';

/** A file of ours: two batches (PPD then CCD), balanced by an offset debit each; 13 records + 7 padding. */
function ourFile(): string {
  const writer = new NachaWriter({
    immediateDestination: '021000021',
    immediateOrigin: '1234567890',
    immediateDestinationName: 'JPMorgan Chase',
    immediateOriginName: 'Payouts Example Inc',
    creationDate: '260310',
    creationTime: '1405',
    fileIdModifier: 'B',
  });
  let text = writer.start();
  let trace = 0;
  const batch = (batchNumber: number, secCode: 'PPD' | 'CCD', amounts: bigint[]) => {
    text += writer.startBatch({
      serviceClassCode: 200,
      companyName: 'Payouts Example',
      companyId: '1234567890',
      secCode,
      companyEntryDescription: 'PAYOUT',
      effectiveEntryDate: '260311',
      odfiIdentification: ODFI,
      batchNumber,
    });
    for (const amount of amounts) {
      text += writer.entry({
        transactionCode: 22,
        rdfiRouting: '011000015',
        accountNumber: `ACCT${amount}`,
        amount,
        individualId: `PO${amount}`,
        individualName: 'Jane Roe',
        traceNumber: `${ODFI}${String(++trace).padStart(7, '0')}`,
      });
    }
    const total = amounts.reduce((a, b) => a + b, 0n);
    text += writer.entry({
      transactionCode: 27,
      rdfiRouting: '021000021',
      accountNumber: '99887766',
      amount: total,
      individualId: 'OFFSET',
      individualName: 'Payouts Example',
      traceNumber: `${ODFI}${String(++trace).padStart(7, '0')}`,
    });
    text += writer.endBatch();
  };
  batch(1, 'PPD', [1_00n, 250_00n, 9_999_00n]);
  batch(2, 'CCD', [42n, 1_000_000_00n]);
  return text + writer.finish();
}

/** Replaces positions from..to (1-based, inclusive) of a line (1-based). */
function edit(text: string, line: number, from: number, value: string): string {
  const lines = text.split('\n');
  const old = lines[line - 1]!;
  lines[line - 1] = old.slice(0, from - 1) + value + old.slice(from - 1 + value.length);
  return lines.join('\n');
}

function formatError(text: string): NachaFormatError {
  try {
    parseNachaFile(text);
  } catch (error) {
    if (error instanceof NachaFormatError) return error;
    throw error;
  }
  throw new Error('expected a NachaFormatError');
}

describe('parseNachaFile', () => {
  it('reads a file written by NachaWriter', () => {
    const file = parseNachaFile(ourFile());
    expect(file.header).toEqual({
      immediateDestination: '021000021',
      immediateOrigin: '1234567890',
      creationDate: '260310',
      fileIdModifier: 'B',
      immediateDestinationName: 'JPMORGAN CHASE',
      immediateOriginName: 'PAYOUTS EXAMPLE INC',
    });
    expect(file.batches.map((b) => [b.line, b.secCode, b.batchNumber, b.entries.length])).toEqual([
      [2, 'PPD', 1, 4],
      [8, 'CCD', 2, 3],
    ]);
    expect(file.batches[0]!.entries[1]).toEqual({
      line: 4,
      transactionCode: 22,
      rdfiRouting: '011000015',
      accountNumber: 'ACCT25000',
      amount: 25_000n,
      individualId: 'PO25000',
      individualName: 'JANE ROE',
      traceNumber: '021000020000002',
      addenda: [],
    });
    expect(file.batches[1]!.entries[2]).toMatchObject({ transactionCode: 27, amount: 1_000_000_42n, traceNumber: '021000020000007' });
  });

  it('accepts CRLF line endings and a missing trailing newline', () => {
    const text = ourFile();
    expect(parseNachaFile(text.replaceAll('\n', '\r\n')).batches).toHaveLength(2);
    expect(parseNachaFile(text.trimEnd()).batches).toHaveLength(2);
  });

  it('reads the public sample files of another implementation', () => {
    const mixed = parseNachaFile(fixture('ppd-mixedDebitCredit.ach'));
    expect(mixed.batches[0]!.entries.map((e) => [e.transactionCode, e.amount, e.individualName])).toEqual([
      [27, 200_000_000n, 'Debit Account'],
      [22, 100_000_000n, 'Credit Account 1'],
      [22, 100_000_000n, 'Credit Account 2'],
    ]);
    // Its last records are shorter than 94 characters.
    expect(formatError(fixture('ppd-debit.ach')).message).toBe('Line 1: record is 75 characters, expected 94.');
  });

  describe('rejects malformed files with the line', () => {
    const text = ourFile();

    it('a record of the wrong length', () => {
      const lines = text.split('\n');
      lines[6] = lines[6]!.slice(0, 93);
      const error = formatError(lines.join('\n'));
      expect(error.line).toBe(7);
      expect(error.message).toBe('Line 7: record is 93 characters, expected 94.');
    });

    it('an unknown record type', () => {
      expect(formatError(edit(text, 4, 1, '4')).message).toBe('Line 4: unknown record type "4".');
    });

    it('records out of order', () => {
      const lines = text.split('\n');
      [lines[5], lines[6]] = [lines[6]!, lines[5]!]; // batch control before the last entry of its batch
      expect(formatError(lines.join('\n')).message).toBe('Line 6: Batch entry/addenda count is 4, but the records hold 3.');
      expect(formatError(edit(text, 8, 1, '6')).message).toBe('Line 8: entry detail record outside a batch.');
      const withoutBatchControl = text.split('\n').filter((_, i) => i !== 6);
      expect(formatError(withoutBatchControl.join('\n')).message).toBe('Line 7: batch header found before the batch control of the batch on line 2.');
      expect(formatError(text.split('\n').slice(1).join('\n')).message).toMatch(/^Line 1: the file must start with a file header/);
      expect(formatError(text.split('\n').slice(0, 12).join('\n')).message).toMatch(/^Line 12: the file ends without a file control record/);
    });

    it('a bad entry hash in a batch control', () => {
      expect(formatError(edit(text, 7, 11, '0000000001')).message).toMatch(/^Line 7: Batch entry hash is 1, but the entries add up to /);
    });

    it('a bad entry hash in the file control', () => {
      expect(formatError(edit(text, 13, 22, '0000000001')).message).toMatch(/^Line 13: File entry hash is 1/);
    });

    it('bad totals and counts', () => {
      expect(formatError(edit(text, 7, 21, '000000000001')).message).toMatch(
        /^Line 7: Batch total debit amount is 1, but the debit entries add up to 1025000\./,
      );
      expect(formatError(edit(text, 12, 33, '000000000001')).message).toMatch(/^Line 12: Batch total credit amount is 1/);
      expect(formatError(edit(text, 7, 5, '000005')).message).toMatch(/^Line 7: Batch entry\/addenda count is 5, but the records hold 4\./);
      expect(formatError(edit(text, 13, 32, '000000000001')).message).toMatch(/^Line 13: File total debit amount is 1/);
      expect(formatError(edit(text, 13, 2, '000003')).message).toMatch(/^Line 13: batch count is 3, but the file holds 2 batches\./);
      // An amount changed without its control: the batch control catches it.
      expect(formatError(edit(text, 3, 30, '0000000002')).line).toBe(7);
    });

    it('a bad block count', () => {
      expect(formatError(edit(text, 13, 8, '000003')).message).toBe('Line 13: block count is 3, but 13 records make 2 blocks of 10.');
    });

    it('non-numeric numeric fields', () => {
      expect(formatError(edit(text, 3, 30, '00000001X0')).message).toBe('Line 3: Amount (positions 30-39) must be numeric, got "00000001X0".');
      expect(formatError(edit(text, 3, 80, ' 21000020000001')).message).toMatch(/^Line 3: Trace number/);
    });

    it('anything but padding after the file control', () => {
      expect(formatError(edit(text, 16, 1, '8')).message).toMatch(/^Line 16: only padding records/);
    });

    it('an addenda record after an entry that announces none', () => {
      const lines = text.split('\n');
      lines.splice(3, 0, `705${'PAYMENT INFO'.padEnd(80)}0001${'0000001'}`);
      expect(formatError(lines.join('\n')).message).toMatch(/^Line 4: addenda record after the entry on line 3/);
    });

    it('an empty file', () => {
      expect(formatError('').message).toBe('Line 1: record is 0 characters, expected 94.');
    });
  });
});

describe('returnEntriesOf', () => {
  it('reads the returns of the public return sample (R01, R03)', () => {
    const { returns, corrections } = returnEntriesOf(parseNachaFile(fixture('return-WEB.ach')));
    expect(corrections).toEqual([]);
    expect(returns).toEqual([
      { line: 4, code: 'R01', description: 'Insufficient funds', originalTrace: '091400600000001', amount: 12_354n, transactionCode: 26 },
      { line: 8, code: 'R03', description: 'No account/unable to locate account', originalTrace: '091400600000003', amount: 4_565n, transactionCode: 21 },
    ]);
  });

  it('reads the notification of change of the public COR sample (C01)', () => {
    const { returns, corrections } = returnEntriesOf(parseNachaFile(fixture('cor-example.ach')));
    expect(returns).toEqual([]);
    expect(corrections).toEqual([
      { line: 4, code: 'C01', description: 'Incorrect DFI account number', originalTrace: '121042880000001', corrected: { accountNumber: '1918171614' } },
    ]);
  });

  // The COR sample with another change code and corrected data (positions 36-64 of the addenda record).
  const correction = (code: string, data: string) => {
    const text = edit(edit(fixture('cor-example.ach'), 4, 4, code), 4, 36, data.padEnd(29, ' '));
    return returnEntriesOf(parseNachaFile(text)).corrections[0]!;
  };

  it('reads each applied change code layout', () => {
    expect(correction('C02', '011000015').corrected).toEqual({ routingNumber: '011000015' });
    expect(correction('C03', `011000015   ${'12345678901234567'}`).corrected).toEqual({ routingNumber: '011000015', accountNumber: '12345678901234567' });
    expect(correction('C03', '011000015   98765').corrected).toEqual({ routingNumber: '011000015', accountNumber: '98765' });
    expect(correction('C05', '32').corrected).toEqual({ accountType: 'savings' });
    expect(correction('C05', '27').corrected).toEqual({ accountType: 'checking' });
    expect(correction('C06', `${'5550001'.padEnd(17)}   33`).corrected).toEqual({ accountNumber: '5550001', accountType: 'savings' });
    expect(correction('C07', `121000358${'77-01'.padEnd(17)}22`).corrected).toEqual({
      routingNumber: '121000358',
      accountNumber: '77-01',
      accountType: 'checking',
    });
    expect(correction('C09', 'NEWID').corrected).toEqual({});
    expect(correction('C07', '12100035812345            32').description).toBe(
      'Incorrect routing number, incorrect DFI account number, and incorrect transaction code',
    );
  });

  it('refuses unknown codes and unreadable corrected data, with the line', () => {
    expect(() => correction('C02', '011000016')).toThrow(new NachaFormatError(4, 'corrected routing number "011000016" is not a valid routing number.'));
    expect(() => correction('C05', '42')).toThrow(/^Line 4: corrected transaction code "42"/);
    expect(() => correction('C01', '')).toThrow(/^Line 4: corrected account number "" cannot be read/);
    expect(() => correction('C99', '1')).toThrow(/^Line 4: unknown change code "C99"/);
    const r99 = edit(fixture('return-WEB.ach'), 8, 4, 'R97');
    expect(() => returnEntriesOf(parseNachaFile(r99))).toThrow(new NachaFormatError(8, 'unknown return reason code "R97".'));
  });
});

describe('error order', () => {
  it('reports the first problem in the file', () => {
    const text = edit(edit(ourFile(), 3, 30, '00000001X0'), 10, 1, '4');
    expect(formatError(text).line).toBe(3);
  });
});
