import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { countPayouts, createBatch, getBalance } from './payout-helpers.js';

describe('POST /payments', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('sandbox');
  });
  afterAll(() => t.close());

  it('answers the Karat shape in request order, creating unknown payees as recipients', async () => {
    const recipient = (
      await t.app.inject({
        method: 'POST',
        url: '/recipients',
        headers: bearer(key),
        payload: { recipients: [{ firstName: 'Casey', lastName: 'Doe', email: 'casey@example.com' }] },
      })
    ).json().data.recipients[0];
    const response = await createBatch(t, key, [
      { payeeEmail: 'Jordan@Example.COM', amount: 25000, description: 'October design work', referenceId: 'inv_1042' },
      { recipientId: recipient.id, amount: 18000, description: 'Editing', referenceId: 'inv_1043' },
      { payeeEmail: 'jordan@example.com', amount: 1 },
    ]);
    expect(response.statusCode).toBe(201);
    const { data } = response.json();
    expect(Object.keys(data).sort()).toEqual(['batchId', 'payouts']);
    expect(data.payouts).toEqual([
      { id: expect.any(String), payeeEmail: 'jordan@example.com', amount: 25000, description: 'October design work', referenceId: 'inv_1042' },
      { id: expect.any(String), payeeEmail: 'casey@example.com', amount: 18000, description: 'Editing', referenceId: 'inv_1043' },
      { id: expect.any(String), payeeEmail: 'jordan@example.com', amount: 1, description: null, referenceId: null },
    ]);
    const recipients = (await t.app.inject({ method: 'GET', url: '/recipients?email=jordan@example.com', headers: bearer(key) })).json().data;
    expect(recipients).toHaveLength(1);

    const payment = (await t.app.inject({ method: 'GET', url: `/payments/${data.payouts[0].id}`, headers: bearer(key) })).json().data;
    expect(payment).toMatchObject({
      id: data.payouts[0].id,
      amount: 25000,
      description: 'October design work',
      referenceId: 'inv_1042',
      createdAt: expect.any(String),
      recipient: { id: recipients[0].id, firstName: null, lastName: null, email: 'jordan@example.com', autoAcceptPayouts: false },
      payoutLink: expect.stringContaining(data.payouts[0].id),
    });
    expect(payment.statusUpdates).toEqual([{ id: expect.any(String), status: 'created', reason: null, date: expect.any(String) }]);
    const batch = (await t.app.inject({ method: 'GET', url: `/batches/${data.batchId}`, headers: bearer(key) })).json().data;
    expect(batch).toMatchObject({ payoutCount: 3, totalAmount: 43001, byStatus: { created: { count: 3, amount: 43001 } } });
    expect((await getBalance(t, key)).held).toBe(43001);
  });

  const tooMany = Array.from({ length: 50_001 }, (_, i) => ({ payeeEmail: `p${i}@example.com`, amount: 1 }));
  it.each([
    ['no payouts key', {}, 'invalid_request', 'payouts'],
    ['an empty batch', { payouts: [] }, 'invalid_request', 'payouts'],
    ['a missing amount', { payouts: [{ payeeEmail: 'a@example.com' }] }, 'invalid_request', 'payouts[0].amount'],
    ['no payee', { payouts: [{ amount: 5 }] }, 'invalid_request', 'payouts[0]'],
    [
      'two payees',
      { payouts: [{ amount: 5, payeeEmail: 'a@example.com', recipientId: '01a20cc7-930f-713c-942f-93b959e2b413' }] },
      'invalid_request',
      'payouts[0]',
    ],
    [
      'a bad email',
      {
        payouts: [
          { payeeEmail: 'a@example.com', amount: 1 },
          { payeeEmail: 'not-an-email', amount: 5 },
        ],
      },
      'invalid_request',
      'payouts[1].payeeEmail',
    ],
    ['a non-integer amount', { payouts: [{ payeeEmail: 'a@example.com', amount: 10.5 }] }, 'invalid_request', 'payouts[0].amount'],
    ['a string amount', { payouts: [{ payeeEmail: 'a@example.com', amount: '100' }] }, 'invalid_request', 'payouts[0].amount'],
    [
      'a negative amount',
      {
        payouts: [
          { payeeEmail: 'a@example.com', amount: 5 },
          { payeeEmail: 'b@example.com', amount: -5 },
        ],
      },
      'invalid_amount',
      'payouts[1].amount',
    ],
    ['a zero amount', { payouts: [{ payeeEmail: 'a@example.com', amount: 0 }] }, 'invalid_amount', 'payouts[0].amount'],
    ['an unknown recipientId', { payouts: [{ recipientId: '01a20cc7-930f-713c-942f-93b959e2b413', amount: 5 }] }, 'invalid_request', 'payouts[0].recipientId'],
    ['an unknown field', { payouts: [{ payeeEmail: 'a@example.com', amount: 5, currency: 'EUR' }] }, 'invalid_request', 'payouts[0].currency'],
    ['50,001 items', { payouts: tooMany }, 'invalid_request', 'payouts'],
  ])('rejects %s with a clear 400 and writes nothing', async (_label, body, code, param) => {
    const before = { payouts: await countPayouts(t), balance: await getBalance(t, key) };
    const response = await t.app.inject({ method: 'POST', url: '/payments', headers: bearer(key), payload: body });
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error).toMatchObject({ code, param });
    expect(error.message.length).toBeGreaterThan(10);
    if (code === 'invalid_amount') expect(error.message).toBe('All payout amounts must be greater than zero.');
    expect(await countPayouts(t)).toBe(before.payouts);
    expect(await getBalance(t, key)).toEqual(before.balance);
  });

  it('does not create the recipients of a rejected batch', async () => {
    const response = await createBatch(t, key, [
      { payeeEmail: 'ghost@example.com', amount: 10 },
      { recipientId: '01a20cc7-930f-713c-942f-93b959e2b413', amount: 5 },
    ]);
    expect(response.statusCode).toBe(400);
    const found = (await t.app.inject({ method: 'GET', url: '/recipients?email=ghost@example.com', headers: bearer(key) })).json().data;
    expect(found).toEqual([]);
  });

  it('refuses a batch larger than the available balance with Karat’s 500', async () => {
    const { available } = await getBalance(t, key);
    const response = await createBatch(t, key, [
      { payeeEmail: 'a@example.com', amount: available },
      { payeeEmail: 'b@example.com', amount: 1 },
    ]);
    expect(response.statusCode).toBe(500);
    expect(response.json().error).toMatchObject({ code: 'insufficient_funds', message: 'Insufficient funds to cover the payout batch' });
    expect((await getBalance(t, key)).available).toBe(available);
  });

  it('accepts a 50,000-item batch in one request', async () => {
    const items = Array.from({ length: 50_000 }, (_, i) => ({ payeeEmail: `bulk${i % 5000}@example.com`, amount: 1 + (i % 7), referenceId: `bulk-${i}` }));
    const response = await createBatch(t, key, items);
    expect(response.statusCode).toBe(201);
    const { data } = response.json();
    expect(data.payouts).toHaveLength(50_000);
    expect(data.payouts[49_999].referenceId).toBe('bulk-49999');
    const batch = (await t.app.inject({ method: 'GET', url: `/batches/${data.batchId}`, headers: bearer(key) })).json().data;
    expect(batch.payoutCount).toBe(50_000);
    expect(batch.totalAmount).toBe(items.reduce((s, i) => s + i.amount, 0));
  });
});
