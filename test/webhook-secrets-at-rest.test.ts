import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealClearWebhookSecrets } from '../src/modules/webhooks/index.js';
import { generateWebhookSecret } from '../src/modules/webhooks/signing.js';
import { decryptText } from '../src/platform/crypto.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { bearer, createTestApp, TEST_ENCRYPTION_KEYS, type TestApp } from './harness.js';
import { createBatch, drain, testWorker } from './payout-helpers.js';
import { startReceiver, type Receiver } from './receiver.js';

// Webhook signing secrets are sealed in the database (a copy of it must not let anyone forge a
// webhook), and the ones an earlier version stored in clear are sealed once at start-up.
describe('webhook signing secrets at rest', () => {
  let t: TestApp;
  let key: string;
  let receiver: Receiver;
  let worker: RunningWorker;

  beforeAll(async () => {
    t = await createTestApp();
    key = await t.createKey('sandbox');
    receiver = await startReceiver();
    worker = testWorker(t);
  });
  afterAll(async () => {
    await worker.stop();
    await receiver.close();
    await t.close();
  });

  const subscribe = async () =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/events/subscription',
        headers: bearer(key),
        payload: { event_name: 'payout.updated', callback_url: receiver.url },
      })
    ).json().data as { subscription: { id: string }; secret: string };
  const storedSecrets = async (subscriptionId: string) =>
    (await t.db.query<{ secret: string }>('select secret from webhook_secrets where subscription_id = $1 order by created_at, id', [subscriptionId])).map(
      (r) => r.secret,
    );
  /** Sends one payout's webhooks and answers the last delivery the subscription received. */
  const deliverOne = async (subscriptionId: string) => {
    await createBatch(t, key, [{ payeeEmail: 'sandbox+canceled@example.com', amount: 1 }]);
    await drain(worker);
    return receiver
      .deliveries()
      .filter((r) => r.body.subscription_id === subscriptionId)
      .at(-1)!;
  };

  it('stores the secret sealed on create and on rotation, and signs with the secret shown', async () => {
    const created = await subscribe();
    const [stored] = await storedSecrets(created.subscription.id);
    expect(stored).toMatch(/^v1:default:/);
    expect(stored).not.toContain(created.secret.slice(6));
    expect(decryptText(TEST_ENCRYPTION_KEYS, stored!)).toBe(created.secret);

    const rotated = (
      await t.app.inject({
        method: 'POST',
        url: `/events/subscription/${created.subscription.id}/rotate-secret`,
        headers: bearer(key),
        payload: { overlap_seconds: 60 },
      })
    ).json().data.secret as string;
    const both = await storedSecrets(created.subscription.id);
    expect(both).toHaveLength(2);
    for (const value of both) expect(value).toMatch(/^v1:default:/);
    expect(both.map((v) => decryptText(TEST_ENCRYPTION_KEYS, v))).toEqual([created.secret, rotated]);

    const delivered = await deliverOne(created.subscription.id);
    expect(() => new Webhook(created.secret).verify(delivered.rawBody, delivered.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(rotated).verify(delivered.rawBody, delivered.headers as Record<string, string>)).not.toThrow();
    await t.app.inject({ method: 'DELETE', url: `/events/subscription/${created.subscription.id}`, headers: bearer(key) });
  });

  it('keeps the answer stored for an idempotent replay sealed, and replays the same secret', async () => {
    const request = {
      method: 'POST' as const,
      url: '/events/subscription',
      headers: { ...bearer(key), 'idempotency-key': 'subscribe-once' },
      payload: { event_name: 'payout.updated', callback_url: receiver.url },
    };
    const first = await t.app.inject(request);
    expect(first.statusCode).toBe(201);
    const secret = first.json().data.secret as string;
    const [stored] = await t.db.query<{ response_body: string }>(`select response_body from idempotency_keys where key = 'subscribe-once'`);
    expect(stored!.response_body).toMatch(/^v1:default:/);
    expect(stored!.response_body).not.toContain(secret.slice(6));
    const replay = await t.app.inject(request);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().data.secret).toBe(secret);

    // An answer an earlier version stored in clear still replays (it expires with its key).
    await t.db.query(`update idempotency_keys set response_body = $1 where key = 'subscribe-once'`, [first.body]);
    expect((await t.app.inject(request)).json().data.secret).toBe(secret);
    await t.app.inject({ method: 'DELETE', url: `/events/subscription/${first.json().data.subscription.id}`, headers: bearer(key) });
  });

  it('seals a secret an earlier version stored in clear, once with two processes at start-up, and it still signs', async () => {
    const { subscription } = await subscribe();
    // What an earlier version wrote: the secret itself.
    const clear = generateWebhookSecret();
    await t.db.query('update webhook_secrets set secret = $2 where subscription_id = $1', [subscription.id, clear]);
    expect(await storedSecrets(subscription.id)).toEqual([clear]);

    // Two processes starting together: each row is sealed by one of them only.
    const [first, second] = await Promise.all([sealClearWebhookSecrets(t.db, TEST_ENCRYPTION_KEYS), sealClearWebhookSecrets(t.db, TEST_ENCRYPTION_KEYS)]);
    expect(first!.resealed + second!.resealed).toBe(1);
    expect(first!.remaining + second!.remaining).toBe(0);
    const [sealed] = await storedSecrets(subscription.id);
    expect(sealed).toMatch(/^v1:default:/);
    expect(decryptText(TEST_ENCRYPTION_KEYS, sealed!)).toBe(clear);

    // Starting again finds nothing to do and changes nothing.
    expect(await sealClearWebhookSecrets(t.db, TEST_ENCRYPTION_KEYS)).toMatchObject({ resealed: 0, remaining: 0 });
    expect(await storedSecrets(subscription.id)).toEqual([sealed]);

    const delivered = await deliverOne(subscription.id);
    expect(() => new Webhook(clear).verify(delivered.rawBody, delivered.headers as Record<string, string>)).not.toThrow();
    const clearRows = await t.db.query<{ n: number }>(`select count(*)::integer as n from webhook_secrets where secret not like 'v1:%'`);
    expect(Number(clearRows[0]!.n)).toBe(0);
  });
});
