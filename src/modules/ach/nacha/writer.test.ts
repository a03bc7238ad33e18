import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { type BatchHeader, type EntryDetail, MAX_ENTRY_AMOUNT, NachaWriter } from './writer.js';

// An independent NACHA parser (not ours) reads what our writer produced.
// Its parsed shape (untyped package): numeric fields come back as numbers, text fields trimmed.
type Fields = Record<string, string | number>;
type ParsedFile = { file: Fields & { footer: Fields }; batches: (Fields & { footer: Fields; entries: Fields[] })[] };
const nacha = createRequire(import.meta.url)('@midlandsbank/node-nacha') as { from(text: string): { data: ParsedFile } };

const ODFI_ROUTING = '021000021';
const ODFI = ODFI_ROUTING.slice(0, 8);

const fileHeader = {
  immediateDestination: '021000021',
  immediateOrigin: '1234567890',
  immediateDestinationName: 'JPMorgan Chase',
  immediateOriginName: 'Payouts Example Inc',
  creationDate: '260310',
  creationTime: '1405',
  fileIdModifier: 'A',
  referenceCode: 'REF1',
};

const batchHeader = (batchNumber: number, secCode: 'PPD' | 'CCD'): BatchHeader => ({
  serviceClassCode: 200,
  companyName: 'Payouts Example',
  companyId: '1234567890',
  secCode,
  companyEntryDescription: 'PAYOUT',
  effectiveEntryDate: '260311',
  odfiIdentification: ODFI,
  batchNumber,
});

let traceSequence = 0;
const trace = () => `${ODFI}${String(++traceSequence).padStart(7, '0')}`;

function credit(rdfiRouting: string, accountNumber: string, amount: bigint, name: string, savings = false): EntryDetail {
  return { transactionCode: savings ? 32 : 22, rdfiRouting, accountNumber, amount, individualId: `PO_${amount}`, individualName: name, traceNumber: trace() };
}

function offset(amount: bigint): EntryDetail {
  return {
    transactionCode: 27,
    rdfiRouting: ODFI_ROUTING,
    accountNumber: '99887766',
    amount,
    individualId: 'OFFSET',
    individualName: 'Payouts Example',
    traceNumber: trace(),
  };
}

function writeSample() {
  traceSequence = 0;
  const ppd = [
    credit('011000015', '123456789', 12_345n, 'José Müller'),
    credit('121000358', '5550001', 100n, 'Ann Lee', true),
    credit('026009593', '12-34-56', 1_000_000_000n, 'Big Payee'),
  ];
  const ppdTotal = ppd.reduce((sum, e) => sum + e.amount, 0n);
  const ppdOffset = offset(ppdTotal);
  const ccd = [credit('011000015', '42', 77n, 'Acme Supplies LLC'), credit('121000358', 'ab12', 250_00n, 'Widgets_Co')];
  const ccdTotal = ccd.reduce((sum, e) => sum + e.amount, 0n);
  const ccdOffset = offset(ccdTotal);

  const writer = new NachaWriter(fileHeader);
  let text = writer.start();
  text += writer.startBatch(batchHeader(1, 'PPD'));
  for (const e of [...ppd, ppdOffset]) text += writer.entry(e);
  text += writer.endBatch();
  text += writer.startBatch(batchHeader(2, 'CCD'));
  for (const e of [...ccd, ccdOffset]) text += writer.entry(e);
  text += writer.endBatch();
  text += writer.finish();
  return {
    text,
    batches: [
      [...ppd, ppdOffset],
      [...ccd, ccdOffset],
    ],
  };
}

const entryHash = (entries: EntryDetail[]) => entries.reduce((sum, e) => sum + BigInt(e.rdfiRouting.slice(0, 8)), 0n) % 10_000_000_000n;
const debits = (entries: EntryDetail[]) => entries.filter((e) => e.transactionCode === 27 || e.transactionCode === 37).reduce((s, e) => s + e.amount, 0n);
const credits = (entries: EntryDetail[]) => entries.filter((e) => e.transactionCode === 22 || e.transactionCode === 32).reduce((s, e) => s + e.amount, 0n);

