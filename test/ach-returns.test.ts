import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { achReturnsCommand } from '../src/cli/ach-returns-command.js';
import { fund } from '../src/modules/ledger/ledger.service.js';
import { settleDueSlice } from '../src/modules/ach/index.js';
import type { PayoutStatus } from '../src/modules/payouts/index.js';
import { decryptText } from '../src/platform/crypto.js';
import type { Tenant } from '../src/platform/tenant.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { setUpBank } from './ach-helpers.js';
import { bearer, createTestApp, signInAs, TEST_ENCRYPTION_KEYS, type TestApp } from './harness.js';
import { createBatch, drain, expectApiError, expectLedgerConsistent, getBalance, getPayment, testWorker } from './payout-helpers.js';

// Return and NOC files as a bank sends them: a file header, one batch of returned entries (each
// with its addenda 99) and one of notifications of change (addenda 98), controls with the right
// counts, hash and totals, padded to blocks of ten.
const ODFI = '09100001';
const alpha = (value: string, width: number) => value.padEnd(width).slice(0, width);
const num = (value: bigint | number | string, width: number) => String(value).padStart(width, '0');

interface ReturnLine {
  trace: string;
  code: string;
  amount: bigint | number;
}
interface CorrectionLine {
  trace: string;
  code: string;
  /** The 29-character corrected data field, as the bank writes it. */
  corrected: string;
}

function bankFile(returns: ReturnLine[], corrections: CorrectionLine[] = []): string {
  const lines = [`101 091000019 123456789260105${'1200'}A094101${alpha('OUR COMPANY', 23)}${alpha('FIRST BANK', 23)}${alpha('', 8)}`];
  let seq = 0;
  let fileCount = 0;
  let fileHash = 0n;
  let fileCredit = 0n;
  let batches = 0;
  const batch = (sec: string, items: { trace: string; amount: bigint; addenda: string }[]) => {
    if (items.length === 0) return;
    batches++;
    lines.push(
      `5200${alpha('OUR COMPANY', 16)}${alpha('', 20)}1234567890${sec}${alpha('PAYOUTS', 10)}${alpha('', 6)}260106${alpha('', 3)}1${ODFI}${num(batches, 7)}`,
    );
    let hash = 0n;
    let credit = 0n;
    for (const item of items) {
      seq++;
      const trace = `${'09100001'}${num(seq + 9_000_000, 7)}`;
      lines.push(`621${'09100001'}9${alpha('12345', 17)}${num(item.amount, 10)}${alpha('ID', 15)}${alpha('JANE DOE', 22)}  1${trace}`);
      lines.push(item.addenda + trace);
      hash += BigInt(ODFI);
      credit += item.amount;
    }
    const count = items.length * 2;
    const hashText = num(hash % 10_000_000_000n, 10);
    lines.push(`8200${num(count, 6)}${hashText}${num(0, 12)}${num(credit, 12)}1234567890${alpha('', 19)}${alpha('', 6)}${ODFI}${num(batches, 7)}`);
    fileCount += count;
    fileHash += hash;
    fileCredit += credit;
  };
  batch(
    'PPD',
    returns.map((r) => ({ trace: r.trace, amount: BigInt(r.amount), addenda: `799${r.code}${r.trace}${alpha('', 6)}${ODFI}${alpha('', 44)}` })),
  );
  batch(
    'COR',
    corrections.map((c) => ({ trace: c.trace, amount: 0n, addenda: `798${c.code}${c.trace}${alpha('', 6)}${ODFI}${alpha(c.corrected, 29)}${alpha('', 15)}` })),
  );
  const blocks = Math.ceil((lines.length + 1) / 10);
  lines.push(
    `9${num(batches, 6)}${num(blocks, 6)}${num(fileCount, 8)}${num(fileHash % 10_000_000_000n, 10)}${num(0, 12)}${num(fileCredit, 12)}${alpha('', 39)}`,
  );
  while (lines.length % 10 !== 0) lines.push('9'.repeat(94));
  for (const [i, line] of lines.entries()) if (line.length !== 94) throw new Error(`test file line ${i + 1} is ${line.length} characters`);
  return `${lines.join('\n')}\n`;
}

