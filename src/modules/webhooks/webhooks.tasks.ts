import type { Config } from '../../config.js';
import type { KeyRing } from '../../platform/crypto.js';
import type { Database, Executor } from '../../platform/db/database.js';
import { encryptionKeysOf } from '../../platform/encryption-key.js';
import { uuidv7 } from '../../platform/ids.js';
import { newLeaseOwner } from '../../platform/queue/lease.js';
import type { WorkerContext, WorkerTask } from '../../platform/worker-task.js';
import {
  type AttemptRecord,
  type ClaimedDelivery,
  claimDueDeliveries,
  type DeliveryOutcome,
  giveBackDeliveries,
  recordAttempts,
} from './deliveries.repository.js';
import { webhookEnvelope } from './envelope.js';
import { describeRequestError, WebhookHttpClient } from './http-client.js';
import { openWebhookSecret } from './reencrypt.js';
import { nextRetryDelayMs, parseRetryAfter } from './retry.js';
import { signedHeaders } from './signing.js';
import { disableSubscriptions } from './subscriptions.repository.js';

const DISABLE_AFTER_FAILING_SECONDS = 5 * 24 * 3600;

interface Tried {
  delivery: ClaimedDelivery;
  attempt: AttemptRecord;
  outcome: DeliveryOutcome;
  gone: boolean;
}

/**
 * A subscription starts with WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT requests in flight in a process;
 * each fast answer lets it have one more, up to this many times that; a slow answer halves it
 * (never below the start), a failed request (an error, a timeout) takes it back to the start. An
 * endpoint that hangs never answers, so it never gets more than its first slots, while a healthy
 * one soon has enough requests in flight to hide their latency.
 */
export const FAST_ENDPOINT_GROWTH = 20;

/**
 * Deliveries leased per subscription at most, as a multiple of the requests it may have in
 * flight: the extra ones wait in the process, ready to go the moment a request finishes, so a
 * fast endpoint is never idle while attempts are recorded and the next deliveries claimed.
 */
export const LEASED_PER_REQUEST_SLOT = 2;

/** An answer slower than this halves its endpoint's requests in flight. */
export const SLOW_REQUEST_MS = 1_000;
/** Finished attempts are written together when they finish within this long of each other… */
const RECORD_GROUP_WAIT_MS = 10;
/** …up to this many in one statement. */
const RECORD_GROUP_MAX = 200;
/** A lane idle this long is forgotten (its endpoint starts again from its first slots). */
const IDLE_LANE_MS = 5 * 60_000;

/**
 * How long a delivery stays leased: it starts its request within one request timeout of its claim
 * (a delivery that waited longer in its lane is given back untried), and the request takes at
 * most one more; never less than LEASE_SECONDS.
 */
export function deliveryLeaseSeconds(config: Pick<Config, 'leaseSeconds' | 'webhookTimeoutMs'>): number {
  return Math.max(config.leaseSeconds, 30, Math.ceil((config.webhookTimeoutMs * 2) / 1000));
}

/** The deliveries a process holds for one subscription: sending now, and waiting for a slot. */
interface EndpointLane {
  /** Requests it may have in flight now. */
  limit: number;
  sending: number;
  lastUsed: number;
  /** Deliveries waiting for a request slot, first claimed first: `true` to send, `false` to give back. */
  waiting: ((send: boolean) => void)[];
  /** Its last request got no answer (an error, a timeout): its backlog is its own, not the process's. */
  unanswered: boolean;
}

/**
 * The sender is behind when a delivery it claims for an endpoint that answers had been due for
 * longer than this, or when its claim filled its room (more were due than it could take): the
 * payout loop then holds back (WorkerTask.behind). The second rule reacts as soon as a backlog
 * forms, before its deliveries have aged (measured: lag p50 on PGlite 480 → 320 ms).
 */
const BEHIND_MS = 250;

/**
 * Sends due webhook deliveries without head-of-line blocking. Each `runOnce` claims as many as
 * the process has room for (WEBHOOK_MAX_IN_FLIGHT deliveries held) and returns: the loop goes on
 * claiming while slow requests are in flight. Each subscription has a lane per process that
 * keeps its requests in flight within its limit (see FAST_ENDPOINT_GROWTH: a hanging endpoint
 * never gets more than WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT); the claim leases this process up to
 * LEASED_PER_REQUEST_SLOT times that limit, and the extra deliveries wait in the lane and go out
 * as requests finish, so a fast endpoint is kept busy. Each attempt is recorded as soon as it
 * finishes, with whatever else finished meanwhile (one transaction per group), and frees its
 * place only once recorded. A worker killed mid-send loses nothing: the lease runs out and the
 * delivery is sent again with the same webhook id (at least once).
 */
