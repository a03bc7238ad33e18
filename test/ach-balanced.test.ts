import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitOffset } from '../src/modules/ach/build.js';
import { parseNachaFile } from '../src/modules/ach/nacha/index.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { BANK_SETTINGS, bankRecipient, type DashboardHeaders, fundProduction, pendingPayouts, setUpBank } from './ach-helpers.js';
import { bearer, createTestApp, signInAs, type TestApp } from './harness.js';
import { testWorker } from './payout-helpers.js';

// An independent NACHA parser (not ours) reads what a real cut produced.
const nacha = createRequire(import.meta.url)('@midlandsbank/node-nacha') as {
  from(text: string): {
    data: {
      file: { footer: { batchCount: number; blockCount: number; entryAndAddendaCount: number; totalDebit: number; totalCredit: number; entryHash: number } };
      batches: { entryClassCode: string; serviceClassCode: number; entries: { transactionCode: number; amount: number; traceNumber: number }[] }[];
    };
  };
};

describe('a balanced ACH file (offset debits to the organization’s own account)', () => {
  let t: TestApp;
  let key: string;
  let admin: DashboardHeaders;
  let worker: RunningWorker;
  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('production');
    admin = await signInAs(t, 'admin');
    worker = testWorker(t);
    await fundProduction(t, t.defaultOrganizationId, 1_000_000_000n);
    await setUpBank(t, admin, {
      ...BANK_SETTINGS,
      balanced: true,
      offsetRoutingNumber: '121000248',
      offsetAccountNumber: '99887766',
      offsetAccountType: 'checking',
    });
  });
  afterAll(() => t.close());

  it('keeps the offset account number write-only', async () => {
    const settings = (await t.app.inject({ method: 'GET', url: '/ach/settings', headers: admin() })).json();
    expect(settings.settings).toMatchObject({ balanced: true, offsetAccountLast4: '7766', offsetAccountType: 'checking' });
    expect(JSON.stringify(settings)).not.toContain('99887766');
    const [row] = await t.db.query<{ sealed: string }>('select offset_account_encrypted as sealed from ach_settings');
    expect(row!.sealed).not.toContain('99887766');
    // Saving again without retyping the number keeps it.
    await setUpBank(t, admin, { ...BANK_SETTINGS, balanced: true, offsetRoutingNumber: '121000248', offsetAccountType: 'checking', cutoffTime: '15:30' });
    expect((await t.app.inject({ method: 'GET', url: '/ach/settings', headers: admin() })).json().settings.offsetAccountLast4).toBe('7766');
  });

  it('writes an offset debit per batch equal to its credits, read the same by both parsers', async () => {
    const person = await bankRecipient(t, key, { accountNumber: '123456789' });
    const company = await bankRecipient(t, key, { holderType: 'business', accountType: 'savings', accountNumber: '55443322' });
    await pendingPayouts(t, key, worker, [
      { recipientId: person, amount: 10_000 },
      { recipientId: person, amount: 2_345 },
      { recipientId: company, amount: 77_700 },
    ]);
    const file = (await t.app.inject({ method: 'POST', url: '/ach/files', headers: bearer(key) })).json().data;
    expect(file).toMatchObject({ payoutCount: 3, entryCount: 5, creditTotal: 90_045, debitTotal: 90_045 });
    const text = (await t.app.inject({ method: 'GET', url: `/ach/files/${file.id}/download`, headers: bearer(key) })).body;

    const ours = parseNachaFile(text);
    expect(ours.batches.map((b) => [b.secCode, b.serviceClassCode])).toEqual([
      ['PPD', 200],
      ['CCD', 200],
    ]);
    const [ppd, ccd] = ours.batches;
    expect(ppd!.entries.map((e) => [e.transactionCode, e.amount])).toEqual([
      [22, 10_000n],
      [22, 2_345n],
      [27, 12_345n],
    ]);
    expect(ppd!.entries.slice(0, 2).map((e) => e.accountNumber)).toEqual(['123456789', '123456789']);
    expect(ccd!.entries.map((e) => [e.transactionCode, e.amount, e.accountNumber])).toEqual([
      [32, 77_700n, '55443322'],
      [27, 77_700n, '99887766'],
    ]);
    const traces = ours.batches.flatMap((b) => b.entries.map((e) => e.traceNumber));
    expect(new Set(traces).size).toBe(5);

    const { data } = nacha.from(text);
    expect(data.file.footer).toMatchObject({ batchCount: 2, blockCount: 2, entryAndAddendaCount: 5, totalDebit: 90_045, totalCredit: 90_045 });
    expect(data.file.footer.entryHash).toBe(2 * 1100001 + 12100024 + 1100001 + 12100024);
    expect(data.batches.map((b) => b.entryClassCode)).toEqual(['PPD', 'CCD']);
    expect(data.batches.flatMap((b) => b.entries.map((e) => Number(e.traceNumber)))).toEqual(traces.map(Number));
  });

  it('splits an offset larger than one NACHA entry can carry', () => {
    expect(splitOffset(0n)).toEqual([]);
    expect(splitOffset(12_345n)).toEqual([12_345n]);
    expect(splitOffset(25_000_000_000n)).toEqual([9_999_999_999n, 9_999_999_999n, 5_000_000_002n]);
  });
});
