import { setTimeout as pause } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fund } from '../src/modules/ledger/ledger.service.js';
import { applyMoves, findPayoutsByIdsForUpdate } from '../src/modules/payouts/index.js';
import { bearer, createTestApp, onPostgres, type TestApp } from './harness.js';
import { drain, expectApiError, expectLedgerConsistent, getBalance, testWorker } from './payout-helpers.js';

interface Payment {
  id: string;
  status: string;
  amount: number;
}

// Issue #14, "Bulk actions": cancel a whole batch, or the payouts picked in a list. Each payout goes
// through the normal cancel (status update, ledger release, webhook event), never twice.
describe('bulk cancel', () => {
  let t: TestApp;
  let key: string;
  let organizationId: string;
  let otherOrgKey: string;
  let productionKey: string;
  beforeAll(async () => {
    t = await createTestApp();
    organizationId = await t.createOrganization();
    key = await t.createKey('sandbox', organizationId);
    productionKey = await t.createKey('production', organizationId);
    otherOrgKey = await t.createKey('sandbox', await t.createOrganization('Other'));
  });
  afterAll(() => t.close());

  async function createBatch(payouts: object[], withKey = key): Promise<{ batchId: string; ids: string[] }> {
    const response = await t.app.inject({ method: 'POST', url: '/payments', headers: bearer(withKey), payload: { payouts } });
    expect(response.statusCode, response.body).toBe(201);
    const data = response.json().data;
    return { batchId: data.batchId, ids: data.payouts.map((p: { id: string }) => p.id) };
  }
  const post = (url: string, payload?: object, withKey = key) =>
    t.app.inject({ method: 'POST', url, headers: bearer(withKey), ...(payload ? { payload } : {}) });
  async function statuses(ids: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const id of ids) {
      const response = await t.app.inject({ method: 'GET', url: `/payments/${id}`, headers: bearer(key) });
      out[id] = (response.json().data as Payment).status;
    }
    return out;
  }
  async function canceledEvents(ids: string[]): Promise<number> {
    const [row] = await t.db.query<{ n: bigint }>(
      `select count(*)::bigint as n from events where type = 'payout.updated' and data->>'status' = 'canceled' and payout_id = any($1::uuid[])`,
      [ids],
    );
    return Number(row!.n);
  }

  it('cancels what can still be canceled in a batch of mixed statuses, releases the money once, and a repeat cancels nothing', async () => {
    const batch = await createBatch([
      { payeeEmail: 'sandbox+completed@x.example', amount: 1000 },
      { payeeEmail: 'sandbox+failed@x.example', amount: 2000 },
      { payeeEmail: 'sandbox+canceled@x.example', amount: 3000 },
      { payeeEmail: 'sandbox+pending@x.example', amount: 4000 },
      { payeeEmail: 'sandbox+pending@y.example', amount: 5000 },
    ]);
    await drain(testWorker(t));
    const late = await createBatch([{ payeeEmail: 'sandbox+created@x.example', amount: 6000 }]);
    const before = await statuses(batch.ids);
    expect(Object.values(before).sort()).toEqual(['canceled', 'completed', 'failed', 'pending', 'pending']);
    const cancelable = batch.ids.filter((id) => before[id] === 'pending');
    const balance = await getBalance(t, key);

    const response = await post(`/batches/${batch.batchId}/cancel`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ data: { canceled: 2, notCancelable: 3 } });

    const after = await statuses(batch.ids);
    for (const id of batch.ids) expect(after[id]).toBe(cancelable.includes(id) ? 'canceled' : before[id]);
    expect((await statuses(late.ids))[late.ids[0]!]).toBe('created'); // another batch is untouched
    const released = await getBalance(t, key);
    expect(released.held).toBe(balance.held - 9000);
    expect(released.available).toBe(balance.available + 9000);
    expect(await canceledEvents(cancelable)).toBe(2);

    const again = await post(`/batches/${batch.batchId}/cancel`);
    expect(again.json()).toEqual({ data: { canceled: 0, notCancelable: 5 } });
    expect(await getBalance(t, key)).toEqual(released);
    expect(await canceledEvents(cancelable)).toBe(2);
    await expectLedgerConsistent(t.db);
  });

  it('answers 404 for an unknown batch, or one of another organization or environment', async () => {
    const theirs = await createBatch([{ payeeEmail: 'someone@x.example', amount: 100 }], otherOrgKey);
    expectApiError(await post(`/batches/${theirs.batchId}/cancel`), 404, 'not_found', 'id');
    expectApiError(await post(`/batches/${theirs.batchId}/cancel`, undefined, productionKey), 404, 'not_found', 'id');
    expectApiError(await post('/batches/not-an-id/cancel'), 404, 'not_found', 'id');
    const response = await t.app.inject({ method: 'GET', url: `/payments/${theirs.ids[0]}`, headers: bearer(otherOrgKey) });
    expect(response.json().data.status).toBe('created');
  });

  it('cancels selected payouts, reports every other id with its status, never touches another tenant’s', async () => {
    const mine = await createBatch([
      { payeeEmail: 'sandbox+created@x.example', amount: 100 },
      { payeeEmail: 'sandbox+pending@x.example', amount: 200 },
      { payeeEmail: 'sandbox+pending@y.example', amount: 250 },
      { payeeEmail: 'sandbox+completed@z.example', amount: 300 },
    ]);
    await post(`/payments/${mine.ids[1]}/cancel`);
    const completed = await createBatch([{ payeeEmail: 'sandbox+completed@w.example', amount: 50 }]);
    await drain(testWorker(t));
    const theirs = await createBatch([{ payeeEmail: 'a@x.example', amount: 100 }], otherOrgKey);
    await t.db.transaction((tx) => fund(tx, { organizationId, environment: 'production' }, 10_000n));
    const production = await createBatch([{ payeeEmail: 'a@x.example', amount: 100 }], productionKey);
    const current = await statuses([...mine.ids, ...completed.ids]);
    const stillCancelable = mine.ids.filter((id) => ['created', 'pending', 'awaiting_acceptance'].includes(current[id]!));
    expect(stillCancelable).toHaveLength(2); // created and pending; one canceled, one completed
    const unknown = '01890000-0000-7000-8000-000000000000';
    const ids = [...mine.ids, completed.ids[0]!, theirs.ids[0]!, production.ids[0]!, unknown, mine.ids[0]!.toUpperCase()];

    const response = await post('/payments/cancel', { ids });
    expect(response.statusCode, response.body).toBe(200);
    const { canceled, notCanceled } = response.json().data as { canceled: string[]; notCanceled: { id: string; status: string | null; message: string }[] };
    expect(canceled.sort()).toEqual([...stillCancelable].sort());
    const reported = new Map(notCanceled.map((n) => [n.id, n]));
    expect(reported.get(mine.ids[1]!)).toMatchObject({ status: 'canceled', message: expect.stringMatching(/already canceled/) });
    expect(reported.get(completed.ids[0]!)).toMatchObject({ status: 'completed', message: expect.stringMatching(/can no longer be canceled/) });
    expect(reported.get(theirs.ids[0]!)).toMatchObject({ status: null });
    expect(reported.get(unknown)).toMatchObject({ status: null });
    expect(reported.get(production.ids[0]!)).toMatchObject({ status: null });
    expect(canceled.length + notCanceled.length).toBe(new Set(ids.map((id) => id.toLowerCase())).size);
    // The other tenants' payouts are untouched.
    expect((await t.app.inject({ method: 'GET', url: `/payments/${theirs.ids[0]}`, headers: bearer(otherOrgKey) })).json().data.status).toBe('created');

    const again = (await post('/payments/cancel', { ids })).json().data;
    expect(again.canceled).toEqual([]);
    expect(await canceledEvents(stillCancelable)).toBe(stillCancelable.length);
    await expectLedgerConsistent(t.db);
  });

  it('refuses an empty list, more than 1,000 ids, or ids that are not ids', async () => {
    expectApiError(await post('/payments/cancel', { ids: [] }), 400, 'invalid_request');
    const many = Array.from({ length: 1001 }, () => '01890000-0000-7000-8000-000000000000');
    expectApiError(await post('/payments/cancel', { ids: many }), 400, 'invalid_request');
    expectApiError(await post('/payments/cancel', { ids: ['nope'] }), 400, 'invalid_request');
  });

  // Two connections are needed to race: PostgreSQL only (PGlite is one connection, so it cannot race).
  it.skipIf(!onPostgres)('reports a payout that moves to processing while the cancel waits for it, and does not cancel it', async () => {
    const batch = await createBatch([{ payeeEmail: 'sandbox+pending@race.example', amount: 700 }]);
    await drain(testWorker(t));
    const id = batch.ids[0]!;
    expect((await statuses([id]))[id]).toBe('pending');
    const balance = await getBalance(t, key);
    let cancel: Promise<Awaited<ReturnType<typeof post>>> | undefined;
    await t.db.transaction(async (tx) => {
      const [payout] = await findPayoutsByIdsForUpdate(tx, { organizationId, environment: 'sandbox' }, [id]);
      await applyMoves(tx, [{ payout: payout!, to: 'processing', nextActionDelayMs: null }]);
      // inject() starts the request only when its answer is asked for.
      cancel = Promise.resolve(post('/payments/cancel', { ids: [id] }));
      // Commit only once the cancel is waiting for this payout's row lock.
      for (let i = 0; i < 500; i++) {
        const [row] = await t.db.query<{ n: bigint }>(
          "select count(*)::bigint as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()",
        );
        if (Number(row!.n) > 0) return;
        await pause(20);
      }
      throw new Error('the cancel never waited for the row lock');
    });
    const response = await cancel!;
    expect(response.json().data).toEqual({ canceled: [], notCanceled: [{ id, status: 'processing', message: expect.stringMatching(/processing/) }] });
    expect(await getBalance(t, key)).toEqual(balance);
    await expectLedgerConsistent(t.db);
  });
});
