// The webhook sender says it is behind (so the payout loop holds back, see worker-loop.test.ts)
// when it claims deliveries that had been due for a while, or more than it had room for, for
// endpoints that answer. An endpoint
// that does not answer has a backlog of its own: it must not slow every tenant's payouts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advancePayoutsTask } from '../src/modules/payouts/payouts.tasks.js';
import { deliverWebhooksTask } from '../src/modules/webhooks/webhooks.tasks.js';
import type { WorkerContext } from '../src/platform/worker-task.js';
import { createTestApp, type TestApp } from './harness.js';
import { createBatch, subscribePayoutUpdates } from './payout-helpers.js';
import { type Receiver, startReceiver } from './receiver.js';

const PAYOUTS = 5;

describe('webhook sender falling behind', () => {
  let t: TestApp;
  let endpoint: Receiver;
  let ctx: WorkerContext;

  beforeAll(async () => {
    t = await createTestApp({ sandboxDelayMs: 0, webhookTimeoutMs: 200 });
    endpoint = await startReceiver();
    ctx = { db: t.db, config: t.config, log: t.app.log as never };
  });
  afterAll(async () => {
    await endpoint.close();
    await t.close();
  });

  /** A new sandbox tenant subscribed to the shared endpoint, with a batch of `count` payouts just created. */
  const subscribedBatch = async (emailPrefix: string, count: number) => {
    const key = await t.createKey('sandbox');
    await subscribePayoutUpdates(t, key, endpoint.url);
    const created = await createBatch(
      t,
      key,
      Array.from({ length: count }, (_, i) => ({ payeeEmail: `${emailPrefix}${i}@example.com`, amount: 1 })),
    );
    expect(created.statusCode).toBe(201);
  };
  /** Makes every pending delivery look as if it had waited two seconds for the sender. */
  const agePendingDeliveries = () => t.db.query(`update webhook_deliveries set next_attempt_at = now() - interval '2 seconds' where status = 'pending'`);
  /** Makes every pending delivery due just now, however long the test took to get here on a busy machine. */
  const freshenPendingDeliveries = () => t.db.query(`update webhook_deliveries set next_attempt_at = now() where status = 'pending'`);

  it('is behind after claiming deliveries that waited, and not once it claims fresh ones', async () => {
    await subscribedBatch('behind', PAYOUTS);
    const payouts = advancePayoutsTask();
    const sender = deliverWebhooksTask(true);
    try {
      expect(await payouts.runOnce(ctx)).toBe(PAYOUTS);
      await agePendingDeliveries();
      expect(await sender.runOnce(ctx)).toBe(PAYOUTS);
      expect(sender.behind?.()).toBe(true);
      await sender.drain?.();

      expect(await payouts.runOnce(ctx)).toBe(PAYOUTS);
      await freshenPendingDeliveries();
      expect(await sender.runOnce(ctx)).toBe(PAYOUTS);
      expect(sender.behind?.()).toBe(false);
      await sender.drain?.();
      expect(endpoint.deliveries()).toHaveLength(2 * PAYOUTS);
    } finally {
      await sender.close?.();
    }
  });

  it('is behind after a claim that filled its room, even with fresh deliveries', async () => {
    await subscribedBatch('full', PAYOUTS);
    const payouts = advancePayoutsTask();
    const sender = deliverWebhooksTask(true);
    // Room for fewer deliveries than are due: more are waiting than the sender could take.
    const small = { ...ctx, config: { ...t.config, workerBatchSize: PAYOUTS - 2 } };
    try {
      const claimFresh = async () => {
        await freshenPendingDeliveries();
        return sender.runOnce(small);
      };
      expect(await payouts.runOnce(ctx)).toBeGreaterThanOrEqual(PAYOUTS);
      expect(await claimFresh()).toBe(PAYOUTS - 2);
      expect(sender.behind?.()).toBe(true);
      await sender.drain?.();
      // Once a claim takes every due delivery (fresh ones), it is no longer behind.
      while ((await claimFresh()) === PAYOUTS - 2) await sender.drain?.();
      expect(sender.behind?.()).toBe(false);
      await sender.drain?.();
    } finally {
      await sender.close?.();
    }
  });

  it('is not behind for deliveries to an endpoint that stopped answering', async () => {
    await subscribedBatch('hanging-endpoint', 1);
    endpoint.respondWith(() => 'hang');
    const payouts = advancePayoutsTask();
    const sender = deliverWebhooksTask(true);
    try {
      // Whatever the first test left due is sent too; this endpoint now lets every request time out.
      while ((await payouts.runOnce(ctx)) > 0) {}
      expect(await sender.runOnce(ctx)).toBeGreaterThan(0);
      await sender.drain?.();
      await agePendingDeliveries();
      expect(await sender.runOnce(ctx)).toBeGreaterThan(0);
      expect(sender.behind?.()).toBe(false);
      await sender.drain?.();
    } finally {
      endpoint.respondWith(() => ({ status: 200 }));
      await sender.close?.();
    }
  });
});
