import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { advancePayoutsTask } from '../src/modules/payouts/payouts.tasks.js';
import { verifyWebhook } from '../src/modules/webhooks/verify-webhook.js';
import { deliverWebhooksTask } from '../src/modules/webhooks/webhooks.tasks.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { createBatch, drain, testWorker } from './payout-helpers.js';
import { type ReceivedRequest, startReceiver, type Receiver } from './receiver.js';

describe('webhook delivery', () => {
  let t: TestApp;
  let key: string;
  let receiver: Receiver;
  let worker: RunningWorker;
  let subscriptionId: string;
  let secret: string;

  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('sandbox');
    receiver = await startReceiver();
    worker = testWorker(t);
    const created = (
      await t.app.inject({
        method: 'POST',
        url: '/events/subscription',
        headers: bearer(key),
        payload: { event_name: 'payout.updated', callback_url: receiver.url },
      })
    ).json().data;
    subscriptionId = created.subscription.id;
    secret = created.secret;
  });
  afterEach(() => receiver.respondWith(() => ({ status: 200, body: '{"ok":true}' })));
  afterAll(async () => {
    await worker.stop();
    await receiver.close();
    await t.close();
  });

  const forPayout = (id: string) => receiver.deliveries().filter((r) => r.body.data?.payout_intent_id === id);
  const deliveriesLog = async () =>
    (await t.app.inject({ method: 'GET', url: `/events/subscription/${subscriptionId}/deliveries?limit=100`, headers: bearer(key) })).json().data;
  /** Retries wait seconds to hours; tests move the clock by making every pending retry due now. */
  const makeRetriesDue = () => t.db.query(`update webhook_deliveries set next_attempt_at = now() where status = 'pending'`);

  it('delivers every sandbox outcome in order per payout, signed so standardwebhooks verifies it', async () => {
    const scenarios = {
      completed: ['pending', 'processing', 'completed'],
      failed: ['pending', 'processing', 'failed'],
      returned: ['pending', 'processing', 'completed', 'returned'],
      canceled: ['canceled'],
      pending: ['pending'],
      awaiting_acceptance: ['awaiting_acceptance'],
    };
    const payouts = (
      await createBatch(
        t,
        key,
        Object.keys(scenarios).map((s) => ({ payeeEmail: `sandbox+${s}@trykarat.com`, amount: 100, referenceId: s })),
      )
    ).json().data.payouts;
    await drain(worker);
    const verifier = new Webhook(secret);
    for (const payout of payouts) {
      const received = forPayout(payout.id);
      expect(received.map((r) => r.body.data!.status)).toEqual(scenarios[payout.referenceId as keyof typeof scenarios]);
      expect(received.map((r) => r.body.data!.sequence)).toEqual(received.map((_, i) => i + 2));
      for (const request of received) {
        const envelope = verifier.verify(request.rawBody, request.headers as Record<string, string>) as Record<string, unknown>;
        expect(envelope).toMatchObject({
          id: request.headers['x-karat-webhook-id'],
          event: 'payout.updated',
          subscription_id: subscriptionId,
          created_at: expect.any(String),
        });
        expect(Object.keys(envelope).sort()).toEqual(['created_at', 'data', 'event', 'id', 'subscription_id']);
        expect(Object.keys(request.body.data!).sort()).toEqual([
          'date',
          'id',
          'payout_intent_id',
          'previous_status',
          'reason',
          'reference_id',
          'sequence',
          'status',
        ]);
        expect(request.headers['x-karat-signature']).toMatch(/^v1=[A-Za-z0-9+/]+=*$/);
        expect(request.headers['x-karat-subscription-id']).toBe(subscriptionId);
        expect(request.headers['webhook-id']).toBe(request.headers['x-karat-webhook-id']);
        expect(verifyWebhook(secret, request.headers, request.rawBody)).toEqual(envelope);
      }
    }
  });

  it('retries a failing receiver on the schedule and logs every attempt', async () => {
    receiver.respondWith((_request, index) => (index < 3 ? { status: 500, body: `failure ${index + 1}` } : { status: 200, body: 'ok' }));
    const id = (await createBatch(t, key, [{ payeeEmail: 'sandbox+canceled@example.com', amount: 1 }])).json().data.payouts[0].id;
    await drain(worker);
    const [first] = await t.db.query<{ next_attempt_at: Date }>(`select next_attempt_at from webhook_deliveries where status = 'pending'`);
    const wait = first!.next_attempt_at.getTime() - Date.now();
    expect(wait).toBeGreaterThan(3_500);
    expect(wait).toBeLessThan(6_000);
    for (let i = 0; i < 3; i++) {
      await makeRetriesDue();
      await drain(worker);
    }
    const received = forPayout(id);
    expect(received).toHaveLength(4);
    expect(new Set(received.map((r) => r.headers['x-karat-webhook-id'])).size).toBe(1);
    const delivery = (await deliveriesLog()).find((d: { id: string }) => d.id === received[0]!.headers['x-karat-webhook-id']);
    expect(delivery).toMatchObject({ status: 'delivered', attemptCount: 4 });
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 500, 200]);
    expect(delivery.attempts[0]).toMatchObject({ error: 'HTTP 500', responseExcerpt: 'failure 1', durationMs: expect.any(Number) });
  });

  it('redelivering appends to the attempt history, restarts the retry schedule, and logs the exact body sent', async () => {
    receiver.respondWith((_request, index) => (index < 2 ? { status: 500, body: 'down' } : { status: 200, body: 'ok' }));
    const id = (await createBatch(t, key, [{ payeeEmail: 'sandbox+canceled@example.com', amount: 1 }])).json().data.payouts[0].id;
    await drain(worker);
    for (let i = 0; i < 2; i++) {
      await makeRetriesDue();
      await drain(worker);
    }
    const webhookId = String(forPayout(id)[0]!.headers['x-karat-webhook-id']);
    const logged = async () => (await deliveriesLog()).find((d: { id: string }) => d.id === webhookId);
    const before = await logged();
    expect(before).toMatchObject({ status: 'delivered', attemptCount: 3, payoutId: id, payoutStatus: 'canceled' });
    // The log shows the body the receiver got, byte for byte once serialized the same way.
    expect(JSON.stringify(before.payload)).toBe(forPayout(id)[0]!.rawBody);

    receiver.respondWith(() => ({ status: 500, body: 'down again' }));
    const redeliver = await t.app.inject({
      method: 'POST',
      url: `/events/subscription/${subscriptionId}/deliveries/${webhookId}/redeliver`,
      headers: bearer(key),
    });
    expect(redeliver.statusCode).toBe(202);
    await drain(worker);
    const afterFailure = await logged();
    expect(afterFailure).toMatchObject({ status: 'pending', attemptCount: 4 });
    expect(afterFailure.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 200, 500]);
    expect(afterFailure.attempts.slice(0, 3)).toEqual(before.attempts);
    // The schedule starts over: the next try is the first retry's 5 seconds away, not the fourth's hours.
    const wait = new Date(afterFailure.nextAttemptAt).getTime() - Date.now();
    expect(wait).toBeGreaterThan(3_500);
    expect(wait).toBeLessThan(6_000);

    receiver.respondWith(() => ({ status: 200 }));
    await makeRetriesDue();
    await drain(worker);
    const after = await logged();
    expect(after).toMatchObject({ status: 'delivered', attemptCount: 5, payload: before.payload });
    expect(after.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 200, 500, 200]);
    expect(forPayout(id).map((r) => r.rawBody)).toEqual(Array(5).fill(forPayout(id)[0]!.rawBody));
  });

  it('honors Retry-After within bounds', async () => {
    receiver.respondWith(() => ({ status: 503, headers: { 'retry-after': '120' } }));
    await createBatch(t, key, [{ payeeEmail: 'sandbox+canceled@example.com', amount: 1 }]);
    await drain(worker);
    const [row] = await t.db.query<{ next_attempt_at: Date }>(`select next_attempt_at from webhook_deliveries where status = 'pending'`);
    const wait = row!.next_attempt_at.getTime() - Date.now();
    expect(wait).toBeGreaterThan(110_000);
    expect(wait).toBeLessThan(125_000);
    receiver.respondWith(() => ({ status: 200 }));
    await makeRetriesDue();
    await drain(worker);
  });

  it('redelivers one delivery with the same webhook id, and replays history to a new subscription', async () => {
    const before = receiver.deliveries().length;
    const [delivery] = await deliveriesLog();
    const response = await t.app.inject({
      method: 'POST',
      url: `/events/subscription/${subscriptionId}/deliveries/${delivery.id}/redeliver`,
      headers: bearer(key),
    });
    expect(response.statusCode).toBe(202);
    await drain(worker);
    expect(receiver.deliveries().length).toBe(before + 1);
    expect(receiver.deliveries().at(-1)!.headers['x-karat-webhook-id']).toBe(delivery.id);

    const late = await startReceiver();
    try {
      const created = (
        await t.app.inject({
          method: 'POST',
          url: '/events/subscription',
          headers: bearer(key),
          payload: { event_name: 'payout.updated', callback_url: late.url },
        })
      ).json().data;
      const [{ n: eventCount }] = (await t.db.query<{ n: bigint }>(`select count(*)::bigint as n from events`)) as [{ n: bigint }];
      const replay = await t.app.inject({
        method: 'POST',
        url: `/events/subscription/${created.subscription.id}/replay`,
        headers: bearer(key),
        payload: { since: '2000-01-01T00:00:00Z' },
      });
      expect(replay.json().data.queued).toBe(Number(eventCount));
      await drain(worker);
      expect(late.deliveries()).toHaveLength(Number(eventCount));
      for (const request of late.deliveries()) expect(() => verifyWebhook(created.secret, request.headers, request.rawBody)).not.toThrow();
    } finally {
      await late.close();
    }
  });

  it('signs with both secrets during a rotation overlap, then with the new one only', async () => {
    const rotated = (
      await t.app.inject({
        method: 'POST',
        url: `/events/subscription/${subscriptionId}/rotate-secret`,
        headers: bearer(key),
        payload: { overlap_seconds: 3600 },
      })
    ).json().data;
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);
    await createBatch(t, key, [{ payeeEmail: 'sandbox+canceled@example.com', amount: 1 }]);
    await drain(worker);
    const during = receiver.deliveries().at(-1)!;
    expect(during.headers['x-karat-signature']!.toString().split(' ')).toHaveLength(2);
    expect(during.headers['webhook-signature']!.toString().split(' ')).toHaveLength(2);
    expect(() => new Webhook(secret).verify(during.rawBody, during.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(rotated.secret).verify(during.rawBody, during.headers as Record<string, string>)).not.toThrow();

    await t.db.query(`update webhook_secrets set expires_at = now() - interval '1 second' where expires_at is not null`);
    await createBatch(t, key, [{ payeeEmail: 'sandbox+canceled@example.com', amount: 1 }]);
    await drain(worker);
    const after = receiver.deliveries().at(-1)!;
    expect(after.headers['x-karat-signature']!.toString().split(' ')).toHaveLength(1);
    expect(() => new Webhook(rotated.secret).verify(after.rawBody, after.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(secret).verify(after.rawBody, after.headers as Record<string, string>)).toThrow();
    secret = rotated.secret;
  });

  it('loses nothing when a worker dies mid-delivery: the event arrives again with the same webhook id', async () => {
    let hung: ReceivedRequest | undefined;
    receiver.respondWith((request) => {
      if (!hung) {
        hung = request;
        return 'hang';
      }
      return { status: 200 };
    });
    const id = (await createBatch(t, key, [{ payeeEmail: 'sandbox+canceled@example.com', amount: 1 }])).json().data.payouts[0].id;
    const ctx = { db: t.db, config: t.config, log: t.app.log as never };
    await advancePayoutsTask().runOnce(ctx);
    // The first worker sends and hangs waiting for an answer, as a worker killed mid-request would.
    const dying = deliverWebhooksTask(true);
    const stuck = dying.runOnce(ctx).catch(() => 0);
    while (!hung) await new Promise((resolve) => setImmediate(resolve));
    // Its lease runs out; another worker takes the delivery and the receiver gets it again.
    await t.db.query(`update webhook_deliveries set lease_expires_at = now() - interval '1 second' where status = 'pending'`);
    await drain(worker);
    const received = forPayout(id);
    expect(received).toHaveLength(2);
    expect(received[0]!.headers['x-karat-webhook-id']).toBe(received[1]!.headers['x-karat-webhook-id']);
    const [row] = await t.db.query<{ status: string }>(`select status from webhook_deliveries where id = $1`, [received[0]!.headers['x-karat-webhook-id']]);
    expect(row!.status).toBe('delivered');
    await receiver.close();
    receiver = await startReceiver();
    await t.db.query(`update webhook_subscriptions set callback_url = $1`, [receiver.url]);
    await stuck;
    await dying.close?.();
  });

  it('disables a subscription answering 410 Gone, and one failing for five days', async () => {
    receiver.respondWith(() => ({ status: 410 }));
    await createBatch(t, key, [{ payeeEmail: 'sandbox+canceled@example.com', amount: 1 }]);
    await drain(worker);
    let subscription = (await t.app.inject({ method: 'GET', url: `/events/subscription/${subscriptionId}`, headers: bearer(key) })).json().data;
    expect(subscription).toMatchObject({ status: 'disabled', disabledReason: expect.stringContaining('410') });
    const count = receiver.deliveries().length;
    await createBatch(t, key, [{ payeeEmail: 'sandbox+canceled@example.com', amount: 1 }]);
    await drain(worker);
    expect(receiver.deliveries().length).toBe(count);

    receiver.respondWith(() => ({ status: 500 }));
    await t.app.inject({ method: 'POST', url: `/events/subscription/${subscriptionId}/enable`, headers: bearer(key) });
    await t.db.query(`update webhook_subscriptions set failing_since = now() - interval '6 days' where id = $1`, [subscriptionId]);
    await createBatch(t, key, [{ payeeEmail: 'sandbox+canceled@example.com', amount: 1 }]);
    await drain(worker);
    subscription = (await t.app.inject({ method: 'GET', url: `/events/subscription/${subscriptionId}`, headers: bearer(key) })).json().data;
    expect(subscription).toMatchObject({ status: 'disabled', disabledReason: expect.stringContaining('5 days') });
  });

  it('refuses at delivery time a target that resolves to a private address, unless allowed', async () => {
    const strict = deliverWebhooksTask(false);
    const sub = (
      await t.app.inject({
        method: 'POST',
        url: '/events/subscription',
        headers: bearer(key),
        payload: { event_name: 'payout.updated', callback_url: receiver.url },
      })
    ).json().data.subscription;
    await createBatch(t, key, [{ payeeEmail: 'sandbox+canceled@example.com', amount: 1 }]);
    const ctx = { db: t.db, config: t.config, log: t.app.log as never };
    await advancePayoutsTask().runOnce(ctx);
    await strict.runOnce(ctx);
    await strict.drain?.(); // sends run on after runOnce; wait until each attempt is recorded
    const log = (await t.app.inject({ method: 'GET', url: `/events/subscription/${sub.id}/deliveries`, headers: bearer(key) })).json().data;
    expect(log[0].attempts[0].error).toContain('WEBHOOK_ALLOW_PRIVATE=1');
    await strict.close?.();
  });

  it('counts a subscription\'s deliveries on request (the log\'s "of N"), whatever the page', async () => {
    await createBatch(t, key, [{ payeeEmail: 'sandbox+canceled@example.com', amount: 7 }]);
    await advancePayoutsTask().runOnce({ db: t.db, config: t.config, log: t.app.log as never });
    const all = await deliveriesLog();
    expect(all.length).toBeGreaterThan(1);
    const get = async (query: string) =>
      (await t.app.inject({ method: 'GET', url: `/events/subscription/${subscriptionId}/deliveries?${query}`, headers: bearer(key) })).json();
    const first = await get('limit=1&includeTotal=true');
    expect(first.data).toHaveLength(1);
    expect(first.total).toBe(all.length);
    expect((await get(`limit=1&includeTotal=true&cursor=${first.nextCursor}`)).total).toBe(all.length);
    expect((await get('limit=1')).total).toBeUndefined();
  });
});
