// Shared steps for payout scenarios: a worker driven tick by tick, and the ledger's invariants.
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Database } from '../src/platform/db/database.js';
import { workerTasks } from '../src/worker/tasks.js';
import { startWorker, type RunningWorker } from '../src/worker/worker.js';
import { bearer, type TestApp } from './harness.js';

export function testWorker(t: TestApp): RunningWorker {
  return startWorker({ db: t.db, config: t.config, log: t.app.log as never }, workerTasks(t.config), { loop: false });
}

/** Runs worker ticks until nothing is due (sandbox delays are zero in tests, so no sleeping). */
export async function drain(worker: RunningWorker, maxTicks = 200): Promise<void> {
  for (let i = 0; i < maxTicks; i++) if ((await worker.tick()) === 0) return;
  throw new Error('the worker still had work after many ticks');
}

export async function createBatch(t: TestApp, key: string, payouts: object[], headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/payments', headers: { ...bearer(key), ...headers }, payload: { payouts } });
}

/** Subscribes the key's organization to `payout.updated` at `callbackUrl`. */
export async function subscribePayoutUpdates(t: TestApp, key: string, callbackUrl: string): Promise<void> {
  const subscribed = await t.app.inject({
    method: 'POST',
    url: '/events/subscription',
    headers: bearer(key),
    payload: { event_name: 'payout.updated', callback_url: callbackUrl },
  });
  expect(subscribed.statusCode).toBe(201);
}

export async function getPayment(t: TestApp, key: string, id: string) {
  const response = await t.app.inject({ method: 'GET', url: `/payments/${id}`, headers: bearer(key) });
  expect(response.statusCode).toBe(200);
  return response.json().data;
}

export async function getBalance(t: TestApp, key: string) {
  return (await t.app.inject({ method: 'GET', url: '/balance', headers: bearer(key) })).json().data as { available: number; held: number; paidOut: number };
}

/**
 * The ledger's invariants over the whole database: every posting sums to zero, every balance
 * equals the sum of its entries and is never negative, and held / paid out match the payouts.
 */
export async function expectLedgerConsistent(db: Database): Promise<void> {
  const unbalanced = await db.query('select posting_id from ledger_entries group by posting_id having sum(amount) <> 0');
  expect(unbalanced).toEqual([]);
  const [total] = await db.query<{ sum: bigint | null }>('select sum(amount)::bigint as sum from ledger_entries');
  expect(total!.sum ?? 0n).toBe(0n);
  const mismatched = await db.query(
    `select b.organization_id, b.account, b.balance, coalesce(e.sum, 0) as entries from ledger_balances b
     left join (select organization_id, environment, currency, account, sum(amount)::bigint as sum from ledger_entries group by 1, 2, 3, 4) e
       using (organization_id, environment, currency, account)
     where b.balance <> coalesce(e.sum, 0) or (b.balance < 0 and b.account <> 'funding')`,
  );
  expect(mismatched).toEqual([]);
  const byPayouts = await db.query<{ organization_id: string; environment: string; held: bigint; paid_out: bigint }>(
    `select organization_id, environment,
       coalesce(sum(amount) filter (where status in ('created', 'pending', 'awaiting_acceptance', 'processing')), 0)::bigint as held,
       coalesce(sum(amount) filter (where status = 'completed'), 0)::bigint as paid_out
     from payouts where kind = 'payout' group by 1, 2`,
  );
  for (const row of byPayouts) {
    const balances = await db.query<{ account: string; balance: bigint }>(
      `select account, balance from ledger_balances where organization_id = $1 and environment = $2`,
      [row.organization_id, row.environment],
    );
    const of = (account: string) => balances.find((b) => b.account === account)?.balance ?? 0n;
    expect(of('held')).toBe(row.held);
    expect(of('paid_out')).toBe(row.paid_out);
  }
}

export async function countPayouts(t: TestApp): Promise<bigint> {
  const [row] = await t.db.query<{ n: bigint }>('select count(*)::bigint as n from payouts');
  return row!.n;
}

/** Asserts the documented error envelope: status, code, the response's request id, and the param. */
export function expectApiError(response: LightMyRequestResponse, status: number, code: string, param?: string): void {
  expect(response.statusCode).toBe(status);
  expect(response.json().error).toMatchObject({ code, requestId: response.headers['request-id'], ...(param ? { param } : {}) });
}
