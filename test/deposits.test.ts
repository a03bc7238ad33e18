import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, signInAs, type TestApp } from './harness.js';
import { createBatch, expectApiError, expectLedgerConsistent, getBalance } from './payout-helpers.js';

// Funding deposits (issue #14): an admin records money received in the bank; the available
// balance is credited once per bank reference, through the ledger, and a mistake is reversed by a
// new posting. On PGlite and on PostgreSQL (where two submits really run at the same time).
describe('funding deposits', () => {
  let t: TestApp;
  let key: string;
  let admin: Awaited<ReturnType<typeof signInAs>>;
  let manager: Awaited<ReturnType<typeof signInAs>>;
  let accountant: Awaited<ReturnType<typeof signInAs>>;
  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('production');
    admin = await signInAs(t, 'admin');
    manager = await signInAs(t, 'manager');
    accountant = await signInAs(t, 'accountant');
  });
  afterAll(() => t?.close());

  const deposit = (payload: object, headers: Record<string, string> = admin()) => t.app.inject({ method: 'POST', url: '/balance/deposits', headers, payload });
  const reverse = (id: string, payload: object, headers: Record<string, string> = admin()) =>
    t.app.inject({ method: 'POST', url: `/balance/deposits/${id}/reverse`, headers, payload });
  const deposits = async (headers: Record<string, string> = admin()) =>
    (await t.app.inject({ method: 'GET', url: '/balance/deposits?limit=100', headers })).json().data;
  const ledgerKinds = async (kind: string) =>
    (await t.db.query<{ n: bigint }>(`select count(*)::bigint as n from ledger_entries where kind = $1 and account = 'available'`, [kind]))[0]!.n;

  it('credits available through the ledger and records who, when and the reference', async () => {
    const response = await deposit({ amount: 500_000, bankReference: 'WIRE-1001', receivedOn: '2026-11-30' });
    expect(response.statusCode, response.body).toBe(201);
    const data = response.json().data;
    expect(data).toMatchObject({ amount: 500_000, currency: 'USD', bankReference: 'WIRE-1001', receivedOn: '2026-11-30', reversal: null });
    expect(data.recordedBy).toMatch(/^admin-.*@example\.com$/);
    expect(await getBalance(t, key)).toMatchObject({ available: 500_000, held: 0, paidOut: 0 });
    const entries = (await t.app.inject({ method: 'GET', url: '/balance/transactions', headers: bearer(key) })).json().data;
    expect(entries[0]).toMatchObject({ account: 'available', amount: 500_000, kind: 'deposit' });
    await expectLedgerConsistent(t.db);
  });

  it('submitted again with the same reference answers the same deposit and credits nothing', async () => {
    const again = await deposit({ amount: 500_000, bankReference: ' wire-1001 ', receivedOn: '2026-11-30' });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().data.bankReference).toBe('WIRE-1001');
    expect((await getBalance(t, key)).available).toBe(500_000);
    expect(await ledgerKinds('deposit')).toBe(1n);
  });

  it('answers 409 for the same reference with another amount or date, crediting nothing', async () => {
    for (const payload of [
      { amount: 500_001, bankReference: 'WIRE-1001', receivedOn: '2026-11-30' },
      { amount: 500_000, bankReference: 'WIRE-1001', receivedOn: '2026-11-29' },
    ]) {
      const conflict = await deposit(payload);
      expectApiError(conflict, 409, 'conflict', 'bankReference');
      expect(conflict.json().error.message).toContain('5,000.00 USD received on 2026-11-30');
    }
    expect((await getBalance(t, key)).available).toBe(500_000);
  });

  it('credits once when the same deposit is submitted many times at once', async () => {
    const before = (await getBalance(t, key)).available;
    const answers = await Promise.all(Array.from({ length: 6 }, () => deposit({ amount: 12_345, bankReference: 'WIRE-RACE', receivedOn: '2026-12-01' })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.json().data.id)).size).toBe(1);
    expect((await getBalance(t, key)).available).toBe(before + 12_345);
    expect(await ledgerKinds('deposit')).toBe(2n);
    await expectLedgerConsistent(t.db);
  });

  it('is per environment and per organization: the same reference elsewhere is another deposit', async () => {
    const sandbox = await deposit({ amount: 100, bankReference: 'WIRE-1001', receivedOn: '2026-11-30' }, admin('sandbox'));
    expect(sandbox.statusCode).toBe(201);
    const otherOrg = await t.createOrganization('Other org');
    const otherAdmin = await signInAs(t, 'admin', otherOrg);
    expect((await deposit({ amount: 100, bankReference: 'WIRE-1001', receivedOn: '2026-11-30' }, otherAdmin())).statusCode).toBe(201);
    expect((await deposits()).map((d: { bankReference: string }) => d.bankReference)).toEqual(['WIRE-RACE', 'WIRE-1001']);
    expect(await deposits(otherAdmin())).toHaveLength(1);
    // A foreign id is a 404, never a 403.
    const foreign = (await deposits(otherAdmin()))[0].id;
    expectApiError(await reverse(foreign, { reason: 'Mine now' }), 404, 'not_found');
  });

  it('refuses bad input with the field named', async () => {
    const cases: [object, number, string, string][] = [
      [{ amount: 0, bankReference: 'A', receivedOn: '2026-11-30' }, 400, 'invalid_request', 'amount'],
      [{ amount: 10.5, bankReference: 'A', receivedOn: '2026-11-30' }, 400, 'invalid_request', 'amount'],
      [{ amount: 10, bankReference: '   ', receivedOn: '2026-11-30' }, 400, 'invalid_request', 'bankReference'],
      [{ amount: 10, bankReference: 'A\nB', receivedOn: '2026-11-30' }, 400, 'invalid_request', 'bankReference'],
      [{ amount: 10, bankReference: 'x'.repeat(101), receivedOn: '2026-11-30' }, 400, 'invalid_request', 'bankReference'],
      [{ amount: 10, bankReference: 'A', receivedOn: '2026-02-30' }, 400, 'invalid_request', 'receivedOn'],
      [{ amount: 10, bankReference: 'A', receivedOn: '30/11/2026' }, 400, 'invalid_request', 'receivedOn'],
      [{ amount: 10, bankReference: 'A', receivedOn: '2999-01-01' }, 400, 'invalid_request', 'receivedOn'],
      [{ amount: 10, bankReference: 'A' }, 400, 'invalid_request', 'receivedOn'],
    ];
    for (const [payload, status, code, param] of cases) {
      const response = await deposit(payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(status);
      expect(response.json().error.code).toBe(code);
      expect(response.json().error.param ?? '', JSON.stringify(payload)).toContain(param);
    }
    // The day after the latest "today" on Earth (UTC+14): in the future wherever, whenever the test runs.
    const afterLatestToday = new Date(Date.now() + (14 + 24) * 3600_000).toISOString().slice(0, 10);
    expectApiError(await deposit({ amount: 10, bankReference: 'FUTURE', receivedOn: afterLatestToday }), 400, 'invalid_request', 'receivedOn');
  });

  it('is for admins in the dashboard only: managers, accountants and API keys are refused, all can read', async () => {
    const before = (await getBalance(t, key)).available;
    const payload = { amount: 1, bankReference: 'NOT-ME', receivedOn: '2026-11-30' };
    const someDeposit = (await deposits())[0].id;
    for (const headers of [manager(), accountant(), bearer(key)]) {
      expectApiError(await deposit(payload, headers), 403, 'forbidden');
      expectApiError(await reverse(someDeposit, { reason: 'x' }, headers), 403, 'forbidden');
    }
    expectApiError(await deposit(payload, { cookie: admin().cookie, 'x-payouts-environment': 'production' }), 403, 'forbidden');
    expect((await getBalance(t, key)).available).toBe(before);
    expect((await deposits(manager())).length).toBe(2);
    expect((await deposits(accountant())).length).toBe(2);
    expect((await t.app.inject({ method: 'GET', url: '/balance/deposits', headers: bearer(key) })).statusCode).toBe(200);
  });

  it('pages with limit and cursor, newest first', async () => {
    for (const n of [1, 2, 3]) await deposit({ amount: n, bankReference: `PAGE-${n}`, receivedOn: '2026-11-30' });
    const first = (await t.app.inject({ method: 'GET', url: '/balance/deposits?limit=2', headers: admin() })).json();
    expect(first.data.map((d: { bankReference: string }) => d.bankReference)).toEqual(['PAGE-3', 'PAGE-2']);
    expect(first.hasMore).toBe(true);
    const second = (await t.app.inject({ method: 'GET', url: `/balance/deposits?limit=2&cursor=${first.nextCursor}`, headers: admin() })).json();
    expect(second.data.map((d: { bankReference: string }) => d.bankReference)).toEqual(['PAGE-1', 'WIRE-RACE']);
  });

  it('reverses a deposit with a new posting, once, and keeps the reference taken', async () => {
    const before = (await getBalance(t, key)).available;
    const race = (await deposits()).find((d: { bankReference: string }) => d.bankReference === 'WIRE-RACE');
    expectApiError(await reverse(race.id, { reason: '  ' }), 400, 'invalid_request', 'reason');
    const reversed = await reverse(race.id, { reason: 'Entered twice by mistake' });
    expect(reversed.statusCode, reversed.body).toBe(200);
    expect(reversed.json().data).toMatchObject({
      amount: 12_345,
      reversal: { reason: 'Entered twice by mistake', reversedBy: expect.stringMatching(/^admin-/) },
    });
    expect((await getBalance(t, key)).available).toBe(before - 12_345);
    const again = await reverse(race.id, { reason: 'Again' });
    expectApiError(again, 409, 'invalid_state', 'id');
    expect((await getBalance(t, key)).available).toBe(before - 12_345);
    expect(await ledgerKinds('deposit_reversal')).toBe(1n);
    // The reference stays recorded: submitting it again credits nothing.
    expect((await deposit({ amount: 12_345, bankReference: 'WIRE-RACE', receivedOn: '2026-12-01' })).statusCode).toBe(200);
    expect((await getBalance(t, key)).available).toBe(before - 12_345);
    expectApiError(await reverse('01a20cc7-930f-713c-942f-93b959e2b413', { reason: 'x' }), 404, 'not_found');
    expectApiError(await reverse('nope', { reason: 'x' }), 404, 'not_found');
    await expectLedgerConsistent(t.db);
  });

  it('refuses a reversal available cannot cover (money held for payouts): balances never go negative', async () => {
    const small = (await deposit({ amount: 1_000, bankReference: 'SMALL', receivedOn: '2026-11-30' })).json().data;
    const { available } = await getBalance(t, key);
    expect((await createBatch(t, key, [{ payeeEmail: 'held@example.com', amount: available - 500 }])).statusCode).toBe(201);
    const refused = await reverse(small.id, { reason: 'Bounced' });
    expectApiError(refused, 409, 'invalid_state', 'id');
    expect(refused.json().error.message).toMatch(/available balance \(5\.00 USD\) cannot cover reversing this 10\.00 USD deposit/);
    expect((await getBalance(t, key)).available).toBe(500);
    expect((await deposits()).find((d: { id: string }) => d.id === small.id).reversal).toBeNull();
    await expectLedgerConsistent(t.db);
  });
});