describe('ACH returns and notifications of change', () => {
  let t: TestApp;
  let key: string;
  let tenant: Tenant;
  let worker: RunningWorker;

  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('production');
    tenant = { organizationId: t.defaultOrganizationId, environment: 'production' };
    await t.db.transaction((tx) => fund(tx, tenant, 10_000_000n));
    await setUpBank(t, await signInAs(t, 'admin'));
    worker = testWorker(t);
  });
  afterAll(() => t.close());

  const upload = (text: string, apiKey = key) =>
    t.app.inject({ method: 'POST', url: '/ach/returns', headers: { ...bearer(apiKey), 'content-type': 'text/plain' }, payload: text });

  /** A recipient who auto-accepts, with a checking account on file. */
  async function bankRecipient(apiKey: string, email: string, accountNumber = '000123456789'): Promise<string> {
    const created = await t.app.inject({
      method: 'POST',
      url: '/recipients',
      headers: bearer(apiKey),
      payload: { recipients: [{ firstName: 'Jane', lastName: 'Doe', email, autoAcceptPayouts: true }] },
    });
    const id = created.json().data.recipients[0].id as string;
    await setBankAccount(apiKey, id, accountNumber);
    return id;
  }

  async function setBankAccount(apiKey: string, recipientId: string, accountNumber: string) {
    const response = await t.app.inject({
      method: 'PUT',
      url: `/recipients/${recipientId}/payout-method`,
      headers: bearer(apiKey),
      payload: {
        type: 'us_bank_account',
        accountHolderName: 'Jane Doe',
        accountHolderType: 'individual',
        routingNumber: '091000019',
        accountNumber,
        accountType: 'checking',
      },
    });
    expect(response.statusCode).toBe(200);
  }

  /**
   * A payout sent in a bank file: pending on the ACH rail through the real lifecycle, cut into a file
   * of its own (POST /ach/files), and, when asked, the file marked sent and settled at the end of
   * its effective date. Answers the payout id and its trace number.
   */
  async function sentPayout(apiKey: string, recipientId: string, amount: number, settle?: 'completed'): Promise<{ id: string; trace: string }> {
    const id = (await createBatch(t, apiKey, [{ recipientId, amount }])).json().data.payouts[0].id as string;
    await drain(worker);
    expect(await getPayment(t, apiKey, id)).toMatchObject({ status: 'pending', rail: 'ach' });
    const cut = await t.app.inject({ method: 'POST', url: '/ach/files', headers: bearer(apiKey) });
    expect(cut.statusCode, cut.body).toBe(201);
    const file = cut.json().data;
    expect(file.payoutCount).toBe(1);
    const entries = (await t.app.inject({ method: 'GET', url: `/ach/files/${file.id}/entries`, headers: bearer(apiKey) })).json().data;
    expect(entries).toEqual([expect.objectContaining({ payoutId: id })]);
    if (settle) {
      expect((await t.app.inject({ method: 'POST', url: `/ach/files/${file.id}/sent`, headers: bearer(apiKey) })).statusCode).toBe(200);
      const dayAfter = new Date(new Date(`${file.effectiveDate}T23:59:00-05:00`).getTime() + 3 * 3600_000);
      while ((await t.db.transaction((tx) => settleDueSlice(tx, 'America/New_York', dayAfter))) > 0);
      expect((await getPayment(t, apiKey, id)).status).toBe('completed');
    }
    return { id, trace: entries[0].traceNumber as string };
  }

  const statusOf = async (id: string, apiKey = key) => (await getPayment(t, apiKey, id)).status as PayoutStatus;
  const recipient = async (id: string) => (await t.app.inject({ method: 'GET', url: `/recipients/${id}`, headers: bearer(key) })).json().data;
  const statusUpdateCount = async () => (await t.db.query<{ n: bigint }>('select count(*)::bigint as n from payout_status_updates'))[0]!.n;

  it('fails a processing payout, returns a completed one with the R-code reason, and puts the money back', async () => {
    const ana = await bankRecipient(key, 'ana@example.com');
    const bo = await bankRecipient(key, 'bo@example.com');
    const processing = await sentPayout(key, ana, 1_500);
    const completed = await sentPayout(key, bo, 2_500, 'completed');
    // Bo has another payout waiting for the next file: it must wait again once his account is invalid.
    const next = (await createBatch(t, key, [{ recipientId: bo, amount: 700 }])).json().data.payouts[0].id as string;
    await drain(worker);
    expect(await statusOf(next)).toBe('pending');
    const before = await getBalance(t, key);

    const response = await upload(
      bankFile([
        { trace: processing.trace, code: 'R01', amount: 1_500 },
        { trace: completed.trace, code: 'R03', amount: 2_500 },
      ]),
    );
    expect(response.statusCode).toBe(200);
    const report = response.json().data;
    expect(report.unmatched).toEqual([]);
    expect(report.returns).toEqual([
      { line: 4, traceNumber: processing.trace, code: 'R01', description: 'Insufficient funds', payoutId: processing.id, outcome: 'payout failed' },
      {
        line: 6,
        traceNumber: completed.trace,
        code: 'R03',
        description: 'No account/unable to locate account',
        payoutId: completed.id,
        outcome: 'payout returned; bank account invalidated',
      },
    ]);

    const failed = await getPayment(t, key, processing.id);
    expect(failed.statusUpdates.at(-1)).toMatchObject({ status: 'failed', reason: 'R01: Insufficient funds' });
    const returned = await getPayment(t, key, completed.id);
    expect(returned.statusUpdates.at(-1)).toMatchObject({ status: 'returned', reason: 'R03: No account/unable to locate account' });
    const after = await getBalance(t, key);
    expect(after.available).toBe(before.available + 1_500 + 2_500);
    expect(after.paidOut).toBe(before.paidOut - 2_500);
    expect(after.held).toBe(before.held - 1_500);

    // R01 says nothing about the account: Ana stays ready. R03 ends Bo's account.
    expect((await recipient(ana)).status).toBe('ready');
    const invalid = await recipient(bo);
    expect(invalid).toMatchObject({ status: 'action_needed', payoutMethod: null });
    const waiting = await getPayment(t, key, next);
    expect(waiting.statusUpdates.at(-1).status).toBe('awaiting_acceptance');
    expect(waiting.statusUpdates.at(-1).reason).toMatch(/^Recipient action needed: your bank rejected the account ending in 6789 \(R03: /);
    const emails = await t.db.query<{ template: string }>("select template from emails where recipient_id = $1 and template = 'recipient_action_needed'", [bo]);
    expect(emails).toHaveLength(1);
    const history = await t.app.inject({ method: 'GET', url: `/recipients/${bo}/payout-methods`, headers: bearer(key) });
    expect(history.statusCode).toBe(200);
    expect(history.json().data[0]).toMatchObject({ active: false, removal: 'removed', removedBy: { kind: 'bank', id: null } });
    await expectLedgerConsistent(t.db);
  });

  it('changes nothing when the same file comes twice, and applies only the new entries of a cumulative file', async () => {
    const cy = await bankRecipient(key, 'cy@example.com');
    const first = await sentPayout(key, cy, 300);
    const second = await sentPayout(key, cy, 400);
    const file = bankFile([{ trace: first.trace, code: 'R01', amount: 300 }]);
    expect((await upload(file)).json().data.returns[0].outcome).toBe('payout failed');

    const balance = await getBalance(t, key);
    const updates = await statusUpdateCount();
    const again = await upload(file);
    expect(again.statusCode).toBe(200);
    expect(again.json().data.returns).toEqual([expect.objectContaining({ payoutId: first.id, outcome: 'already applied' })]);
    expect(await statusUpdateCount()).toBe(updates);
    expect(await getBalance(t, key)).toEqual(balance);

    const cumulative = await upload(
      bankFile([
        { trace: first.trace, code: 'R01', amount: 300 },
        { trace: second.trace, code: 'R01', amount: 400 },
      ]),
    );
    expect(cumulative.json().data.returns.map((r: { outcome: string }) => r.outcome)).toEqual(['already applied', 'payout failed']);
    expect(await statusOf(second.id)).toBe('failed');
    expect(await statusUpdateCount()).toBe(updates + 1n);
    await expectLedgerConsistent(t.db);
  });

  it('never applies a return to another organization’s payout, nor one whose amount differs, and reports both', async () => {
    const otherOrg = await t.createOrganization();
    const otherTenant: Tenant = { organizationId: otherOrg, environment: 'production' };
    const otherKey = await t.createKey('production', otherOrg);
    await t.db.transaction((tx) => fund(tx, otherTenant, 100_000n));
    await setUpBank(t, await signInAs(t, 'admin', otherOrg));
    const theirs = await sentPayout(otherKey, await bankRecipient(otherKey, 'di@example.com'), 900);
    const ours = await sentPayout(key, await bankRecipient(key, 'ed@example.com'), 800);

    const response = await upload(
      bankFile([
        { trace: theirs.trace, code: 'R03', amount: 900 },
        { trace: ours.trace, code: 'R01', amount: 801 },
        { trace: `${ODFI}9999999`, code: 'R01', amount: 5 },
      ]),
    );
    expect(response.statusCode).toBe(200);
    const { returns, unmatched } = response.json().data;
    expect(returns).toEqual([]);
    expect(unmatched).toEqual([
      { line: 4, traceNumber: theirs.trace, code: 'R03', why: 'No payment of this organization has this trace number.' },
      { line: 6, traceNumber: ours.trace, code: 'R01', why: expect.stringMatching(/does not match the entry's/) },
      { line: 8, traceNumber: `${ODFI}9999999`, code: 'R01', why: 'No payment of this organization has this trace number.' },
    ]);
    expect(await statusOf(theirs.id, otherKey)).toBe('processing');
    expect(await statusOf(ours.id)).toBe('processing');
    const [otherRecipient] = await t.db.query<{ ready: boolean }>('select ready from recipients where organization_id = $1', [otherOrg]);
    expect(otherRecipient!.ready).toBe(true);
    expect(await t.db.query('select 1 from ach_return_entries where original_trace in ($1, $2)', [theirs.trace, ours.trace])).toEqual([]);
  });

  it('corrects the account number and type (C01, C05) when the method is still the one used, and ignores a NOC for a changed method', async () => {
    const fay = await bankRecipient(key, 'fay@example.com', '11112222');
    const gus = await bankRecipient(key, 'gus@example.com', '33334444');
    const fayPayout = await sentPayout(key, fay, 100, 'completed');
    const gusPayout = await sentPayout(key, gus, 200, 'completed');
    // Gus gives a new account after the payment: the bank's correction is about the old one.
    await setBankAccount(key, gus, '55556666');

    const response = await upload(
      bankFile(
        [],
        [
          { trace: fayPayout.trace, code: 'C01', corrected: '987654321' },
          { trace: gusPayout.trace, code: 'C01', corrected: '777788889' },
        ],
      ),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json().data.corrections).toEqual([
      { line: 4, traceNumber: fayPayout.trace, code: 'C01', payoutId: fayPayout.id, outcome: 'bank details corrected' },
      { line: 6, traceNumber: gusPayout.trace, code: 'C01', payoutId: gusPayout.id, outcome: 'ignored: payout method changed since' },
    ]);
    const active = async (recipientId: string) =>
      (
        await t.db.query<{ id: string; account_number_encrypted: string; account_number_last4: string; account_type: string; set_by_kind: string }>(
          'select id, account_number_encrypted, account_number_last4, account_type, set_by_kind from payout_methods where recipient_id = $1 and removed_at is null',
          [recipientId],
        )
      )[0]!;
    const corrected = await active(fay);
    expect(corrected).toMatchObject({ account_number_last4: '4321', account_type: 'checking', set_by_kind: 'bank' });
    expect(decryptText(TEST_ENCRYPTION_KEYS, corrected.account_number_encrypted)).toBe('987654321');
    expect(await recipient(fay)).toMatchObject({ status: 'ready', payoutMethod: { type: 'us_bank_account', last4: '4321' } });
    const [held] = await t.db.query<{ payouts_held_until: Date | null }>('select payouts_held_until from recipients where id = $1', [fay]);
    expect(held!.payouts_held_until).toBeNull();
    const emails = await t.db.query<{ changed_by: string }>(
      "select data->>'changedBy' as changed_by from emails where recipient_id = $1 and template = 'payout_method_changed' order by id",
      [fay],
    );
    expect(emails.map((e) => e.changed_by)).toEqual(['the sender (through its API)', 'your bank (a notification of change)']);
    const gusMethod = await active(gus);
    expect(decryptText(TEST_ENCRYPTION_KEYS, gusMethod.account_number_encrypted)).toBe('55556666');
    expect(gusMethod.set_by_kind).toBe('api_key');

    // C05 (transaction code 32: savings) on the payout of the corrected method's predecessor: that
    // method was replaced by the bank's own version, so it no longer applies either.
    const ignored = await upload(bankFile([], [{ trace: fayPayout.trace, code: 'C05', corrected: '32' }]));
    expect(ignored.json().data.corrections[0].outcome).toBe('ignored: payout method changed since');
    // A payout sent to the corrected account takes a C05 and becomes savings, the number kept.
    const later = await sentPayout(key, fay, 150);
    const savings = await upload(bankFile([], [{ trace: later.trace, code: 'C05', corrected: '32' }]));
    expect(savings.json().data.corrections[0].outcome).toBe('bank details corrected');
    const now = await active(fay);
    expect(now.account_type).toBe('savings');
    expect(decryptText(TEST_ENCRYPTION_KEYS, now.account_number_encrypted)).toBe('987654321');
    expect(await statusOf(later.id)).toBe('processing');
    // Applying it again changes nothing.
    const again = await upload(bankFile([], [{ trace: later.trace, code: 'C05', corrected: '32' }]));
    expect(again.json().data.corrections[0].outcome).toBe('already applied');
    expect((await active(fay)).id).toBe(now.id);
  });

  it('refuses a malformed file with the line at fault and applies nothing from it', async () => {
    const hal = await bankRecipient(key, 'hal@example.com');
    const payout = await sentPayout(key, hal, 600);
    const lines = bankFile([{ trace: payout.trace, code: 'R03', amount: 600 }]).split('\n');
    lines[4] = lines[4]!.slice(0, 93);
    const response = await upload(lines.join('\n'));
    expectApiError(response, 400, 'invalid_request');
    expect(response.json().error.message).toMatch(/Line 5\b/);
    expect(await statusOf(payout.id)).toBe('processing');
    expect((await recipient(hal)).status).toBe('ready');
    expect(await t.db.query('select 1 from ach_return_entries where original_trace = $1', [payout.trace])).toEqual([]);

    expectApiError(await upload(''), 400, 'invalid_request');
    const json = await t.app.inject({ method: 'POST', url: '/ach/returns', headers: bearer(key), payload: { file: 'x' } });
    expectApiError(json, 400, 'invalid_request');
  });

  it('exists in production only and for the roles that may write bank files', async () => {
    const sandboxKey = await t.createKey('sandbox');
    const response = await upload(bankFile([]), sandboxKey);
    expectApiError(response, 400, 'invalid_request');
    expect(response.json().error.message).toBe('Bank files exist in production only.');
    expect((await t.app.inject({ method: 'POST', url: '/ach/returns', headers: { 'content-type': 'text/plain' }, payload: 'x' })).statusCode).toBe(401);
  });

  it('applies a file from the command line and prints the report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'payouts-ach-returns-'));
    try {
      const path = join(dir, 'returns.txt');
      await writeFile(path, bankFile([{ trace: `${ODFI}8888888`, code: 'R02', amount: 10 }]));
      const out: string[] = [];
      const code = await achReturnsCommand.run({
        config: { ...t.config, databaseUrl: undefined, dataDir: join(dir, 'data') },
        values: {},
        positionals: [path],
        out: (line) => out.push(line),
        err: () => {},
      });
      expect(code).toBe(0);
      expect(out[0]).toBe('0 returns, 0 corrections, 1 unmatched.');
      expect(out[1]).toBe(`line 4\tR02\ttrace ${ODFI}8888888\tunmatched: No payment of this organization has this trace number.`);
      await expect(
        achReturnsCommand.run({
          config: { ...t.config, dataDir: join(dir, 'data') },
          values: {},
          positionals: [join(dir, 'missing.txt')],
          out: () => {},
          err: () => {},
        }),
      ).rejects.toThrow(/Cannot read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
