import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drain as drainWorker, expectApiError, testWorker } from './payout-helpers.js';
import { bearer, createTestApp, type TestApp } from './harness.js';

interface RecordedPayout {
  id: string;
  payeeEmail: string;
  amount: number;
  description: string | null;
  referenceId: string | null;
  idempotencyKey: string | null;
}

describe('external payments', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const freshKey = async (environment: 'sandbox' | 'production' = 'sandbox') => t.createKey(environment, await t.createOrganization());
  const record = (key: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/external-payments', headers: { ...bearer(key), ...headers }, payload: payload as object });
  const recorded = async (key: string, payload: unknown) => {
    const response = await record(key, payload);
    expect(response.statusCode).toBe(201);
    return response.json().data as { batchId: string; payouts: RecordedPayout[] };
  };
  const get = (key: string, url: string) => t.app.inject({ method: 'GET', url, headers: bearer(key) });
  const payoutIds = async (key: string): Promise<string[]> => (await get(key, '/payments?limit=100')).json().data.map((p: { id: string }) => p.id);
  const expectError = expectApiError;
  const drain = () => drainWorker(testWorker(t));

  it('records payouts by email and by recipient id, in request order', async () => {
    const key = await freshKey();
    const recipient = (
      await t.app.inject({
        method: 'POST',
        url: '/recipients',
        headers: bearer(key),
        payload: { recipients: [{ firstName: 'Rita', lastName: 'Levi', email: 'rita@example.com' }] },
      })
    ).json().data.recipients[0];
    const data = await recorded(key, {
      payouts: [
        { payeeEmail: 'Paid.Elsewhere@Example.com', amount: 1500, description: 'March invoice', referenceId: 'inv-3', idempotencyKey: 'ext-1' },
        { recipientId: recipient.id, amount: 250 },
      ],
    });
    expect(data.batchId).toMatch(/^[0-9a-f-]{36}$/);
    expect(data.payouts).toEqual([
      {
        id: expect.any(String),
        payeeEmail: 'paid.elsewhere@example.com',
        amount: 1500,
        description: 'March invoice',
        referenceId: 'inv-3',
        idempotencyKey: 'ext-1',
      },
      { id: expect.any(String), payeeEmail: 'rita@example.com', amount: 250, description: null, referenceId: null, idempotencyKey: null },
    ]);
    expect(data.payouts[0]!.id).not.toBe(data.payouts[1]!.id);
    const batch = (await get(key, `/batches/${data.batchId}`)).json().data;
    expect(batch).toMatchObject({ id: data.batchId, kind: 'external', payoutCount: 2, totalAmount: 1750, byStatus: { completed: { count: 2, amount: 1750 } } });
  });

  it('records isReimbursement and paidAt and returns them on the payment; without them, false and null', async () => {
    const key = await freshKey();
    const data = await recorded(key, {
      payouts: [
        { payeeEmail: 'expenses@example.com', amount: 900, isReimbursement: true, paidAt: '2025-12-31T23:30:00-05:00' },
        { payeeEmail: 'plain@example.com', amount: 100 },
      ],
    });
    const [first, second] = await Promise.all(data.payouts.map(async (p) => (await get(key, `/payments/${p.id}`)).json().data));
    expect(first).toMatchObject({ isReimbursement: true, paidAt: '2026-01-01T04:30:00.000Z', external: true });
    expect(second).toMatchObject({ isReimbursement: false, paidAt: null });
  });

  it('refuses a paidAt that is not a date-time, before 2000 or more than a day ahead, and records nothing', async () => {
    const key = await freshKey();
    const ahead = new Date(Date.now() + 2 * 24 * 60 * 60 * 1000).toISOString();
    for (const paidAt of ['yesterday', '2026-02-30T00:00:00Z', '1999-12-31T23:59:59Z', ahead]) {
      const response = await record(key, {
        payouts: [
          { payeeEmail: 'ok@example.com', amount: 1 },
          { payeeEmail: 'a@example.com', amount: 1, paidAt },
        ],
      });
      expectError(response, 400, 'invalid_request');
      expect(response.json().error.param).toMatch(/^payouts(\[1\]|\/1)/);
    }
    const soon = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    expect((await record(key, { payouts: [{ payeeEmail: 'a@example.com', amount: 1, paidAt: soon }] })).statusCode).toBe(201);
    expect(await payoutIds(key)).toHaveLength(1);
  });

  it('records them as completed at once, and the worker leaves them alone', async () => {
    const key = await freshKey();
    const { batchId, payouts } = await recorded(key, { payouts: [{ payeeEmail: 'done@example.com', amount: 900, referenceId: 'ref-ext' }] });
    const check = async () => {
      const response = await get(key, `/payments/${payouts[0]!.id}`);
      expect(response.statusCode).toBe(200);
      const payment = response.json().data;
      expect(payment).toMatchObject({ id: payouts[0]!.id, amount: 900, referenceId: 'ref-ext', status: 'completed', external: true, batchId });
      expect(payment.recipient.email).toBe('done@example.com');
      expect(payment.statusUpdates.map((u: { status: string }) => u.status)).toEqual(['created', 'completed']);
      for (const update of payment.statusUpdates) expect(update.reason).toBeNull();
    };
    await check();
    await drain();
    await check();
  });

  it('moves no money, in the sandbox or in production', async () => {
    const key = await freshKey();
    const before = (await get(key, '/balance')).json().data;
    expect(before.available).toBe(100_000_000);
    const { batchId } = await recorded(key, {
      payouts: [
        { payeeEmail: 'a@example.com', amount: 5_000 },
        { payeeEmail: 'b@example.com', amount: 7 },
      ],
    });
    await drain();
    expect((await get(key, '/balance')).json().data).toEqual(before);
    expect((await get(key, `/balance/transactions?batchId=${batchId}`)).json().data).toEqual([]);

    // Production starts unfunded: recording outside payments still works and the balance stays at zero.
    const live = await freshKey('production');
    const liveBefore = (await get(live, '/balance')).json().data;
    await recorded(live, { payouts: [{ payeeEmail: 'paid@example.com', amount: 10_000_000 }] });
    expect((await get(live, '/balance')).json().data).toEqual(liveBefore);
  });

  it('answers the earlier payout for a reused item idempotencyKey and records nothing new for it', async () => {
    const org = await t.createOrganization();
    const key = await t.createKey('sandbox', org);
    const first = await recorded(key, { payouts: [{ payeeEmail: 'once@example.com', amount: 100, idempotencyKey: 'item-a' }] });
    const second = await recorded(key, {
      payouts: [
        { payeeEmail: 'once@example.com', amount: 100, idempotencyKey: 'item-a' },
        { payeeEmail: 'twice@example.com', amount: 200, idempotencyKey: 'item-b' },
      ],
    });
    expect(second.payouts[0]).toEqual(first.payouts[0]);
    expect(second.payouts[1]).toMatchObject({ payeeEmail: 'twice@example.com', amount: 200, idempotencyKey: 'item-b' });
    expect(second.payouts[1]!.id).not.toBe(first.payouts[0]!.id);
    expect((await payoutIds(key)).sort()).toEqual([first.payouts[0]!.id, second.payouts[1]!.id].sort());
    expect((await get(key, `/batches/${second.batchId}`)).json().data).toMatchObject({ payoutCount: 1, totalAmount: 200 });

    // Only already-recorded items: nothing new at all.
    const third = await recorded(key, { payouts: [{ payeeEmail: 'twice@example.com', amount: 200, idempotencyKey: 'item-b' }] });
    expect(third.payouts.map((p) => p.id)).toEqual([second.payouts[1]!.id]);
    expect(await payoutIds(key)).toHaveLength(2);

    // Item keys are scoped to the environment.
    const live = await t.createKey('production', org);
    const elsewhere = await recorded(live, { payouts: [{ payeeEmail: 'once@example.com', amount: 100, idempotencyKey: 'item-a' }] });
    expect(elsewhere.payouts[0]!.id).not.toBe(first.payouts[0]!.id);
  });

  it('rejects the same item idempotencyKey twice in one request', async () => {
    const key = await freshKey();
    const response = await record(key, {
      payouts: [
        { payeeEmail: 'x@example.com', amount: 1, idempotencyKey: 'dup' },
        { payeeEmail: 'y@example.com', amount: 2, idempotencyKey: 'dup' },
      ],
    });
    expectError(response, 400, 'invalid_request', 'payouts');
    expect(await payoutIds(key)).toEqual([]);
  });

  it('replays a batch idempotencyKey with the same body and Idempotent-Replayed', async () => {
    const key = await freshKey();
    const payload = { idempotencyKey: 'batch-1', payouts: [{ payeeEmail: 'replay@example.com', amount: 4200, description: 'Bonus' }] };
    const first = await record(key, payload);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await record(key, payload);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(await payoutIds(key)).toEqual([first.json().data.payouts[0].id]);

    const viaHeader = await record(key, { payouts: payload.payouts }, { 'idempotency-key': 'batch-1' });
    expect(viaHeader.headers['idempotent-replayed']).toBe('true');
    expect(viaHeader.body).toBe(first.body);

    const different = await record(key, { idempotencyKey: 'batch-1', payouts: [{ payeeEmail: 'replay@example.com', amount: 4201 }] });
    expectError(different, 422, 'idempotency_key_reused');
    expect(await payoutIds(key)).toHaveLength(1);
  });

  it.each([
    ['zero', 0],
    ['negative', -5],
  ])('rejects a %s amount with 400 invalid_amount and records nothing', async (_label, amount) => {
    const key = await freshKey();
    const response = await record(key, {
      payouts: [
        { payeeEmail: 'ok@example.com', amount: 10 },
        { payeeEmail: 'bad@example.com', amount },
      ],
    });
    expectError(response, 400, 'invalid_amount', 'payouts[1].amount');
    expect(response.json().error.message).toBe('All payout amounts must be greater than zero.');
    expect(await payoutIds(key)).toEqual([]);
    expect((await get(key, '/recipients')).json().data).toEqual([]);
  });

  it.each([
    ['neither payeeEmail nor recipientId', [{ amount: 10 }], 'payouts[0]'],
    ['both payeeEmail and recipientId', [{ payeeEmail: 'a@example.com', recipientId: '0190a4b2-0000-7000-8000-000000000000', amount: 10 }], 'payouts[0]'],
    [
      'an unknown recipientId',
      [
        { payeeEmail: 'a@example.com', amount: 1 },
        { recipientId: '0190a4b2-0000-7000-8000-000000000000', amount: 10 },
      ],
      'payouts[1].recipientId',
    ],
    ['an unknown field', [{ payeeEmail: 'a@example.com', amount: 10, currency: 'EUR' }], 'payouts[0].currency'],
    ['a fractional amount', [{ payeeEmail: 'a@example.com', amount: 10.5 }], 'payouts[0].amount'],
  ])('rejects %s with 400 and records nothing', async (_label, payouts, param) => {
    const key = await freshKey();
    expectError(await record(key, { payouts }), 400, 'invalid_request', param);
    expect(await payoutIds(key)).toEqual([]);
  });

  it('refuses to cancel an external payout with 409', async () => {
    const key = await freshKey();
    const { payouts } = await recorded(key, { payouts: [{ payeeEmail: 'keep@example.com', amount: 300 }] });
    const response = await t.app.inject({ method: 'POST', url: `/payments/${payouts[0]!.id}/cancel`, headers: bearer(key) });
    expectError(response, 409, 'invalid_state');
    const payment = (await get(key, `/payments/${payouts[0]!.id}`)).json().data;
    expect(payment.status).toBe('completed');
    expect(payment.statusUpdates).toHaveLength(2);
  });

  it('records one payout when the same item idempotencyKey arrives concurrently', async () => {
    const key = await freshKey();
    const payload = { payouts: [{ payeeEmail: 'race@example.com', amount: 123, idempotencyKey: 'race-1' }] };
    const responses = await Promise.all(Array.from({ length: 5 }, () => record(key, payload)));
    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(responses.map((r) => r.json().data.payouts[0].id)).size).toBe(1);
    expect(await payoutIds(key)).toHaveLength(1);
  });
});
