import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drain as drainWorker, expectApiError, testWorker } from './payout-helpers.js';
import { bearer, createTestApp, type TestApp } from './harness.js';

interface Payment {
  id: string;
  amount: number;
  referenceId: string | null;
  createdAt: string;
  status: string;
  batchId: string;
  recipient: { id: string; email: string };
}
interface Batch {
  id: string;
}
interface Created {
  batchId: string;
  payouts: { id: string; payeeEmail: string; amount: number }[];
}

// One organization's sandbox, shared by the tests in order: batch A (three payees with different
// sandbox outcomes), then batch B (two payouts to Alice), then the worker drives them.
describe('payment and batch listings', () => {
  let t: TestApp;
  let key: string;
  let a: Created;
  let b: Created;
  let alice: string;
  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('sandbox', await t.createOrganization());
    a = await create({
      payouts: [
        { payeeEmail: 'sandbox+pending@x.com', amount: 100, referenceId: 'ref-a1' },
        { payeeEmail: 'sandbox+failed@x.com', amount: 200 },
        { payeeEmail: 'alice@x.com', amount: 300, referenceId: 'shared-ref' },
      ],
    });
    alice = (await get(`/payments/${a.payouts[2]!.id}`)).json<{ data: Payment }>().data.recipient.id;
    b = await create({
      payouts: [
        { recipientId: alice, amount: 40, referenceId: 'shared-ref' },
        { payeeEmail: 'ALICE@x.com', amount: 60 },
      ],
    });
  });
  afterAll(() => t.close());

  async function create(payload: unknown, withKey = key): Promise<Created> {
    const response = await t.app.inject({ method: 'POST', url: '/payments', headers: bearer(withKey), payload: payload as object });
    expect(response.statusCode).toBe(201);
    return response.json().data;
  }
  function get(url: string, withKey = key) {
    return t.app.inject({ method: 'GET', url, headers: bearer(withKey) });
  }
  async function listOf<T extends { id: string } = Payment>(url: string, withKey = key) {
    const response = await get(url, withKey);
    expect(response.statusCode).toBe(200);
    return response.json<{ data: T[]; hasMore: boolean; nextCursor: string | null }>();
  }
  const ids = async (query: string) => (await listOf(`/payments${query}`)).data.map((p) => p.id);
  const sorted = (list: string[]) => [...list].sort();
  const idsOf = (...batches: Created[]) => batches.flatMap((x) => x.payouts.map((p) => p.id));
  const expectError = expectApiError;
  const drain = () => drainWorker(testWorker(t));

  it('lists every payout newest first in the list envelope', async () => {
    const body = await listOf('/payments');
    expect(Object.keys(body).sort()).toEqual(['data', 'hasMore', 'nextCursor']);
    expect(body.hasMore).toBe(false);
    expect(body.nextCursor).toBeNull();
    const listed = body.data.map((p) => p.id);
    expect(sorted(listed)).toEqual(sorted(idsOf(a, b)));
    // Batch B was created after batch A: all of its payouts come first.
    expect(sorted(listed.slice(0, 2))).toEqual(sorted(idsOf(b)));
    const times = body.data.map((p) => Date.parse(p.createdAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(body.data.find((p) => p.id === a.payouts[0]!.id)).toMatchObject({ amount: 100, referenceId: 'ref-a1', status: 'created', batchId: a.batchId });
  });

  it('filters by batchId, recipientId, referenceId and status', async () => {
    expect(sorted(await ids(`?batchId=${a.batchId}`))).toEqual(sorted(idsOf(a)));
    expect(sorted(await ids(`?batchId=${b.batchId}`))).toEqual(sorted(idsOf(b)));
    expect(sorted(await ids(`?recipientId=${alice}`))).toEqual(sorted([a.payouts[2]!.id, ...idsOf(b)]));
    expect(await ids('?referenceId=ref-a1')).toEqual([a.payouts[0]!.id]);
    expect(sorted(await ids('?referenceId=shared-ref'))).toEqual(sorted([a.payouts[2]!.id, b.payouts[0]!.id]));
    expect(sorted(await ids(`?referenceId=shared-ref&batchId=${b.batchId}`))).toEqual([b.payouts[0]!.id]);
    expect(await ids('?referenceId=nothing-like-it')).toEqual([]);
    expect(sorted(await ids('?status=created'))).toEqual(sorted(idsOf(a, b)));
    expect(await ids('?status=completed')).toEqual([]);
    expect(await ids('?batchId=0190a4b2-0000-7000-8000-000000000000')).toEqual([]);
  });

  it('filters by creation time: createdFrom inclusive, createdTo exclusive', async () => {
    const all = (await listOf('/payments')).data;
    const aAt = all.find((p) => p.id === a.payouts[0]!.id)!.createdAt;
    const bAt = all.find((p) => p.id === b.payouts[0]!.id)!.createdAt;
    expect(Date.parse(bAt)).toBeGreaterThan(Date.parse(aAt)); // precondition: separate requests
    expect(sorted(await ids(`?createdFrom=${encodeURIComponent(bAt)}`))).toEqual(sorted(idsOf(b)));
    expect(sorted(await ids(`?createdTo=${encodeURIComponent(bAt)}`))).toEqual(sorted(idsOf(a)));
    expect(sorted(await ids('?createdFrom=2000-01-01T00:00:00Z&createdTo=2999-01-01T00:00:00Z'))).toEqual(sorted(idsOf(a, b)));
    expect(await ids('?createdFrom=2999-01-01T00:00:00Z')).toEqual([]);
    expect(await ids('?createdTo=2000-01-01T00:00:00Z')).toEqual([]);
  });

  it('pages with a cursor, with or without filters', async () => {
    const everything = await ids('');
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 3; page++) {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const body = await listOf<Payment>(`/payments?limit=2${query}`);
      const pageIds = body.data.map((p) => p.id);
      expect(pageIds).toHaveLength(page < 2 ? 2 : 1);
      expect(body.hasMore).toBe(page < 2);
      expect(body.nextCursor).toBe(page < 2 ? pageIds[1] : null);
      seen.push(...pageIds);
      cursor = body.nextCursor;
    }
    expect(seen).toEqual(everything);

    const first = await listOf(`/payments?recipientId=${alice}&limit=2`);
    expect(first.hasMore).toBe(true);
    const second = await listOf(`/payments?recipientId=${alice}&limit=2&cursor=${first.nextCursor}`);
    expect(second).toMatchObject({ hasMore: false, nextCursor: null });
    expect(sorted([...first.data, ...second.data].map((p) => p.id))).toEqual(sorted([a.payouts[2]!.id, ...idsOf(b)]));
    expect((await ids('?limit=100')).length).toBe(5);
  });

  it('pages through a creation-time range with a cursor, newest first as without the range', async () => {
    const everything = await ids('');
    const range = 'createdFrom=2000-01-01T00:00:00Z&createdTo=2999-01-01T00:00:00Z';
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const body: { data: Payment[]; nextCursor: string | null } = await listOf<Payment>(`/payments?${range}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...body.data.map((p) => p.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(everything);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['batchId=not-a-batch', 'batchId'],
    ['recipientId=12345', 'recipientId'],
    ['cursor=nope', 'cursor'],
    ['status=sent', 'status'],
    ['createdFrom=yesterday', 'createdFrom'],
    ['colour=red', 'colour'],
  ])('rejects ?%s with 400', async (query, param) => {
    expectError(await get(`/payments?${query}`), 400, 'invalid_request', param);
  });

  it('summarizes batches, newest first, with counts and amounts per status', async () => {
    const list = await listOf<Batch>('/batches');
    expect(list).toMatchObject({ hasMore: false, nextCursor: null });
    expect(list.data.map((x) => x.id)).toEqual([b.batchId, a.batchId]);
    const response = await get(`/batches/${a.batchId}`);
    expect(response.statusCode).toBe(200);
    expect(response.json().data).toEqual({
      id: a.batchId,
      kind: 'payout',
      currency: 'USD',
      payoutCount: 3,
      totalAmount: 600,
      createdAt: expect.any(String),
      byStatus: { created: { count: 3, amount: 600 } },
    });
    expect(list.data[1]).toEqual(response.json().data);
    const paged = await listOf<Batch>('/batches?limit=1');
    expect(paged).toMatchObject({ hasMore: true, nextCursor: b.batchId });
    const rest = await listOf<Batch>(`/batches?limit=1&cursor=${paged.nextCursor}`);
    expect(rest.data.map((x) => x.id)).toEqual([a.batchId]);
    expect(rest.hasMore).toBe(false);
    expectError(await get('/batches?limit=101'), 400, 'invalid_request', 'limit');
  });

  it('follows the worker: byStatus and the status filter change as payouts move', async () => {
    await drain();
    expect((await get(`/batches/${a.batchId}`)).json().data).toMatchObject({
      payoutCount: 3,
      totalAmount: 600,
      byStatus: { pending: { count: 1, amount: 100 }, failed: { count: 1, amount: 200 }, completed: { count: 1, amount: 300 } },
    });
    expect(Object.keys((await get(`/batches/${a.batchId}`)).json().data.byStatus).sort()).toEqual(['completed', 'failed', 'pending']);
    expect((await get(`/batches/${b.batchId}`)).json().data.byStatus).toEqual({ completed: { count: 2, amount: 100 } });
    expect(await ids('?status=pending')).toEqual([a.payouts[0]!.id]);
    expect(await ids('?status=failed')).toEqual([a.payouts[1]!.id]);
    expect(sorted(await ids('?status=completed'))).toEqual(sorted([a.payouts[2]!.id, ...idsOf(b)]));
    expect(await ids('?status=created')).toEqual([]);

    const cancel = await t.app.inject({ method: 'POST', url: `/payments/${a.payouts[0]!.id}/cancel`, headers: bearer(key) });
    expect(cancel.statusCode).toBe(200);
    expect((await get(`/batches/${a.batchId}`)).json().data.byStatus).toEqual({
      canceled: { count: 1, amount: 100 },
      failed: { count: 1, amount: 200 },
      completed: { count: 1, amount: 300 },
    });
    expect(await ids(`?status=canceled&batchId=${a.batchId}`)).toEqual([a.payouts[0]!.id]);
  });

  it('answers a history that ends on the status it shows, even when a move commits between its two reads', async () => {
    const otherKey = await t.createKey('sandbox', await t.createOrganization());
    const id = (await create({ payouts: [{ payeeEmail: 'bob@x.com', amount: 70 }] }, otherKey)).payouts[0]!.id;
    // A move committed after the answer has read the payout's row and before it reads the history
    // (the worker may commit one between the two statements): its status update without the row's.
    await t.db.query(
      `insert into payout_status_updates (id, payout_id, organization_id, environment, sequence, status, reason, created_at)
       select gen_random_uuid(), id, organization_id, environment, 2, 'pending', null, now() from payouts where id = $1`,
      [id],
    );
    const detail = (await get(`/payments/${id}`, otherKey)).json<{ data: Payment & { statusUpdates: { status: string }[] } }>().data;
    expect(detail.status).toBe('created');
    expect(detail.statusUpdates.map((u) => u.status)).toEqual(['created']);
    const listed = (await listOf<Payment & { statusUpdates: { status: string }[] }>('/payments', otherKey)).data;
    expect(listed.map((p) => p.statusUpdates.map((u) => u.status))).toEqual([['created']]);
  });

  it('keeps other organizations and environments out, and answers 404 for their batches', async () => {
    const otherOrg = await t.createOrganization();
    const foreign = await t.createKey('sandbox', otherOrg);
    const foreignBatch = await create({ payouts: [{ payeeEmail: 'someone@x.com', amount: 5 }] }, foreign);
    expectError(await get(`/batches/${foreignBatch.batchId}`), 404, 'not_found');
    expectError(await get(`/batches/${a.batchId}`, foreign), 404, 'not_found');
    expectError(await get(`/batches/${a.batchId}`, await t.createKey('production', otherOrg)), 404, 'not_found');
    expectError(await get('/batches/not-an-id'), 404, 'not_found');
    expectError(await get(`/payments/${foreignBatch.payouts[0]!.id}`), 404, 'not_found');
    expect(await ids(`?batchId=${foreignBatch.batchId}`)).toEqual([]);
    expect((await listOf<Batch>('/batches', foreign)).data.map((x) => x.id)).toEqual([foreignBatch.batchId]);
    expect((await listOf('/payments', foreign)).data.map((p) => p.id)).toEqual([foreignBatch.payouts[0]!.id]);
    expect(sorted(await ids(''))).toEqual(sorted(idsOf(a, b)));
  });
});
