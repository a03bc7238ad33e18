import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, signInAs, type TestApp } from './harness.js';
import { createBatch, drain, expectApiError, testWorker } from './payout-helpers.js';
import { type Receiver, startReceiver } from './receiver.js';

interface Overview {
  since: string;
  balance: { currency: string; available: number; held: number; paidOut: number };
  payoutsByStatus: { status: string; count: number; amount: number }[];
  payoutsByDay: { date: string; counts: Record<string, number> }[];
  recentProblems: { id: string; status: string; reason: string | null; amount: number; recipientEmail: string }[];
  failingWebhooks?: { id: string; callbackUrl: string; status: string; failingSince: string | null }[];
  failedEmails?: { countSince: number; recent: { id: string; to: string }[] };
}

// One organization's sandbox with payouts that complete, fail and stay pending, a webhook endpoint
// that answers 500, and an email that could not be sent; a second organization and the production
// side of the first hold payouts the overview must never count.
describe('GET /overview', () => {
  let t: TestApp;
  let key: string;
  let receiver: Receiver;
  let admin: Awaited<ReturnType<typeof signInAs>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    receiver = await startReceiver();
    key = await t.createKey('sandbox');
    admin = await signInAs(t, 'admin');
    const subscribed = await t.app.inject({
      method: 'POST',
      url: '/events/subscription',
      headers: bearer(key),
      payload: { event_name: 'payout.updated', callback_url: receiver.url },
    });
    expect(subscribed.statusCode).toBe(201);
    receiver.respondWith(() => ({ status: 500 }));

    const created = await createBatch(t, key, [
      { payeeEmail: 'sandbox+completed@x.com', amount: 1_000 },
      { payeeEmail: 'sandbox+failed@x.com', amount: 2_000 },
      { payeeEmail: 'sandbox+pending@x.com', amount: 3_000 },
      { payeeEmail: 'old@x.com', amount: 4_000 },
    ]);
    expect(created.statusCode).toBe(201);
    const payouts = created.json().data.payouts as { id: string; payeeEmail: string }[];
    for (const p of payouts) ids[p.payeeEmail] = p.id;
    await drain(testWorker(t));
    // A payout from before the window: older than 30 days, so not in the chart.
    await t.db.query(`update payouts set created_at = now() - interval '40 days' where id = $1`, [ids['old@x.com']]);
    // An email the mail server refused for good (the worker's outcome, written directly: the
    // sandbox captures its emails instead of sending them).
    await t.db.query(`update emails set status = 'failed', last_error = '550 no such mailbox' where id = (select id from emails order by id limit 1)`);

    // Elsewhere: production of the same organization, and another organization's sandbox.
    const otherKey = await t.createKey('sandbox', await t.createOrganization());
    expect((await createBatch(t, otherKey, [{ payeeEmail: 'sandbox+failed@y.com', amount: 5_000 }])).statusCode).toBe(201);
    await drain(testWorker(t));
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  const overviewFor = async (headers: Record<string, string>) => {
    const response = await t.app.inject({ method: 'GET', url: '/overview', headers });
    expect(response.statusCode).toBe(200);
    return response.json<{ data: Overview }>().data;
  };

  it('counts the last 30 days of payouts per status and per day, for this tenant only', async () => {
    const dayBefore = new Date().toISOString().slice(0, 10);
    const o = await overviewFor(admin('sandbox'));
    const dayAfter = new Date().toISOString().slice(0, 10);
    const byStatus = Object.fromEntries(o.payoutsByStatus.map((s) => [s.status, s]));
    expect(Object.keys(byStatus).sort()).toEqual(['awaiting_acceptance', 'canceled', 'completed', 'created', 'failed', 'pending', 'processing', 'returned']);
    expect(byStatus.completed).toEqual({ status: 'completed', count: 1, amount: 1_000 });
    expect(byStatus.failed).toEqual({ status: 'failed', count: 1, amount: 2_000 });
    const counted = o.payoutsByStatus.reduce((n, s) => n + s.count, 0);
    expect(counted).toBe(3); // not the 40-day-old one, nor the other organization's

    expect(o.payoutsByDay).toHaveLength(30);
    expect([dayBefore, dayAfter]).toContain(o.payoutsByDay.at(-1)!.date);
    expect(o.since.slice(0, 10)).toBe(o.payoutsByDay[0]!.date);
    // Each payout in the bucket of the day (UTC) it was created: today's, or yesterday's for a run
    // that crosses midnight. None elsewhere.
    const created = await t.db.query<{ day: string; n: number }>(
      `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::integer as n from payouts where id = any($1::uuid[]) group by 1`,
      [['sandbox+completed@x.com', 'sandbox+failed@x.com', 'sandbox+pending@x.com'].map((email) => ids[email])],
    );
    const expected = Object.fromEntries(o.payoutsByDay.map((d) => [d.date, 0]));
    for (const { day, n } of created) expected[day] = n;
    expect(Object.fromEntries(o.payoutsByDay.map((d) => [d.date, Object.values(d.counts).reduce((a, b) => a + b, 0)]))).toEqual(expected);
  });

  it('lists the recent failures with their recipient, and the balances', async () => {
    const o = await overviewFor(admin('sandbox'));
    expect(o.recentProblems.map((p) => p.id)).toEqual([ids['sandbox+failed@x.com']]);
    expect(o.recentProblems[0]).toMatchObject({ status: 'failed', amount: 2_000, recipientEmail: 'sandbox+failed@x.com' });
    expect(o.recentProblems[0]!.reason).toBeTruthy();
    const balance = (await t.app.inject({ method: 'GET', url: '/balance', headers: bearer(key) })).json().data;
    expect(o.balance).toEqual(balance);
    expect(o.balance.paidOut).toBe(1_000 + 4_000); // the old payout completed too, before the window
  });

  it('shows the failing webhook endpoint and the failed email to an admin', async () => {
    const o = await overviewFor(admin('sandbox'));
    expect(o.failingWebhooks).toHaveLength(1);
    expect(o.failingWebhooks![0]).toMatchObject({ callbackUrl: receiver.url, status: 'active' });
    expect(o.failingWebhooks![0]!.failingSince).not.toBeNull();
    expect(o.failedEmails!.countSince).toBe(1);
    expect(o.failedEmails!.recent).toHaveLength(1);
  });

  it('keeps the production side separate', async () => {
    const o = await overviewFor(admin('production'));
    expect(o.payoutsByStatus.every((s) => s.count === 0)).toBe(true);
    expect(o.recentProblems).toEqual([]);
    expect(o.failingWebhooks).toEqual([]);
    expect(o.failedEmails).toEqual({ countSince: 0, recent: [] });
  });

  it('leaves out the parts a role may not see', async () => {
    const accountant = await overviewFor((await signInAs(t, 'accountant'))('sandbox'));
    expect(accountant.recentProblems).toHaveLength(1);
    expect(accountant).not.toHaveProperty('failingWebhooks');
    expect(accountant).not.toHaveProperty('failedEmails');
    const manager = await overviewFor((await signInAs(t, 'manager'))('sandbox'));
    expect(manager.failingWebhooks).toHaveLength(1);
    expect(manager.failedEmails!.countSince).toBe(1);
  });

  it('is for signed-in dashboard users with payouts:read only', async () => {
    expectApiError(await t.app.inject({ method: 'GET', url: '/overview' }), 401, 'unauthorized');
    expectApiError(await t.app.inject({ method: 'GET', url: '/overview', headers: bearer(key) }), 403, 'forbidden');
    expectApiError(await t.app.inject({ method: 'GET', url: '/overview', headers: (await signInAs(t, 'employee'))('sandbox') }), 403, 'forbidden');
  });
});
