import type { Config } from '../../config.js';
import type { Database, Executor } from '../../platform/db/database.js';
import { uuidv7 } from '../../platform/ids.js';
import { newLeaseOwner } from '../../platform/queue/lease.js';
import type { WorkerContext, WorkerTask } from '../../platform/worker-task.js';
import { type AttemptRecord, type ClaimedDelivery, claimDueDeliveries, type DeliveryOutcome, recordAttempts } from './deliveries.repository.js';
import { describeRequestError, WebhookHttpClient } from './http-client.js';
import { nextRetryDelayMs, parseRetryAfter } from './retry.js';
import { signedHeaders } from './signing.js';
import { disableSubscriptions } from './subscriptions.repository.js';

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
  // Set when a claim took fewer rows than it had room for (every due row it may take is taken),
  // cleared when a recorded attempt frees a slot. While set and requests are in flight, claiming
  // again finds nothing new: the loop waits for the wake-up of the next freed slot instead.
  let claimedAllDue = false;

  /** Writes every finished attempt queued so far, group by group, one group at a time. */
  const recordFinished = async (ctx: WorkerContext) => {
    if (recording) return; // the running writer takes ours in its next group
    recording = true;
    try {
      while (toRecord.length > 0) {
        const group = toRecord;
        toRecord = [];
        try {
          await recordGroup(
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

  const send = async (ctx: WorkerContext, delivery: ClaimedDelivery) => {
    try {
      const tried = await attempt(client!, delivery, ctx.config.webhookTimeoutMs);
      await new Promise<void>((recorded) => {
        toRecord.push({ tried, recorded });
        void recordFinished(ctx);
      });
    } finally {
      // A recorded attempt frees a slot, and may unblock the payout's next delivery.
      claimedAllDue = false;
      wake();
    }
  };

  return {
    name: 'deliver-webhooks',
    async runOnce(ctx) {
      const { db, config } = ctx;
      // New deliveries that came due meanwhile are found at the next freed slot or poll.
      if (claimedAllDue && inFlight.size > 0) return 0;
      while (inFlight.size >= config.webhookMaxInFlight) await Promise.race(inFlight);
      const room = Math.min(config.workerBatchSize, config.webhookMaxInFlight - inFlight.size);
      const claimed = await db.transaction((tx) => claimDueDeliveries(tx, room, deliveryLeaseSeconds(config), owner, config.webhookMaxInFlightPerEndpoint));
      claimedAllDue = claimed.length < room;
      if (claimed.length === 0) return 0;
      client ??= new WebhookHttpClient(allowPrivate);
      for (const delivery of claimed) {
        const sending: Promise<void> = send(ctx, delivery)
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

/**
 * Records a group of finished attempts: the log, the outcomes and the endpoints' health in one
 * statement; only a group with failures also checks (in the same transaction) whether an
 * endpoint is to be disabled.
 */
async function recordGroup(db: Database, owner: string, tried: Tried[]): Promise<void> {
  const succeeded = [...new Set(tried.filter((t) => t.outcome.status === 'delivered').map((t) => t.delivery.subscriptionId))];
  const failed = [...new Set(tried.filter((t) => t.outcome.status !== 'delivered').map((t) => t.delivery.subscriptionId))];
  const gone = [...new Set(tried.filter((t) => t.gone).map((t) => t.delivery.subscriptionId))];
  const record = (ex: Executor) =>
    recordAttempts(
      ex,
      owner,
      tried.map((t) => t.attempt),
      tried.map((t) => t.outcome),
      { succeeded, failed: failed.filter((id) => !succeeded.includes(id)) },
    );
  if (failed.length === 0) {
    await record(db);
    return;
  }
  await db.transaction(async (tx) => {
    await record(tx);
    await disableSubscriptions(tx, gone, failed, DISABLE_AFTER_FAILING_SECONDS);
  });
}

async function attempt(client: WebhookHttpClient, delivery: ClaimedDelivery, timeoutMs: number): Promise<Tried> {
  const body = JSON.stringify(webhookEnvelope(delivery));
  const attemptedAt = new Date();
  const timestamp = Math.floor(attemptedAt.getTime() / 1000);
  const headers = signedHeaders(delivery.secrets, delivery.subscriptionId, delivery.id, timestamp, body);
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
