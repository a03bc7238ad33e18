import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { expectApiError } from './payout-helpers.js';

interface Listed {
  data: { id: string; referenceId?: string | null; email?: string; recipient?: { email: string } }[];
  hasMore: boolean;
  nextCursor: string | null;
  total?: number;
}

// Issue #14, "Lists that scale": `search` on the payout and recipient lists (substring of email,
// names, "first last" and reference, any case) and `includeTotal` on the lists.
describe('list search and totals', () => {
  let t: TestApp;
  let key: string;
  let otherKey: string;
  const payoutIds: Record<string, string> = {};
  beforeAll(async () => {
    t = await createTestApp();
    const org = await t.createOrganization();
    key = await t.createKey('sandbox', org);
    otherKey = await t.createKey('sandbox', await t.createOrganization('Other'));
    await post('/recipients', {
      recipients: [
        { email: 'ada.lovelace@analytical.example', firstName: 'Ada', lastName: 'Lovelace' },
        { email: 'grace@navy.example', firstName: 'Grace', lastName: 'Hopper' },
        { email: 'percent@odd.example', firstName: '100%', lastName: 'Under_score' },
      ],
    });
    const created = await post('/payments', {
      payouts: [
        { payeeEmail: 'ada.lovelace@analytical.example', amount: 100, referenceId: 'INV-2024-0001' },
        { payeeEmail: 'grace@navy.example', amount: 200, referenceId: 'INV-2024-0002' },
        { payeeEmail: 'grace@navy.example', amount: 300, referenceId: 'bonus-lovelace' },
        { payeeEmail: 'sandbox+canceled@navy.example', amount: 400 },
        { payeeEmail: 'percent@odd.example', amount: 500, referenceId: 'plain' },
      ],
    });
    const [ada, grace1, grace2, canceled, percent] = created.data.payouts;
    Object.assign(payoutIds, { ada: ada.id, grace1: grace1.id, grace2: grace2.id, canceled: canceled.id, percent: percent.id });
    const cancel = await t.app.inject({ method: 'POST', url: `/payments/${grace1.id}/cancel`, headers: bearer(key) });
    expect(cancel.statusCode).toBe(200);
    // The same names in another organization must never show up.
    await post('/payments', { payouts: [{ payeeEmail: 'ada.lovelace@analytical.example', amount: 100, referenceId: 'INV-2024-0001' }] }, otherKey);
  });
  afterAll(() => t.close());

  async function post(url: string, payload: object, withKey = key) {
    const response = await t.app.inject({ method: 'POST', url, headers: bearer(withKey), payload });
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }
  async function list(url: string, withKey = key): Promise<Listed> {
    const response = await t.app.inject({ method: 'GET', url, headers: bearer(withKey) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }
  const payments = async (query: string) =>
    (await list(`/payments?${query}`)).data.map((p) => Object.entries(payoutIds).find(([, id]) => id === p.id)?.[0] ?? p.id).sort();
  const recipients = async (query: string) => (await list(`/recipients?${query}`)).data.map((r) => r.email).sort();

  it('finds payouts by any part of the email, first or last name, "first last" or reference, in any case', async () => {
    expect(await payments('search=lovelace')).toEqual(['ada', 'grace2']); // Ada's email and name, and a reference
    expect(await payments('search=ADA.LOVE')).toEqual(['ada']);
    expect(await payments('search=navy')).toEqual(['canceled', 'grace1', 'grace2']);
    expect(await payments('search=Hop')).toEqual(['grace1', 'grace2']); // prefix of the last name
    expect(await payments('search=ace hop')).toEqual(['grace1', 'grace2']); // across "first last"
    expect(await payments('search=2024-000')).toEqual(['ada', 'grace1']);
    expect(await payments('search=inv-2024-0002')).toEqual(['grace1']);
    expect(await payments('search=nobody')).toEqual([]);
  });

  it('combines the search with the other filters and takes %, _ and \\ literally', async () => {
    expect(await payments('search=navy&status=canceled')).toEqual(['grace1']);
    expect(await payments('search=navy&status=created')).toEqual(['canceled', 'grace2']);
    const grace = (await list(`/payments?search=INV-2024-0002`)).data[0]!.recipient!;
    const graceId = (grace as unknown as { id: string }).id;
    expect(await payments(`search=navy&recipientId=${graceId}`)).toEqual(['grace1', 'grace2']);
    expect(await payments(`search=lovelace&recipientId=${graceId}`)).toEqual(['grace2']);
    expect(await payments('search=%25')).toEqual(['percent']); // "%" is a character, not "anything"
    expect(await payments('search=d_r')).toEqual([]); // "_" is not "any character"
    expect(await payments('search=under_')).toEqual(['percent']);
    expect(await payments('search=%5C')).toEqual([]);
  });

  it('treats an empty or blank search as no search, and refuses one over 200 characters', async () => {
    expect((await payments('search=')).length).toBe(5);
    expect((await payments('search=%20%20')).length).toBe(5);
    const response = await t.app.inject({ method: 'GET', url: `/payments?search=${'a'.repeat(201)}`, headers: bearer(key) });
    expectApiError(response, 400, 'invalid_request');
    expect(response.json().error.param).toBe('search');
    const recipientsResponse = await t.app.inject({ method: 'GET', url: `/recipients?search=${'a'.repeat(201)}`, headers: bearer(key) });
    expectApiError(recipientsResponse, 400, 'invalid_request');
    expect(recipientsResponse.json().error.param).toBe('search');
  });

  it('never finds another organization’s payouts or recipients', async () => {
    const other = await list('/payments?search=lovelace', otherKey);
    expect(other.data).toHaveLength(1);
    expect(other.data[0]!.id).not.toBe(payoutIds.ada);
    expect((await list('/recipients?search=grace', otherKey)).data).toEqual([]);
  });

  it('finds recipients by any part of the email, first or last name or "first last"', async () => {
    expect(await recipients('search=LOVE')).toEqual(['ada.lovelace@analytical.example']);
    expect(await recipients('search=grace hop')).toEqual(['grace@navy.example']);
    expect(await recipients('search=navy')).toEqual(['grace@navy.example', 'sandbox+canceled@navy.example']);
    expect(await recipients('search=navy&email=grace@navy.example')).toEqual(['grace@navy.example']);
    expect(await recipients('search=%25')).toEqual(['percent@odd.example']);
    expect((await recipients('search=')).length).toBe(4);
  });

  it('adds total (all matching rows, not the page) only when asked', async () => {
    const plain = await list('/payments?limit=1');
    expect(Object.keys(plain).sort()).toEqual(['data', 'hasMore', 'nextCursor']);
    const page = await list('/payments?limit=1&includeTotal=true&search=navy');
    expect(page.data).toHaveLength(1);
    expect(page.total).toBe(3);
    expect((await list(`/payments?limit=1&includeTotal=true&search=navy&cursor=${page.nextCursor}`)).total).toBe(3);
    expect((await list('/payments?includeTotal=true&status=canceled')).total).toBe(1);
    expect((await list('/payments?includeTotal=false')).total).toBeUndefined();
    expect((await list('/recipients?limit=1&includeTotal=true')).total).toBe(4);
    expect((await list('/recipients?limit=1&includeTotal=true&search=navy')).total).toBe(2);
    expect((await list('/batches?limit=1&includeTotal=true')).total).toBe(1);
    expect((await list('/batches?limit=1&includeTotal=true', otherKey)).total).toBe(1);
    const entries = await list('/balance/transactions?limit=1&includeTotal=true');
    expect(entries.total).toBe((await list('/balance/transactions?limit=100')).data.length);
    expect(entries.total).toBeGreaterThan(1);
    expect((await list(`/balance/transactions?includeTotal=true&payoutId=${payoutIds.ada}`)).total).toBe(0);
    expect((await list('/emails?limit=1&includeTotal=true')).total).toBe((await list('/emails?limit=100')).data.length);
  });
});
