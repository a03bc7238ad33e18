import type { Config } from '../../config.js';
import type { Database } from '../../platform/db/database.js';
import { uuidv7 } from '../../platform/ids.js';
import { newLeaseOwner } from '../../platform/queue/lease.js';
import type { WorkerContext, WorkerTask } from '../../platform/worker-task.js';
import {
  type AttemptRecord,
  type ClaimedDelivery,
  claimDueDeliveries,
  completeDeliveries,
  type DeliveryOutcome,
  insertAttempts,
} from './deliveries.repository.js';
import { describeRequestError, WebhookHttpClient } from './http-client.js';
import { nextRetryDelayMs, parseRetryAfter } from './retry.js';
import { signedHeaders } from './signing.js';
import { disableSubscriptions, findLiveSecrets, recordSubscriptionHealth } from './subscriptions.repository.js';

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

/** How long a delivery stays leased: well beyond one request's timeout, so a live send keeps it. */
export function deliveryLeaseSeconds(config: Pick<Config, 'leaseSeconds' | 'webhookTimeoutMs'>): number {
  return Math.max(config.leaseSeconds, 30, Math.ceil((config.webhookTimeoutMs * 2) / 1000));
}

/**
 * Sends due webhook deliveries without head-of-line blocking. Each `runOnce` claims as many as
 * there are free slots (WEBHOOK_MAX_IN_FLIGHT per process; the claim itself keeps each endpoint
 * to WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT across processes), starts their POSTs and returns: the
 * loop goes on claiming while slow requests are in flight. Each attempt is recorded as soon as it
 * finishes, with whatever else finished meanwhile (one transaction per group), and frees its slot
 * only once recorded. A worker killed mid-send loses nothing: the lease runs out and the delivery
 * is sent again with the same webhook id (at least once).
 */
export function deliverWebhooksTask(allowPrivate: boolean): WorkerTask {
  const owner = newLeaseOwner();
  let client: WebhookHttpClient | undefined;
  const inFlight = new Set<Promise<void>>();
  let wake = () => {};
  let toRecord: { tried: Tried; recorded: () => void }[] = [];
  let recording = false;

  /** Writes every finished attempt queued so far, group by group, one group at a time. */
  const recordFinished = async (ctx: WorkerContext) => {
    if (recording) return; // the running writer takes ours in its next group
    recording = true;
    try {
      while (toRecord.length > 0) {
        const group = toRecord;
        toRecord = [];
        try {
          await recordAttempts(
            ctx.db,
            owner,
            group.map((g) => g.tried),
          );
        } catch (error) {
          // Left leased: the lease runs out and the delivery is sent again (at least once).
          ctx.log.error({ err: error, deliveries: group.length }, 'recording webhook attempts failed');
        }
        for (const g of group) g.recorded();
      }
    } finally {
      recording = false;
    }
  };

  const send = async (ctx: WorkerContext, delivery: ClaimedDelivery, secrets: string[]) => {
    try {
      const tried = await attempt(client!, delivery, secrets, ctx.config.webhookTimeoutMs);
      await new Promise<void>((recorded) => {
        toRecord.push({ tried, recorded });
        void recordFinished(ctx);
      });
    } finally {
      // A recorded attempt frees a slot, and may unblock the payout's next delivery.
      wake();
    }
  };

  return {
    name: 'deliver-webhooks',
    async runOnce(ctx) {
      const { db, config } = ctx;
      while (inFlight.size >= config.webhookMaxInFlight) await Promise.race(inFlight);
      const room = Math.min(config.workerBatchSize, config.webhookMaxInFlight - inFlight.size);
      const claimed = await db.transaction((tx) => claimDueDeliveries(tx, room, deliveryLeaseSeconds(config), owner, config.webhookMaxInFlightPerEndpoint));
      if (claimed.length === 0) return 0;
      client ??= new WebhookHttpClient(allowPrivate);
      const secrets = await findLiveSecrets(db, [...new Set(claimed.map((d) => d.subscriptionId))]);
      for (const delivery of claimed) {
        const sending: Promise<void> = send(ctx, delivery, secrets.get(delivery.subscriptionId) ?? [])
          .catch((error: unknown) => ctx.log.error({ err: error, deliveryId: delivery.id }, 'webhook send failed'))
          .finally(() => inFlight.delete(sending));
        inFlight.add(sending);
      }
      return claimed.length;
    },
    async drain() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
    onWake(fn) {
      wake = fn;
    },
    async close() {
      await this.drain?.();
      await client?.close();
    },
  };
}

/** One transaction for a group of finished attempts: the log, the outcomes, the endpoint's health. */
async function recordAttempts(db: Database, owner: string, tried: Tried[]): Promise<void> {
  const succeeded = [...new Set(tried.filter((t) => t.outcome.status === 'delivered').map((t) => t.delivery.subscriptionId))];
  const failed = [...new Set(tried.filter((t) => t.outcome.status !== 'delivered').map((t) => t.delivery.subscriptionId))];
  await db.transaction(async (tx) => {
    await insertAttempts(
      tx,
      tried.map((t) => t.attempt),
    );
    await completeDeliveries(
      tx,
      owner,
      tried.map((t) => t.outcome),
    );
    await recordSubscriptionHealth(
      tx,
      succeeded,
      failed.filter((id) => !succeeded.includes(id)),
    );
    await disableSubscriptions(tx, [...new Set(tried.filter((t) => t.gone).map((t) => t.delivery.subscriptionId))], failed, DISABLE_AFTER_FAILING_SECONDS);
  });
}

async function attempt(client: WebhookHttpClient, delivery: ClaimedDelivery, secrets: string[], timeoutMs: number): Promise<Tried> {
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
    const result = await client.post(delivery.callbackUrl, headers, body, timeoutMs);
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
    outcome =
      retryInMs === undefined
        ? { id: delivery.id, status: 'failed', retryInMs: null, statusCode, error }
        : { id: delivery.id, status: 'pending', retryInMs, statusCode, error };
  }
  return {
    delivery,
    gone,
    outcome,
    attempt: {
      id: uuidv7(),
      deliveryId: delivery.id,
      subscriptionId: delivery.subscriptionId,
      attemptedAt,
      statusCode,
      durationMs,
      error,
      responseExcerpt: excerpt,
    },
  };
}