export function deliverWebhooksTask(allowPrivate: boolean): WorkerTask {
  const owner = newLeaseOwner();
  let client: WebhookHttpClient | undefined;
  const held = new Set<Promise<void>>();
  const lanes = new Map<string, EndpointLane>();
  let wake = () => {};
  let toRecord: { tried: Tried; recorded: () => void }[] = [];
  let recording = false;
  let lastClaimAt = 0;
  // What may have made deliveries due since the last claim started (counted from before it, so a
  // change during a claim counts for the next one): places freed by recorded attempts, payouts
  // moved by this process. With how many deliveries were held right after that claim, and whether
  // it filled its room (then more may be due), they decide when to claim again (see runOnce).
  let freedSinceClaim = 0;
  let newEventsSinceClaim = false;
  let heldAfterClaim = 0;
  let lastClaimFilledRoom = false;
  let behind = false;

  /**
   * The lease cap of each subscription this process knows: room for the requests it may have in
   * flight and as many waiting. Forgets lanes idle for long.
   */
  const knownCaps = (): Map<string, number> => {
    const now = Date.now();
    for (const [id, lane] of lanes) if (lane.sending === 0 && lane.waiting.length === 0 && now - lane.lastUsed > IDLE_LANE_MS) lanes.delete(id);
    return new Map([...lanes].map(([id, lane]) => [id, LEASED_PER_REQUEST_SLOT * lane.limit]));
  };

  let recordTimer: NodeJS.Timeout | undefined;
  /**
   * Has the finished attempts written soon: at once when every held delivery has finished or the
   * group is full, else after RECORD_GROUP_WAIT_MS, so that attempts finishing close together are
   * written in one statement (a write costs nearly as much for one attempt as for a hundred).
   */
  const recordSoon = (ctx: WorkerContext) => {
    if (recording) return; // the running writer takes ours in its next group
    if (toRecord.length >= held.size || toRecord.length >= RECORD_GROUP_MAX) {
      clearTimeout(recordTimer);
      recordTimer = undefined;
      void recordFinished(ctx);
    } else
      recordTimer ??= setTimeout(() => {
        recordTimer = undefined;
        void recordFinished(ctx);
      }, RECORD_GROUP_WAIT_MS);
  };

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

  /**
   * Waits for a request slot of the delivery's subscription, sends, and frees the slot at once.
   * Answers undefined for a delivery given back untried because its endpoint stopped answering.
   */
  const sendInLane = async (ctx: WorkerContext, delivery: ClaimedDelivery, claimedAt: number): Promise<Tried | undefined> => {
    const first = ctx.config.webhookMaxInFlightPerEndpoint;
    const lane = lanes.get(delivery.subscriptionId) ?? { limit: first, sending: 0, lastUsed: Date.now(), waiting: [], unanswered: false };
    lanes.set(delivery.subscriptionId, lane);
    // A waiter's slot is taken for it when it is woken (so one finished request never lets
    // several in); otherwise it takes one here.
    if (lane.sending >= lane.limit) {
      const send = await new Promise<boolean>((go) => lane.waiting.push(go));
      if (!send) return undefined;
    } else lane.sending++;
    let tried: Tried | undefined;
    try {
      // Too late to start within the lease (see deliveryLeaseSeconds): back to the table.
      if (performance.now() - claimedAt > ctx.config.webhookTimeoutMs) return undefined;
      tried = await attempt(client!, delivery, encryptionKeysOf(ctx.config), ctx.config.webhookTimeoutMs);
      return tried;
    } finally {
      lane.sending--;
      lane.lastUsed = Date.now();
      // (A delivery given back for lateness leaves the endpoint's limit as it was.)
      if (tried) lane.unanswered = tried.attempt.statusCode === null;
      if (tried?.attempt.statusCode === null) {
        // No answer at all: the endpoint may be down or hanging. Its waiting deliveries go back
        // to the table rather than wait here behind requests that may take their whole timeout.
        lane.limit = first;
        for (const giveBack of lane.waiting.splice(0)) giveBack(false);
      } else if (tried && tried.attempt.durationMs > SLOW_REQUEST_MS) lane.limit = Math.max(first, Math.floor(lane.limit / 2));
      else if (tried) lane.limit = Math.min(lane.limit + 1, first * FAST_ENDPOINT_GROWTH);
      while (lane.sending < lane.limit && lane.waiting.length > 0) {
        lane.sending++;
        lane.waiting.shift()!(true);
      }
    }
  };

  /** Gives deliveries back to the table, those of one turn of the event loop in one statement. */
  let toGiveBack: { id: string; done: () => void }[] = [];
  const giveBack = (ctx: WorkerContext, id: string) =>
    new Promise<void>((done) => {
      toGiveBack.push({ id, done });
      if (toGiveBack.length > 1) return;
      setImmediate(() => {
        const group = toGiveBack;
        toGiveBack = [];
        giveBackDeliveries(
          ctx.db,
          owner,
          group.map((g) => g.id),
        )
          // Left leased otherwise: the lease runs out and they are claimed again.
          .catch((error: unknown) => ctx.log.error({ err: error, deliveries: group.length }, 'giving webhook deliveries back failed'))
          .finally(() => {
            for (const g of group) g.done();
          });
      });
    });

  const send = async (ctx: WorkerContext, delivery: ClaimedDelivery, claimedAt: number) => {
    const tried = await sendInLane(ctx, delivery, claimedAt);
    if (!tried) {
      await giveBack(ctx, delivery.id);
      return;
    }
    await new Promise<void>((recorded) => {
      toRecord.push({ tried, recorded });
      recordSoon(ctx);
    });
  };

  return {
    name: 'deliver-webhooks',
    async runOnce(ctx) {
      const { db, config } = ctx;
      // New deliveries that came due meanwhile are found at the next freed place or poll: with
      // requests hanging, no place may free for a whole timeout, so a poll interval after the last
      // claim always claims again (else a hanging endpoint would hold up every other one).
      const pollDue = performance.now() - lastClaimAt >= config.workerPollMs;
      // Full: the loop waits for the wake-up of a freed place (a race over every held send would
      // attach a handler to each of them on every turn).
      if (held.size >= config.webhookMaxInFlight) return 0;
      const room = Math.min(config.workerBatchSize, config.webhookMaxInFlight - held.size);
      // Refill in groups: a claim for a handful of freed places costs nearly what one for a full
      // batch does (it walks past every delivery still leased), and the deliveries still held keep
      // the endpoints busy meanwhile (each lane holds as many waiting as it has in flight). So
      // while some are held, after a claim that took every due delivery it could, the next one
      // waits for a quarter of them to be free (nothing freed: nothing new to claim), unless
      // payouts moved (their new deliveries may be for endpoints with nothing held).
      if (held.size > 0 && !pollDue) {
        if (room < config.workerBatchSize / 4) return 0;
        if (!lastClaimFilledRoom && !newEventsSinceClaim && freedSinceClaim < Math.ceil(heldAfterClaim / 4)) return 0;
      }
      const caps = {
        perSubscription: LEASED_PER_REQUEST_SLOT * config.webhookMaxInFlightPerEndpoint,
        known: knownCaps(),
      };
      freedSinceClaim = 0;
      newEventsSinceClaim = false;
      const claimed = await db.transaction((tx) => claimDueDeliveries(tx, room, deliveryLeaseSeconds(config), owner, caps));
      lastClaimAt = performance.now();
      lastClaimFilledRoom = claimed.length >= room;
      heldAfterClaim = held.size + claimed.length;
      behind = claimed.some((d) => (lastClaimFilledRoom || d.waitedMs > BEHIND_MS) && lanes.get(d.subscriptionId)?.unanswered !== true);
      if (claimed.length === 0) return 0;
      client ??= new WebhookHttpClient(allowPrivate);
      const claimedAt = performance.now();
      for (const delivery of claimed) {
        const sending: Promise<void> = send(ctx, delivery, claimedAt)
          .catch((error: unknown) => ctx.log.error({ err: error, deliveryId: delivery.id }, 'webhook send failed'))
          .finally(() => {
            // A recorded (or given back) delivery frees its place, and may unblock its payout's
            // next delivery. The loop is woken only once the place is really free: woken before,
            // it found the process still full, and a whole group of attempts recorded at once
            // left it asleep until the next poll with every freed place idle.
            held.delete(sending);
            freedSinceClaim++;
            wake();
          });
        held.add(sending);
      }
      return claimed.length;
    },
    async drain() {
      while (held.size > 0) await Promise.all(held);
    },
    onWake(fn) {
      wake = fn;
    },
    behind: () => behind,
    otherWorkDone() {
      // Payouts moved: their deliveries are due now, not at the next poll.
      newEventsSinceClaim = true;
      wake();
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

async function attempt(client: WebhookHttpClient, delivery: ClaimedDelivery, keys: KeyRing, timeoutMs: number): Promise<Tried> {
  const body = JSON.stringify(webhookEnvelope(delivery));
  const attemptedAt = new Date();
  const timestamp = Math.floor(attemptedAt.getTime() / 1000);
  // Opened here, per delivery: a secret the key ring cannot open fails this send only (logged,
  // retried when its lease runs out), never the others claimed with it.
  const secrets = delivery.sealedSecrets.map((sealed) => openWebhookSecret(keys, sealed));
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
