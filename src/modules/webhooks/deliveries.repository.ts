import type { Executor } from '../../platform/db/database.js';
import { claim, defineClaim, defineRelease, type LeaseTable, release, releaseParams } from '../../platform/queue/lease.js';
import type { Tenant } from '../../platform/tenant.js';

export interface NewDelivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  tenant: Tenant;
  payoutId: string | null;
  sequence: number | null;
}

/** Inserts deliveries; one that exists for the same subscription and event is queued again instead. */
export async function upsertDeliveries(ex: Executor, deliveries: NewDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await ex.query(
    `insert into webhook_deliveries (id, subscription_id, event_id, organization_id, environment, payout_id, sequence, next_attempt_at)
     select v.id, v.subscription_id, v.event_id, v.organization_id, v.environment, v.payout_id, v.sequence, now()
     from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::uuid[], $7::integer[])
       as v(id, subscription_id, event_id, organization_id, environment, payout_id, sequence)
     on conflict (subscription_id, event_id) do update
       set status = 'pending', retry_from = webhook_deliveries.attempt_count, next_attempt_at = now(), lease_expires_at = null, lease_owner = null`,
    [
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.subscriptionId),
      deliveries.map((d) => d.eventId),
      deliveries.map((d) => d.tenant.organizationId),
      deliveries.map((d) => d.tenant.environment),
      deliveries.map((d) => d.payoutId),
      deliveries.map((d) => d.sequence),
    ],
  );
}

export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  callbackUrl: string;
  /** Attempts since the delivery was last queued (by its event, a redelivery or a replay). */
  attemptCount: number;
  /** How long it had been due when claimed. */
  waitedMs: number;
  eventType: string;
  eventCreatedAt: Date;
  data: unknown;
  /** The subscription's live signing secrets (several during a rotation's overlap), sealed as stored: opened only to sign. */
  sealedSecrets: string[];
}

const DELIVERY_QUEUE: LeaseTable = { table: 'webhook_deliveries', dueColumn: 'next_attempt_at', readyWhen: "q.status = 'pending'" };

const CLAIM_DELIVERIES = defineClaim(DELIVERY_QUEUE, {
  name: 'claimDueDeliveries',
  // A payout's deliveries to one endpoint go out one at a time, in sequence order: one is not
  // claimed while an earlier one is still pending (in flight or waiting for its retry).
  // The endpoint is compared as text on purpose: it must not be usable as an index condition, so
  // the check reads the payout's own few rows through webhook_deliveries_pending_by_payout and
  // never walks the endpoint's whole backlog by the per-subscription due index (which the planner
  // picked whenever statistics lagged a fast-growing table, at 2–3 ms a candidate).
  alsoWhen: `(q.payout_id is null or not exists (
           select 1 from webhook_deliveries earlier
           where earlier.payout_id = q.payout_id and earlier.subscription_id::text = q.subscription_id::text
             and earlier.status = 'pending' and earlier.sequence < q.sequence))`,
  // Only active subscriptions are read, each for its free slots: `$4` leased at most by the
  // claiming process, unless it sets a cap of its own for it (`$5` subscriptions, `$6` their caps).
  // Per process, as the lanes that send them are: a dead worker's leases hold nobody back.
  capPerGroup: {
    column: 'subscription_id',
    groups: "select id from webhook_subscriptions where status = 'active'",
    perOwner: true,
    cap: 'coalesce((select c.cap from unnest($5::uuid[], $6::integer[]) as c(id, cap) where c.id = g.grp), $4::integer)',
  },
  // The attempts since it was last queued: its place in the retry schedule.
  // How long it has been due, by the database's clock (the worker's may differ).
  returning:
    'q.id, q.subscription_id, q.event_id, q.attempt_count - q.retry_from as attempt_count, (extract(epoch from now() - q.next_attempt_at) * 1000)::integer as waited_ms',
  // The live secrets come with the claim: no further round trip before the requests go out.
  select: `select c.id, c.subscription_id, s.callback_url, c.attempt_count, c.waited_ms, e.type, e.created_at as event_created_at, e.data,
       array(select k.secret from webhook_secrets k where k.subscription_id = c.subscription_id and (k.expires_at is null or k.expires_at > now())
             order by k.created_at, k.id) as secrets
     from claimed c join events e on e.id = c.event_id join webhook_subscriptions s on s.id = c.subscription_id`,
});

export interface DeliveryCaps {
  /** Deliveries leased at most per subscription by the claiming process. */
  perSubscription: number;
  /** Other caps for the subscriptions the claiming process knows (fast, or found slow). */
  known: ReadonlyMap<string, number>;
}

/**
 * Claims due deliveries under a lease: at most `caps.perSubscription` (or its known cap) leased
 * at once per subscription by this owner, and a payout's deliveries in sequence order.
 */