describe('NachaWriter', () => {
  it('writes 94-character records, a multiple of 10 of them, padded with 9s after the file control', () => {
    const { text } = writeSample();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    for (const line of lines) expect(line).toHaveLength(94);
    // 1 file header + (1 + 4 + 1) + (1 + 3 + 1) + 1 file control = 13 records, padded to 20.
    expect(lines).toHaveLength(20);
    expect(lines[12]![0]).toBe('9');
    expect(lines.slice(13)).toEqual(Array(7).fill('9'.repeat(94)));
    expect(lines.map((l) => l[0]).join('')).toBe(`156666856668${'9'.repeat(8)}`);
  });

  it('is read field by field by an independent parser (@midlandsbank/node-nacha)', () => {
    const { text, batches } = writeSample();
    const { data } = nacha.from(text);

    expect(data.file).toMatchObject({
      priority: 1,
      destination: ' 021000021',
      origin: '1234567890',
      creationDate: '260310',
      creationTime: '1405',
      idModifier: 'A',
      recordSize: '094',
      blockingFactor: '10',
      formatCode: '1',
      destinationName: 'JPMORGAN CHASE',
      originName: 'PAYOUTS EXAMPLE INC',
      referenceCode: 'REF1',
    });
    expect(data.batches).toHaveLength(2);
    const all = batches.flat();
    expect(data.file.footer).toMatchObject({
      batchCount: 2,
      blockCount: 2,
      entryAndAddendaCount: all.length,
      entryHash: Number(entryHash(all)),
      totalDebit: Number(debits(all)),
      totalCredit: Number(credits(all)),
    });
    // Balanced: the offset debits equal the credits.
    expect(data.file.footer.totalDebit).toBe(data.file.footer.totalCredit);

    data.batches.forEach((batch, i) => {
      const expected = batches[i]!;
      expect(batch).toMatchObject({
        serviceClassCode: 200,
        companyName: 'PAYOUTS EXAMPLE',
        companyId: '1234567890',
        entryClassCode: i === 0 ? 'PPD' : 'CCD',
        description: 'PAYOUT',
        effectiveDate: '260311',
        originatorStatusCode: '1',
        originatingDFIIdentification: ODFI,
        num: i + 1,
      });
      expect(batch.footer).toMatchObject({
        serviceClassCode: 200,
        entryAndAddendaCount: expected.length,
        entryHash: Number(entryHash(expected)),
        totalDebit: Number(debits(expected)),
        totalCredit: Number(credits(expected)),
        companyId: '1234567890',
        originatingDFIIdentification: ODFI,
        num: i + 1,
      });
      expect(batch.entries).toHaveLength(expected.length);
      batch.entries.forEach((entry, j) => {
        const e = expected[j]!;
        expect(entry).toMatchObject({
          transactionCode: String(e.transactionCode),
          receivingDFIIdentification: Number(e.rdfiRouting.slice(0, 8)),
          checkDigit: Number(e.rdfiRouting[8]),
          dfiAccount: e.accountNumber.toUpperCase(),
          amount: Number(e.amount),
          addendaIndicator: '0',
          traceNumber: Number(e.traceNumber),
        });
      });
      // The last entry of each batch is the offset debit to the originator's account at the ODFI.
      expect(batch.entries.at(-1)).toMatchObject({
        transactionCode: '27',
        receivingDFIIdentification: Number(ODFI),
        dfiAccount: '99887766',
        receivingCompanyName: 'PAYOUTS EXAMPLE',
      });
    });
    // Names are upper-cased, accents dropped, characters outside the NACHA set become spaces.
    expect(data.batches[0]!.entries[0]!.receivingCompanyName).toBe('JOSE MULLER');
    expect(data.batches[1]!.entries[1]!.receivingCompanyName).toBe('WIDGETS CO');
    expect(data.batches[0]!.entries[2]!.amount).toBe(1_000_000_000);
  });

  it('truncates long names to their widths', () => {
    const writer = new NachaWriter({ ...fileHeader, immediateDestinationName: 'A'.repeat(40) });
    const header = writer.start();
    expect(header.slice(40, 63)).toBe('A'.repeat(23));
    writer.startBatch({ ...batchHeader(1, 'PPD'), companyName: 'B'.repeat(30) });
    const line = writer.entry({ ...credit('011000015', '1', 1n, 'C'.repeat(30)), traceNumber: `${ODFI}0000001`, individualId: 'D'.repeat(20) });
    expect(line).toHaveLength(95);
    expect(line.slice(39, 54)).toBe('D'.repeat(15));
    expect(line.slice(54, 76)).toBe('C'.repeat(22));
  });

  it('refuses amounts outside 1..MAX_ENTRY_AMOUNT, bad routing/account/trace numbers and debits in a credits-only batch', () => {
    const open = (serviceClassCode: 200 | 220 = 200) => {
      const writer = new NachaWriter(fileHeader);
      writer.start();
      writer.startBatch({ ...batchHeader(1, 'PPD'), serviceClassCode });
      return writer;
    };
    const base = { ...credit('011000015', '123', 1n, 'X'), traceNumber: `${ODFI}0000001` };
    expect(() => open().entry({ ...base, amount: 0n })).toThrow(/amount/i);
    expect(() => open().entry({ ...base, amount: MAX_ENTRY_AMOUNT + 1n })).toThrow(/amount/i);
    expect(() => open().entry({ ...base, rdfiRouting: '011000016' })).toThrow(/routing/i);
    expect(() => open().entry({ ...base, accountNumber: '1'.repeat(18) })).toThrow(/account/i);
    expect(() => open().entry({ ...base, accountNumber: '12 34' })).toThrow(/account/i);
    expect(() => open().entry({ ...base, traceNumber: '12345' })).toThrow(/trace/i);
    expect(() => open().entry({ ...base, traceNumber: '011000010000001' })).toThrow(/ODFI/);
    expect(() => open(220).entry({ ...base, transactionCode: 27 })).toThrow(/credits-only/);
    const writer = open();
    writer.entry({ ...base, traceNumber: `${ODFI}0000002` });
    expect(() => writer.entry({ ...base, traceNumber: `${ODFI}0000002` })).toThrow(/ascending/);
  });

  it('refuses calls out of order', () => {
    const writer = new NachaWriter(fileHeader);
    expect(() => writer.startBatch(batchHeader(1, 'PPD'))).toThrow(/out of order/);
    writer.start();
    expect(() => writer.entry(credit('011000015', '1', 1n, 'X'))).toThrow(/out of order/);
    writer.startBatch(batchHeader(1, 'PPD'));
    expect(() => writer.endBatch()).toThrow(/at least one entry/);
    expect(() => writer.finish()).toThrow(/out of order/);
  });

  it('pads to a full block only when needed', () => {
    // 1 + (1 + 6 + 1) + 1 = 10 records: exactly one block, no padding line. records: exactly one block, no padding line.
    const writer = new NachaWriter(fileHeader);
    let text = writer.start() + writer.startBatch(batchHeader(1, 'PPD'));
    for (let i = 1; i <= 6; i++) text += writer.entry({ ...credit('011000015', '1', 1n, 'X'), traceNumber: `${ODFI}${String(i).padStart(7, '0')}` });
    text += writer.endBatch() + writer.finish();
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[9]!.slice(0, 13)).toBe('9000001000001');
  });
});
