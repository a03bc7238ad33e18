import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { uuidv7 } from '../../platform/ids.js';
import type { WorkerTask } from '../../worker/worker.js';
import { type AttemptRecord, type ClaimedDelivery, claimDueDeliveries, completeDeliveries, type DeliveryOutcome, insertAttempts } from './deliveries.repository.js';
import { describeRequestError, WebhookHttpClient } from './http-client.js';
import { nextRetryDelayMs, parseRetryAfter } from './retry.js';
import { signedHeaders } from './signing.js';
import { disableSubscriptions, findLiveSecrets, recordSubscriptionHealth } from './subscriptions.repository.js';

export const DELIVERY_TIMEOUT_MS = 15_000;
const DISABLE_AFTER_FAILING_SECONDS = 5 * 24 * 3600;

/** The envelope the receiver gets: Karat's shape, with our delivery id as the webhook id. */
export function webhookEnvelope(d: Pick<ClaimedDelivery, 'id' | 'eventType' | 'eventCreatedAt' | 'subscriptionId' | 'data'>) {
  return { id: d.id, event: d.eventType, created_at: d.eventCreatedAt.toISOString(), subscription_id: d.subscriptionId, data: d.data };
}

interface Tried {
  delivery: ClaimedDelivery;
  attempt: AttemptRecord;
  outcome: DeliveryOutcome;
  gone: boolean;
}

/**
 * Sends due webhook deliveries: claim a batch under a lease, POST them concurrently over
 * keep-alive connections outside any transaction, then record every attempt and outcome in one
 * transaction. A worker killed mid-send loses nothing: the lease runs out and the delivery is
 * sent again with the same webhook id (at least once).
 */
export function deliverWebhooksTask(allowPrivate: boolean): WorkerTask {
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let client: WebhookHttpClient | undefined;
  return {
    name: 'deliver-webhooks',
    async runOnce({ db, config }) {
      const claimed = await db.transaction((tx) => claimDueDeliveries(tx, config.workerBatchSize, Math.max(config.leaseSeconds, 30), owner));
      if (claimed.length === 0) return 0;
      client ??= new WebhookHttpClient(allowPrivate);
      const secrets = await findLiveSecrets(db, [...new Set(claimed.map((d) => d.subscriptionId))]);
      const tried = await Promise.all(claimed.map((d) => attempt(client!, d, secrets.get(d.subscriptionId) ?? [])));
      const succeeded = [...new Set(tried.filter((t) => t.outcome.status === 'delivered').map((t) => t.delivery.subscriptionId))];
      const failed = [...new Set(tried.filter((t) => t.outcome.status !== 'delivered').map((t) => t.delivery.subscriptionId))];
      await db.transaction(async (tx) => {
        await insertAttempts(tx, tried.map((t) => t.attempt));
        await completeDeliveries(tx, owner, tried.map((t) => t.outcome));
        await recordSubscriptionHealth(tx, succeeded, failed.filter((id) => !succeeded.includes(id)));
        await disableSubscriptions(tx, [...new Set(tried.filter((t) => t.gone).map((t) => t.delivery.subscriptionId))], failed, DISABLE_AFTER_FAILING_SECONDS);
      });
      return claimed.length;
    },
    async close() {
      await client?.close();
    },
  };
}

async function attempt(client: WebhookHttpClient, delivery: ClaimedDelivery, secrets: string[]): Promise<Tried> {
  const body = JSON.stringify(webhookEnvelope(delivery));
  const attemptedAt = new Date();
  const timestamp = Math.floor(attemptedAt.getTime() / 1000);
  const headers = signedHeaders(secrets, delivery.subscriptionId, delivery.id, timestamp, body);
  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  let excerpt: string | null = null;
  let retryAfterMs: number | undefined;
  try {
    const result = await client.post(delivery.callbackUrl, headers, body, DELIVERY_TIMEOUT_MS);
    statusCode = result.statusCode;
    excerpt = result.excerpt;
    retryAfterMs = parseRetryAfter(result.retryAfter);
    if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
  } catch (failure) {
    error = describeRequestError(failure);
  }
  const durationMs = Math.round(performance.now() - started);
  const attemptNumber = delivery.attemptCount + 1;
  const gone = statusCode === 410;
  let outcome: DeliveryOutcome;
  if (error === null) outcome = { id: delivery.id, status: 'delivered', retryInMs: null, statusCode, error: null };
  else {
    const retryInMs = gone ? undefined : nextRetryDelayMs(attemptNumber, statusCode === 429 || statusCode === 503 ? retryAfterMs : undefined);
    outcome = retryInMs === undefined ? { id: delivery.id, status: 'failed', retryInMs: null, statusCode, error } : { id: delivery.id, status: 'pending', retryInMs, statusCode, error };
  }
  return {
    delivery,
    gone,
    outcome,
    attempt: { id: uuidv7(), deliveryId: delivery.id, subscriptionId: delivery.subscriptionId, attemptedAt, statusCode, durationMs, error, responseExcerpt: excerpt },
  };
}
