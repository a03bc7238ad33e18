import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_OPENING_BALANCE } from '../src/modules/ledger/ledger.service.js';
import { bearer, createTestApp, type TestApp } from './harness.js';

// Issue #9, finding 3: every amount, total and balance is bounded where it is written, so that
// nothing stored is past what JSON carries exactly (2^53−1), and no read can fail on stored data.
const MAX = Number.MAX_SAFE_INTEGER;

describe('amounts past 2^53−1', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  let organizations = 0;
  /** A key on an organization of its own, so that each test sees only its own batches. */
  const freshKey = async () => t.createKey('sandbox', await t.createOrganization(`Overflow ${++organizations}`));
  const call = (key: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });

  it('refuses two external payments of 2^53−1 in one request (the audit repro), and GET /batches keeps working', async () => {
    const key = await freshKey();
    const response = await call(key, 'POST', '/external-payments', {
      payouts: [
        { payeeEmail: 'a@example.com', amount: MAX },
        { payeeEmail: 'b@example.com', amount: MAX },
      ],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_amount', param: 'payouts' });
    expect(response.json().error.message).toMatch(/9007199254740991/);
    const list = await call(key, 'GET', '/batches');
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toEqual([]);
  });

  it('records external payments of 2^53−1 in separate requests and reads them back exactly', async () => {
    const key = await freshKey();
    for (const email of ['c@example.com', 'd@example.com'])
      expect((await call(key, 'POST', '/external-payments', { payouts: [{ payeeEmail: email, amount: MAX }] })).statusCode).toBe(201);
    const list = await call(key, 'GET', '/batches');
    expect(list.statusCode).toBe(200);
    expect(list.json().data.map((b: { totalAmount: number }) => b.totalAmount)).toEqual([MAX, MAX]);
    const one = await call(key, 'GET', `/batches/${list.json().data[0].id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json().data.byStatus.completed).toEqual({ count: 1, amount: MAX });
  });

  it('refuses a payout batch whose total passes 2^53−1 with a 400, not an insufficient-funds 500', async () => {
    const key = await freshKey();
    const response = await call(key, 'POST', '/payments', {
      payouts: [
        { payeeEmail: 'e@example.com', amount: MAX },
        { payeeEmail: 'f@example.com', amount: 1 },
      ],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_amount', param: 'payouts' });
    expect((await call(key, 'GET', '/batches')).json().data).toEqual([]);
  });

  it('keeps Karat’s answers for a zero amount and for a batch the balance cannot cover', async () => {
    const key = await freshKey();
    const zero = await call(key, 'POST', '/payments', { payouts: [{ payeeEmail: 'g@example.com', amount: 0 }] });
    expect(zero.statusCode).toBe(400);
    expect(zero.json().error.message).toBe('All payout amounts must be greater than zero.');
    const tooMuch = await call(key, 'POST', '/payments', { payouts: [{ payeeEmail: 'g@example.com', amount: MAX }] });
    expect(tooMuch.statusCode).toBe(500);
    expect(tooMuch.json().error.code).toBe('insufficient_funds');
  });

  it('refuses a funding that would take the balance past 2^53−1, and the balance stays readable', async () => {
    const org = await t.createOrganization('Funding bounds');
    const key = await t.createKey('sandbox', org);
    const first = await call(key, 'POST', '/balance/fundings', { amount: MAX });
    expect(first.statusCode).toBe(400);
    expect(first.json().error).toMatchObject({ code: 'invalid_amount', param: 'amount' });
    const upToTheBound = await call(key, 'POST', '/balance/fundings', { amount: MAX - Number(SANDBOX_OPENING_BALANCE) });
    expect(upToTheBound.statusCode).toBe(201);
    expect(upToTheBound.json().data.balance.available).toBe(MAX);
    const oneMore = await call(key, 'POST', '/balance/fundings', { amount: 1 });
    expect(oneMore.statusCode).toBe(400);
    expect(oneMore.json().error).toMatchObject({ code: 'invalid_amount', param: 'amount' });
    const balance = await call(key, 'GET', '/balance');
    expect(balance.statusCode).toBe(200);
    expect(balance.json().data.available).toBe(MAX);
    // Money moved between accounts never passes the bound either: pay all of it out.
    const batch = await call(key, 'POST', '/payments', { payouts: [{ payeeEmail: 'h@example.com', amount: MAX }] });
    expect(batch.statusCode).toBe(201);
    expect((await call(key, 'GET', '/balance')).json().data).toMatchObject({ available: 0, held: MAX });
  });

  it('answers stored values written before the bounds existed instead of failing the read', async () => {
    const key = await t.createKey('sandbox', await t.createOrganization('Legacy data'));
    const created = await call(key, 'POST', '/external-payments', { payouts: [{ payeeEmail: 'i@example.com', amount: 5 }] });
    const batchId = created.json().data.batchId as string;
    await t.db.exec('alter table batches drop constraint batches_total_within_json_range');
    try {
      await t.db.query('update batches set total_amount = $1 where id = $2', [2n * BigInt(MAX), batchId]);
      const list = await call(key, 'GET', '/batches');
      expect(list.statusCode).toBe(200);
      expect(list.json().data[0].totalAmount).toBe(2 * MAX);
      expect((await call(key, 'GET', `/batches/${batchId}`)).statusCode).toBe(200);
    } finally {
      await t.db.query('update batches set total_amount = 5 where id = $1', [batchId]);
      await t.db.exec('alter table batches add constraint batches_total_within_json_range check (total_amount <= 9007199254740991) not valid');
    }
  });
});
