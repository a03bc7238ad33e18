// Unclaimed payouts expire: reminded once 7 days before CLAIM_EXPIRY_DAYS, then canceled through
// the ordinary transition, in both environments. The clock is moved by moving the payouts' wait
// back in SQL; two runs at once, or a run that dies before committing, never remind or cancel twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fund } from '../src/modules/ledger/ledger.service.js';
import { expireUnclaimedSlice, remindUnclaimedSlice } from '../src/modules/payouts/claim-expiry.js';
import type { Config } from '../src/config.js';
import { startSchedule } from '../src/platform/schedule/schedule.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { periodicTasks } from '../src/worker/schedule.js';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { startReceiver } from './receiver.js';
import { createBatch, drain, expectLedgerConsistent, getBalance, getPayment, testWorker } from './payout-helpers.js';

describe('claim expiry and reminders', () => {
  let t: TestApp;
  let production: string;
  let sandbox: string;
  let worker: RunningWorker;
  beforeAll(async () => {
    t = await createTestApp();
    production = await t.createKey('production');
    sandbox = await t.createKey('sandbox');
    await t.db.transaction((tx) => fund(tx, { organizationId: t.defaultOrganizationId, environment: 'production' }, 10_000_000n));
    worker = testWorker(t);
  });
  afterAll(async () => {
    await worker.stop();
    await t.close();
  });

  const schedule = (config: Partial<Config> = {}) =>
    startSchedule({ db: t.db, config: { ...t.config, ...config }, log: t.app.log as never }, periodicTasks, { timers: false });

  /** Payouts waiting for acceptance: ordinary payees in production, the sandbox's magic address in the sandbox. */
  async function waitingPayouts(key: string, count: number, payee: string): Promise<string[]> {
    const response = await createBatch(
      t,
      key,
      Array.from({ length: count }, () => ({ payeeEmail: payee, amount: 100 })),
    );
    expect(response.statusCode).toBe(201);
    const ids: string[] = response.json().data.payouts.map((p: { id: string }) => p.id);
    await drain(worker);
    const [row] = await t.db.query<{ n: number }>(`select count(*)::int as n from payouts where id = any($1::uuid[]) and status = 'awaiting_acceptance'`, [
      ids,
    ]);
    expect(row!.n).toBe(count);
    return ids;
  }

  /** Moves the clock for these payouts: their wait began `days` ago (and they were created before that). */
  async function waitedFor(ids: string[], days: number): Promise<void> {
    await t.db.query(
      `update payouts set status_changed_at = now() - $2::float8 * interval '1 day', created_at = now() - ($2::float8 + 1) * interval '1 day'
       where id = any($1::uuid[])`,
      [ids, days],
    );
  }

  const remindersOf = async (ids: string[]) =>
    t.db.query<{ payout_id: string; to_address: string; environment: string; expires_on: string }>(
      `select data->'payout'->>'id' as payout_id, to_address, environment, data->>'expiresOn' as expires_on from emails
       where template = 'claim_reminder' and data->'payout'->>'id' = any($1::text[]) order by payout_id`,
      [ids],
    );

  const statusCounts = async (ids: string[]) =>
    Object.fromEntries(
      (await t.db.query<{ status: string; n: number }>(`select status, count(*)::int as n from payouts where id = any($1::uuid[]) group by status`, [ids])).map(
        (r) => [r.status, r.n],
      ),
    );

  it('reminds once 7 days before, then cancels with the reason and releases the funds, in both environments', async () => {
    const [prod] = await waitingPayouts(production, 1, 'ana@example.com');
    const [sand] = await waitingPayouts(sandbox, 1, 'sandbox+awaiting_acceptance@example.com');
    const [fresh] = await waitingPayouts(production, 1, 'bo@example.com');
    const ids = [prod!, sand!];
    const before = await getBalance(t, production);
    const s = schedule();

    await waitedFor([...ids, fresh!], 22.9);
    expect(await s.runNow('remind-unclaimed-payouts')).toEqual({ ran: true, count: 0 });

    await waitedFor(ids, 23.1);
    expect(await s.runNow('remind-unclaimed-payouts')).toEqual({ ran: true, count: 2 });
    expect(await s.runNow('remind-unclaimed-payouts')).toEqual({ ran: true, count: 0 });
    const reminders = await remindersOf([...ids, fresh!]);
    const [waitBegan] = await t.db.query<{ at: Date }>('select status_changed_at as at from payouts where id = $1', [prod]);
    const expiresOn = new Date(waitBegan!.at.getTime() + 30 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    expect(reminders).toEqual(
      [
        { payout_id: prod, to_address: 'ana@example.com', environment: 'production', expires_on: expiresOn },
        { payout_id: sand, to_address: 'sandbox+awaiting_acceptance@example.com', environment: 'sandbox', expires_on: expiresOn },
      ].sort((a, b) => (a.payout_id! < b.payout_id! ? -1 : 1)),
    );

    // A webhook subscriber hears of the cancel like of any other.
    const receiver = await startReceiver();
    const subscribed = await t.app.inject({
      method: 'POST',
      url: '/events/subscription',
      headers: bearer(production),
      payload: { event_name: 'payout.updated', callback_url: receiver.url },
    });
    expect(subscribed.statusCode, subscribed.body).toBe(201);

    await waitedFor([...ids, fresh!], 29.9);
    expect(await s.runNow('expire-unclaimed-payouts')).toEqual({ ran: true, count: 0 });
    await waitedFor(ids, 30.1);
    expect(await s.runNow('expire-unclaimed-payouts')).toEqual({ ran: true, count: 2 });
    expect(await s.runNow('expire-unclaimed-payouts')).toEqual({ ran: true, count: 0 });
    await s.stop();

    for (const [key, id] of [
      [production, prod!],
      [sandbox, sand!],
    ] as const) {
      const payment = await getPayment(t, key, id);
      expect(payment.status).toBe('canceled');
      expect(payment.statusUpdates.at(-1)).toMatchObject({ status: 'canceled', reason: 'Not accepted within 30 days' });
    }
    expect((await getPayment(t, production, fresh!)).status).toBe('awaiting_acceptance');
    expect(await getBalance(t, production)).toMatchObject({ available: before.available + 100, held: before.held - 100 });
    const events = await t.db.query<{ payout_id: string; status: string; previous: string }>(
      `select payout_id, data->>'status' as status, data->>'previous_status' as previous from events
       where type = 'payout.updated' and payout_id = any($1::uuid[]) and data->>'status' = 'canceled'`,
      [ids],
    );
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.previous === 'awaiting_acceptance')).toBe(true);
    const deliveries = await t.db.query(
      `select d.id from webhook_deliveries d join events e on e.id = d.event_id where e.payout_id = $1 and e.data->>'status' = 'canceled'`,
      [prod],
    );
    expect(deliveries).toHaveLength(1);
    await receiver.close();
    await expectLedgerConsistent(t.db);
  });

  it('counts CLAIM_EXPIRY_DAYS as configured, and leaves an accepted payout alone', async () => {
    const [accepted, waiting] = await waitingPayouts(sandbox, 2, 'sandbox+awaiting_acceptance@example.com');
    await waitedFor([accepted!, waiting!], 10.5);
    expect((await t.app.inject({ method: 'POST', url: `/payments/${accepted}/accept`, headers: bearer(sandbox) })).statusCode).toBe(200);
    const s = schedule({ claimExpiryDays: 10 });
    // Also takes the earlier test's payout still waiting after 29.9 days: over 10, it has expired too.
    expect(await s.runNow('expire-unclaimed-payouts')).toMatchObject({ ran: true });
    await s.stop();
    expect((await getPayment(t, sandbox, waiting!)).statusUpdates.at(-1)).toMatchObject({ status: 'canceled', reason: 'Not accepted within 10 days' });
    expect((await getPayment(t, sandbox, accepted!)).status).not.toBe('canceled');
    // Long overdue (the worker was off): canceled, never reminded of a date already past.
    expect(await remindersOf([waiting!])).toEqual([]);
  });

  it('never reminds or cancels twice: a run that dies before committing, and runs at once', async () => {
    const ids = await waitingPayouts(sandbox, 1_100, 'sandbox+awaiting_acceptance@example.com');
    await waitedFor(ids, 25);

    // A run that dies mid-slice leaves nothing behind: the slice is one transaction.
    await expect(
      t.db.transaction(async (tx) => {
        expect(await remindUnclaimedSlice(tx, 30, 50)).toBe(50);
        throw new Error('crash');
      }),
    ).rejects.toThrow('crash');
    expect(await remindersOf(ids)).toEqual([]);

    // Two schedules (two worker processes), and slices run straight past the schedule's lock.
    const [a, b] = [schedule(), schedule()];
    const runs = await Promise.all([
      a.runNow('remind-unclaimed-payouts'),
      b.runNow('remind-unclaimed-payouts'),
      ...Array.from({ length: 4 }, () => t.db.transaction((tx) => remindUnclaimedSlice(tx, 30, 100))),
    ]);
    const reminded = runs.reduce<number>((sum, r) => sum + (typeof r === 'number' ? r : r.ran ? r.count : 0), 0);
    expect(reminded).toBe(ids.length);
    const reminders = await remindersOf(ids);
    expect(reminders).toHaveLength(ids.length);
    expect(new Set(reminders.map((r) => r.payout_id)).size).toBe(ids.length);

    await waitedFor(ids, 31);
    const expiries = await Promise.all([
      a.runNow('expire-unclaimed-payouts'),
      b.runNow('expire-unclaimed-payouts'),
      ...Array.from({ length: 4 }, () => t.db.transaction((tx) => expireUnclaimedSlice(tx, 30, 100))),
    ]);
    const expired = expiries.reduce<number>((sum, r) => sum + (typeof r === 'number' ? r : r.ran ? r.count : 0), 0);
    expect(expired).toBe(ids.length);
    await Promise.all([a.stop(), b.stop()]);
    expect(await statusCounts(ids)).toEqual({ canceled: ids.length });
    const [cancels] = await t.db.query<{ n: number; payouts: number }>(
      `select count(*)::int as n, count(distinct payout_id)::int as payouts from payout_status_updates where payout_id = any($1::uuid[]) and status = 'canceled'`,
      [ids],
    );
    expect(cancels).toEqual({ n: ids.length, payouts: ids.length });
    await expectLedgerConsistent(t.db);
  });
});
