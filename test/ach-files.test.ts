import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutFile, settleDueSlice } from '../src/modules/ach/index.js';
import { settlePayout } from '../src/modules/payouts/payouts.service.js';
import type { Tenant } from '../src/platform/tenant.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { BANK_SETTINGS, bankRecipient, type DashboardHeaders, expectedModifier, fundProduction, pendingPayouts, setUpBank } from './ach-helpers.js';
import { bearer, createTestApp, signInAs, TEST_ENCRYPTION_KEYS, type TestApp } from './harness.js';
import { expectApiError, expectLedgerConsistent, getBalance, getPayment, testWorker } from './payout-helpers.js';

// The ACH rail end to end through the API: settings, the rail on each payout, cutting, the file's
// lifecycle and settlement on a moved clock, on both databases.
describe('ACH bank files', () => {
  let t: TestApp;
  let key: string;
  let admin: DashboardHeaders;
  let manager: DashboardHeaders;
  let worker: RunningWorker;
  let tenant: Tenant;
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, headers?: Record<string, string>) =>
    t.app.inject({ method, url, headers: headers ?? bearer(key), ...(payload ? { payload } : {}) });
  const files = async () => (await api('GET', '/ach/files?limit=100')).json().data as { id: string; status: string; fileName: string }[];
  const download = async (id: string) => {
    const response = await api('GET', `/ach/files/${id}/download`);
    expect(response.statusCode, response.body).toBe(200);
    return response;
  };

  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('production');
    tenant = { organizationId: t.defaultOrganizationId, environment: 'production' };
    admin = await signInAs(t, 'admin');
    manager = await signInAs(t, 'manager');
    worker = testWorker(t);
    await fundProduction(t, t.defaultOrganizationId, 50_000_000_000n);
  });
  afterAll(() => t.close());

  it('starts with the rail off and says why; payouts to bank accounts go by hand meanwhile', async () => {
    const settings = await api('GET', '/ach/settings', undefined, admin());
    expect(settings.json()).toMatchObject({ configured: false, settings: null });
    expect(settings.json().problems[0]).toMatch(/not set up/);
    const recipient = await bankRecipient(t, key);
    const [id] = await pendingPayouts(t, key, worker, [{ recipientId: recipient, amount: 1000 }]);
    expect((await getPayment(t, key, id!)).rail).toBe('manual');
    expectApiError(await api('POST', '/ach/files'), 409, 'invalid_state');
  });

  it('validates the bank settings field by field; only admins save them; never in the sandbox', async () => {
    const bad = await api('PUT', '/ach/settings', { ...BANK_SETTINGS, odfiRouting: '021000022' }, admin());
    expectApiError(bad, 400, 'invalid_request', 'odfiRouting');
    const longName = await api('PUT', '/ach/settings', { ...BANK_SETTINGS, companyName: 'A NAME FAR TOO LONG FOR NACHA' }, admin());
    expectApiError(longName, 400, 'invalid_request', 'companyName');
    const balancedWithoutAccount = await api('PUT', '/ach/settings', { ...BANK_SETTINGS, balanced: true }, admin());
    expectApiError(balancedWithoutAccount, 400, 'invalid_request', 'offsetRoutingNumber');
    expect((await api('PUT', '/ach/settings', BANK_SETTINGS, manager())).statusCode).toBe(403);
    expect((await api('PUT', '/ach/settings', BANK_SETTINGS)).statusCode).toBe(403);
    expectApiError(await api('GET', '/ach/settings', undefined, admin('sandbox')), 400, 'invalid_request');
    expect((await api('GET', '/ach/settings', undefined, admin())).json().configured).toBe(false);

    await setUpBank(t, admin);
    const saved = (await api('GET', '/ach/settings', undefined, manager())).json();
    expect(saved).toMatchObject({
      configured: true,
      problems: [],
      settings: { ...BANK_SETTINGS, immediateDestination: '021000021', timeZone: 'America/New_York' },
    });
  });

  it('records the rail on each payout as it becomes pending, and refuses to settle an ACH payout by hand', async () => {
    const bank = await bankRecipient(t, key);
    const paypal = await bankRecipient(t, key, { paypal: true });
    const [ach, manual, huge] = await pendingPayouts(t, key, worker, [
      { recipientId: bank, amount: 2500 },
      { recipientId: paypal, amount: 2500 },
      { recipientId: bank, amount: 10_000_000_000 },
    ]);
    expect((await getPayment(t, key, ach!)).rail).toBe('ach');
    expect((await getPayment(t, key, manual!)).rail).toBe('manual');
    const over = await getPayment(t, key, huge!);
    expect(over.rail).toBe('manual');
    expect(over.statusUpdates.at(-1)).toMatchObject({ status: 'pending', reason: expect.stringMatching(/over the ACH limit/) });
    await expect(settlePayout(t.db, tenant, ach!, 'completed')).rejects.toMatchObject({ code: 'invalid_state', message: expect.stringMatching(/ACH rail/) });
    // Clean slate for the next scenarios: the manual ones are settled by hand, the ACH one goes in the next file.
    await settlePayout(t.db, tenant, manual!, 'completed');
    await settlePayout(t.db, tenant, huge!, 'completed');
  });

  it('cuts a file of every pending ACH payout: 94-character records in blocks of ten, one batch per SEC code, downloadable byte for byte', async () => {
    const people = [await bankRecipient(t, key), await bankRecipient(t, key, { accountType: 'savings' })];
    const business = await bankRecipient(t, key, { holderType: 'business' });
    const ids = await pendingPayouts(t, key, worker, [
      { recipientId: people[0]!, amount: 1234 },
      { recipientId: people[1]!, amount: 5678 },
      { recipientId: business, amount: 90_000 },
    ]);
    const before = await getBalance(t, key);
    const cut = await api('POST', '/ach/files', undefined, manager());
    expect(cut.statusCode, cut.body).toBe(201);
    const file = cut.json().data;
    // The payout left pending by the previous scenario is in it too.
    expect(file).toMatchObject({ status: 'created', payoutCount: 4, entryCount: 4, creditTotal: 2500 + 1234 + 5678 + 90_000, debitTotal: 0 });
    expect(file.fileName).toMatch(/^ach-\d{8}-A\.txt$/);
    for (const id of ids) {
      const payment = await getPayment(t, key, id);
      expect(payment.status).toBe('processing');
    }
    expect(await getBalance(t, key)).toEqual(before);

    const response = await download(file.id);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.headers['content-disposition']).toBe(`attachment; filename="${file.fileName}"`);
    expect(response.rawPayload.length).toBe(file.byteLength);
    expect(createHash('sha256').update(response.rawPayload).digest('hex')).toBe(file.sha256);
    const lines = response.body.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.every((line) => line.length === 94)).toBe(true);
    expect(lines.length % 10).toBe(0);
    expect(lines.map((l) => l[0]).join('')).toMatch(/^15(6)+85(6)+89(9)*$/);
    expect(lines.filter((l) => l.startsWith('5')).map((l) => l.slice(50, 53))).toEqual(['PPD', 'CCD']);
    // Account numbers are in the file (the bank needs them) and nowhere in the API's answers.
    const entries = (await api('GET', `/ach/files/${file.id}/entries`)).json().data;
    expect(entries).toHaveLength(4);
    for (const entry of entries) {
      expect(entry.traceNumber).toMatch(/^02100002\d{7}$/);
      expect(lines.some((l) => l.startsWith('6') && l.endsWith(entry.traceNumber))).toBe(true);
      expect(entry).not.toHaveProperty('accountNumber');
    }
    expect(new Set(entries.map((e: { traceNumber: string }) => e.traceNumber)).size).toBe(4);

    expectApiError(await api('POST', '/ach/files'), 409, 'invalid_state');
    expect((await files()).map((f) => f.id)).toEqual([file.id]);
  });

  it('settles only a sent file, and only once its effective date has ended in the bank time zone', async () => {
    const [file] = await files();
    const detail = (await api('GET', `/ach/files/${file!.id}`)).json().data;
    // 23:59 New York time in daylight saving time, 22:59 in winter: on the effective date either way.
    const effectiveEnd = new Date(`${detail.effectiveDate}T23:59:00-04:00`);
    const dayAfter = new Date(effectiveEnd.getTime() + 3 * 3600_000);
    expect(await t.db.transaction((tx) => settleDueSlice(tx, 'America/New_York', dayAfter))).toBe(0);
    expect((await api('GET', `/ach/files/${file!.id}`)).json().data.status).toBe('created');

    const sent = await api('POST', `/ach/files/${file!.id}/sent`, undefined, manager());
    expect(sent.json().data).toMatchObject({ status: 'sent', sentAt: expect.any(String) });
    expectApiError(await api('POST', `/ach/files/${file!.id}/sent`), 409, 'invalid_state');
    expect(await t.db.transaction((tx) => settleDueSlice(tx, 'America/New_York', effectiveEnd))).toBe(0);

    const before = await getBalance(t, key);
    expect(await t.db.transaction((tx) => settleDueSlice(tx, 'America/New_York', dayAfter))).toBeGreaterThan(0);
    expect(await t.db.transaction((tx) => settleDueSlice(tx, 'America/New_York', dayAfter))).toBe(0);
    expect((await api('GET', `/ach/files/${file!.id}`)).json().data).toMatchObject({ status: 'settled', settledAt: expect.any(String) });
    const entries = (await api('GET', `/ach/files/${file!.id}/entries`)).json().data;
    expect(entries.every((e: { payoutStatus: string }) => e.payoutStatus === 'completed')).toBe(true);
    const after = await getBalance(t, key);
    expect(after.held).toBe(before.held - detail.creditTotal);
    expect(after.paidOut).toBe(before.paidOut + detail.creditTotal);
    const lateVoid = await api('POST', `/ach/files/${file!.id}/void`);
    expectApiError(lateVoid, 409, 'invalid_state');
    await expectLedgerConsistent(t.db);
  });

  it('voids a file: its payouts go back to pending with the reason, and the next cut takes them again', async () => {
    const recipient = await bankRecipient(t, key);
    const ids = await pendingPayouts(t, key, worker, [
      { recipientId: recipient, amount: 300 },
      { recipientId: recipient, amount: 400 },
    ]);
    const first = (await api('POST', '/ach/files')).json().data;
    expect(first.fileIdModifier).toBe(expectedModifier(await files(), first));
    const voided = await api('POST', `/ach/files/${first.id}/void`, { reason: 'Rejected by the bank: bad batch' });
    expect(voided.json().data).toMatchObject({ status: 'voided', voidReason: 'Rejected by the bank: bad batch' });
    for (const id of ids) {
      const payment = await getPayment(t, key, id);
      expect(payment.statusUpdates.at(-1)).toMatchObject({ status: 'pending', reason: 'Bank file voided' });
      expect(payment.rail).toBe('ach');
    }
    expect(await t.db.transaction((tx) => settleDueSlice(tx, 'America/New_York', new Date('2100-01-01')))).toBe(0);

    const second = (await api('POST', '/ach/files')).json().data;
    expect(second).toMatchObject({ payoutCount: 2, creditTotal: 700, fileIdModifier: expectedModifier(await files(), second) });
    const oldEntries = (await api('GET', `/ach/files/${first.id}/entries`)).json().data;
    const newEntries = (await api('GET', `/ach/files/${second.id}/entries`)).json().data;
    expect(oldEntries.every((e: { active: boolean }) => !e.active)).toBe(true);
    expect(newEntries.map((e: { payoutId: string }) => e.payoutId).sort()).toEqual([...ids].sort());
    // New trace numbers: never one used before, even in a voided file.
    const oldTraces = new Set(oldEntries.map((e: { traceNumber: string }) => e.traceNumber));
    expect(newEntries.some((e: { traceNumber: string }) => oldTraces.has(e.traceNumber))).toBe(false);
    // Leave nothing processing for the later scenarios.
    await api('POST', `/ach/files/${second.id}/void`);
    await expectLedgerConsistent(t.db);
  });

  it('leaves out held recipients and payouts canceled before the cut', async () => {
    const held = await bankRecipient(t, key);
    const free = await bankRecipient(t, key);
    const [heldPayout, canceled, taken] = await pendingPayouts(t, key, worker, [
      { recipientId: held, amount: 100 },
      { recipientId: free, amount: 200 },
      { recipientId: free, amount: 300 },
    ]);
    await t.db.query(`update recipients set payouts_held_until = now() + interval '1 day' where id = $1`, [held]);
    expect((await api('POST', `/payments/${canceled}/cancel`)).statusCode).toBe(200);
    const file = (await api('POST', '/ach/files')).json().data;
    const entries = (await api('GET', `/ach/files/${file.id}/entries`)).json().data;
    expect(entries.map((e: { payoutId: string }) => e.payoutId)).not.toContain(heldPayout);
    expect(entries.map((e: { payoutId: string }) => e.payoutId)).not.toContain(canceled);
    expect(entries.map((e: { payoutId: string }) => e.payoutId)).toContain(taken);
    expect((await getPayment(t, key, heldPayout!)).status).toBe('pending');
    await api('POST', `/ach/files/${file.id}/void`);
  });

  it('puts every payout in exactly one file when two cuts run at once', async () => {
    const recipients = await Promise.all([1, 2, 3].map(() => bankRecipient(t, key)));
    await pendingPayouts(
      t,
      key,
      worker,
      Array.from({ length: 60 }, (_, i) => ({ recipientId: recipients[i % 3]!, amount: 100 + i })),
    );
    const [due] = await t.db.query<{ n: number }>(
      `select count(*)::int as n from payouts p join recipients r on r.id = p.recipient_id
       where p.status = 'pending' and p.rail = 'ach' and p.environment = 'production' and (r.payouts_held_until is null or r.payouts_held_until < now())`,
    );
    expect(due!.n).toBeGreaterThanOrEqual(60);
    const options = { keys: TEST_ENCRYPTION_KEYS, timeZone: 'America/New_York', leaseSeconds: 60, by: 'test' };
    const results = await Promise.allSettled([cutFile(t.db, t.defaultOrganizationId, options), cutFile(t.db, t.defaultOrganizationId, options)]);
    const cut = results.filter((r) => r.status === 'fulfilled').map((r) => r.value!);
    expect(cut.length).toBeGreaterThan(0);
    const [row] = await t.db.query<{ entries: number; payouts: number }>(
      `select count(*)::int as entries, count(distinct payout_id)::int as payouts from ach_entries where active`,
    );
    expect(row!.entries).toBe(row!.payouts);
    const [pending] = await t.db.query<{ n: number }>(
      `select count(*)::int as n from payouts where status = 'pending' and rail = 'ach' and environment = 'production'`,
    );
    // Everything pending and not held went into a file (the held recipient's payout stays).
    expect(pending!.n).toBe(1);
    expect(cut.reduce((sum, f) => sum + f.payoutCount, 0)).toBe(due!.n);
    await expectLedgerConsistent(t.db);
  });
});