export async function claimDueDeliveries(ex: Executor, limit: number, leaseSeconds: number, owner: string, caps: DeliveryCaps): Promise<ClaimedDelivery[]> {
  const rows = await claim<{
    id: string;
    subscription_id: string;
    callback_url: string;
    attempt_count: number;
    waited_ms: number;
    type: string;
    event_created_at: Date;
    data: unknown;
    secrets: string[];
  }>(ex, CLAIM_DELIVERIES, { limit, leaseSeconds, owner, capPerGroup: caps.perSubscription, extraParams: [[...caps.known.keys()], [...caps.known.values()]] });
  return rows.map((r) => ({
    id: r.id,
    subscriptionId: r.subscription_id,
    callbackUrl: r.callback_url,
    attemptCount: r.attempt_count,
    waitedMs: r.waited_ms,
    eventType: r.type,
    eventCreatedAt: r.event_created_at,
    data: r.data,
    sealedSecrets: r.secrets,
  }));
}

export interface AttemptRecord {
  id: string;
  deliveryId: string;
  subscriptionId: string;
  attemptedAt: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

export interface DeliveryOutcome {
  id: string;
  status: 'pending' | 'delivered' | 'failed';
  /** For a retry: milliseconds until the next attempt. */
  retryInMs: number | null;
  statusCode: number | null;
  error: string | null;
}

const GIVE_BACK_DELIVERIES = defineRelease(DELIVERY_QUEUE);

/** Hands claimed deliveries back untried, due at once, for whichever worker claims them next. */
export async function giveBackDeliveries(ex: Executor, owner: string, ids: readonly string[]): Promise<void> {
  await release(
    ex,
    GIVE_BACK_DELIVERIES,
    owner,
    ids.map((id) => ({ id, delayMs: 0 })),
  );
}

const COMPLETE_DELIVERIES = defineRelease(DELIVERY_QUEUE, {
  values: [
    ['status', 'text'],
    ['status_code', 'integer'],
    ['error', 'text'],
  ],
  set: `status = v.status, attempt_count = q.attempt_count + 1, last_status_code = v.status_code, last_error = v.error,
       delivered_at = case when v.status = 'delivered' then now() else q.delivered_at end`,
});

/**
 * Records a group of finished attempts in one statement (one round trip, atomic without a
 * transaction): the outcome of each delivery (only the lease holder's write counts), the
 * attempts' log, and the endpoints' health (successes clear a failing streak, failures start one).
 */
const RECORD_ATTEMPTS = `with released as (${COMPLETE_DELIVERIES.text}),
     logged as (
       insert into webhook_attempts (id, delivery_id, subscription_id, attempted_at, status_code, duration_ms, error, response_excerpt)
       select * from unnest($7::uuid[], $8::uuid[], $9::uuid[], $10::timestamptz[], $11::integer[], $12::integer[], $13::text[], $14::text[])
     ), healthy as (
       update webhook_subscriptions set failing_since = null where id = any($15::uuid[]) and failing_since is not null
     ), failing as (
       update webhook_subscriptions set failing_since = now() where id = any($16::uuid[]) and failing_since is null
     )
     select 1`;

export async function recordAttempts(
  ex: Executor,
  owner: string,
  attempts: AttemptRecord[],
  outcomes: DeliveryOutcome[],
  health: { succeeded: string[]; failed: string[] },
): Promise<void> {
  if (attempts.length === 0 && outcomes.length === 0) return;
  await ex.query(RECORD_ATTEMPTS, [
    ...releaseParams(
      COMPLETE_DELIVERIES,
      owner,
      outcomes.map((o) => ({ id: o.id, delayMs: o.retryInMs, values: [o.status, o.statusCode, o.error] })),
    ),
    attempts.map((a) => a.id),
    attempts.map((a) => a.deliveryId),
    attempts.map((a) => a.subscriptionId),
    attempts.map((a) => a.attemptedAt),
    attempts.map((a) => a.statusCode),
    attempts.map((a) => a.durationMs),
    attempts.map((a) => a.error),
    attempts.map((a) => a.responseExcerpt),
    health.succeeded,
    health.failed,
  ]);
}

export interface DeliveryRecord {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** A delivery as its subscription's log shows it: with its event, for the body it sends. */
export interface LoggedDelivery extends DeliveryRecord {
  subscriptionId: string;
  payoutId: string | null;
  eventCreatedAt: Date;
  data: unknown;
}

export async function listDeliveries(
  ex: Executor,
  tenant: Tenant,
  subscriptionId: string,
  page: { limit: number; before: string | null },
): Promise<LoggedDelivery[]> {
  const rows = await ex.query<{
    id: string;
    event_id: string;
    type: string;
    status: string;
    attempt_count: number;
    next_attempt_at: Date | null;
    last_status_code: number | null;
    created_at: Date;
    delivered_at: Date | null;
    subscription_id: string;
    payout_id: string | null;
    event_created_at: Date;
    data: unknown;
  }>(
    `select d.id, d.event_id, e.type, d.status, d.attempt_count, d.next_attempt_at, d.last_status_code, d.created_at, d.delivered_at,
       d.subscription_id, d.payout_id, e.created_at as event_created_at, e.data
     from webhook_deliveries d join events e on e.id = d.event_id
     where d.organization_id = $1 and d.environment = $2 and d.subscription_id = $3 and ($4::uuid is null or d.id < $4)
     order by d.id desc limit $5`,
    [tenant.organizationId, tenant.environment, subscriptionId, page.before, page.limit + 1],
  );
  return rows.map((r) => ({
    id: r.id,
    eventId: r.event_id,
    eventType: r.type,
    status: r.status,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.next_attempt_at,
    lastStatusCode: r.last_status_code,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    subscriptionId: r.subscription_id,
    payoutId: r.payout_id,
    eventCreatedAt: r.event_created_at,
    data: r.data,
  }));
}

export async function findAttempts(ex: Executor, deliveryIds: string[]): Promise<AttemptRecord[]> {
  if (deliveryIds.length === 0) return [];
  const rows = await ex.query<{
    id: string;
    delivery_id: string;
    subscription_id: string;
    attempted_at: Date;
    status_code: number | null;
    duration_ms: number;
    error: string | null;
    response_excerpt: string | null;
  }>('select * from webhook_attempts where delivery_id = any($1::uuid[]) order by attempted_at, id', [deliveryIds]);
  return rows.map((r) => ({
    id: r.id,
    deliveryId: r.delivery_id,
    subscriptionId: r.subscription_id,
    attemptedAt: r.attempted_at,
    statusCode: r.status_code,
    durationMs: r.duration_ms,
    error: r.error,
    responseExcerpt: r.response_excerpt,
  }));
}

/**
 * Queues one delivery again from the start of the retry schedule. Its attempts so far stay (in
 * the log and in attempt_count): the schedule counts from them (retry_from).
 */
export async function requeueDelivery(ex: Executor, tenant: Tenant, subscriptionId: string, deliveryId: string): Promise<boolean> {
  const rows = await ex.query(
    `update webhook_deliveries set status = 'pending', retry_from = attempt_count, next_attempt_at = now(), lease_expires_at = null, lease_owner = null
     where organization_id = $1 and environment = $2 and subscription_id = $3 and id = $4 returning id`,
    [tenant.organizationId, tenant.environment, subscriptionId, deliveryId],
  );
  return rows.length === 1;
}

/** The events of one type since a time, for a replay. */
export async function findEventsSince(
  ex: Executor,
  tenant: Tenant,
  type: string,
  since: Date,
): Promise<{ id: string; payoutId: string | null; sequence: number | null }[]> {
  const rows = await ex.query<{ id: string; payout_id: string | null; sequence: number | null }>(
    `select id, payout_id, (data ->> 'sequence')::integer as sequence from events
     where organization_id = $1 and environment = $2 and type = $3 and created_at >= $4 order by id`,
    [tenant.organizationId, tenant.environment, type, since],
  );
  return rows.map((r) => ({ id: r.id, payoutId: r.payout_id, sequence: r.sequence }));
}

/** Every delivery of one payout's events, across subscriptions, for the payout's page. */
/** How many deliveries a subscription has (the deliveries log's "of N"; index webhook_deliveries_by_subscription). */
export async function countDeliveries(ex: Executor, tenant: Tenant, subscriptionId: string): Promise<number> {
  const rows = await ex.query<{ total: bigint }>(
    'select count(*)::bigint as total from webhook_deliveries d where d.organization_id = $1 and d.environment = $2 and d.subscription_id = $3',
    [tenant.organizationId, tenant.environment, subscriptionId],
  );
  return Number(rows[0]!.total);
}

export async function listDeliveriesOfPayout(
  ex: Executor,
  tenant: Tenant,
  payoutId: string,
): Promise<(DeliveryRecord & { subscriptionId: string; callbackUrl: string })[]> {
  const rows = await ex.query<{
    id: string;
    event_id: string;
    type: string;
    status: string;
    attempt_count: number;
    next_attempt_at: Date | null;
    last_status_code: number | null;
    created_at: Date;
    delivered_at: Date | null;
    subscription_id: string;
    callback_url: string;
  }>(
    `select d.id, d.event_id, e.type, d.status, d.attempt_count, d.next_attempt_at, d.last_status_code, d.created_at, d.delivered_at, d.subscription_id, s.callback_url
     from webhook_deliveries d join events e on e.id = d.event_id join webhook_subscriptions s on s.id = d.subscription_id
     where d.organization_id = $1 and d.environment = $2 and d.payout_id = $3 order by d.sequence, d.id`,
    [tenant.organizationId, tenant.environment, payoutId],
  );
  return rows.map((r) => ({
    id: r.id,
    eventId: r.event_id,
    eventType: r.type,
    status: r.status,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.next_attempt_at,
    lastStatusCode: r.last_status_code,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    subscriptionId: r.subscription_id,
    callbackUrl: r.callback_url,
  }));
}
