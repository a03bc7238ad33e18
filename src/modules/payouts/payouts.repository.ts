import { type Executor, prepared } from '../../platform/db/database.js';
import { claim, defineClaim, defineRelease, type LeaseTable, release } from '../../platform/queue/lease.js';
import type { Environment, Tenant } from '../../platform/tenant.js';
import type { PayoutStatus } from './state.js';

export type PayoutKind = 'payout' | 'external';

export interface PayoutRecord {
  id: string;
  organizationId: string;
  environment: Environment;
  batchId: string;
  recipientId: string;
  kind: PayoutKind;
  amount: bigint;
  currency: string;
  description: string | null;
  referenceId: string | null;
  status: PayoutStatus;
  statusReason: string | null;
  sequence: number;
  sandboxScenario: string | null;
  /** When the recipient clicked Accept (null: not yet, or it auto-accepts). */
  acceptedAt: Date | null;
  /** How it is paid, recorded when it becomes `pending` (null before). */
  rail: PayoutRail | null;
  /** Money paid back for expenses: left out of the 1099-NEC report. */
  isReimbursement: boolean;
  /** External payments: when it was paid, as the sender said (null: when it was recorded). */
  paidAt: Date | null;
  createdAt: Date;
}

export type PayoutRail = 'sandbox' | 'manual' | 'ach';

export interface PayoutRow {
  id: string;
  organization_id: string;
  environment: Environment;
  batch_id: string;
  recipient_id: string;
  kind: PayoutKind;
  amount: bigint;
  currency: string;
  description: string | null;
  reference_id: string | null;
  status: PayoutStatus;
  status_reason: string | null;
  sequence: number;
  sandbox_scenario: string | null;
  accepted_at: Date | null;
  rail: PayoutRail | null;
  is_reimbursement: boolean;
  paid_at: Date | null;
  created_at: Date;
}

export const COLUMNS = `p.id, p.organization_id, p.environment, p.batch_id, p.recipient_id, p.kind, p.amount, p.currency, p.description,
  p.reference_id, p.status, p.status_reason, p.sequence, p.sandbox_scenario, p.accepted_at, p.rail, p.is_reimbursement, p.paid_at, p.created_at`;

export const toPayout = (row: PayoutRow): PayoutRecord => ({
  id: row.id,
  organizationId: row.organization_id,
  environment: row.environment,
  batchId: row.batch_id,
  recipientId: row.recipient_id,
  kind: row.kind,
  amount: row.amount,
  currency: row.currency,
  description: row.description,
  referenceId: row.reference_id,
  status: row.status,
  statusReason: row.status_reason,
  sequence: row.sequence,
  sandboxScenario: row.sandbox_scenario,
  acceptedAt: row.accepted_at,
  rail: row.rail,
  isReimbursement: row.is_reimbursement,
  paidAt: row.paid_at,
  createdAt: row.created_at,
});

export interface NewPayout {
  id: string;
  recipientId: string;
  amount: bigint;
  description: string | null;
  referenceId: string | null;
  status: PayoutStatus;
  /** How many status updates are written with it (1 for `created`). */
  sequence: number;
  sandboxScenario: string | null;
  externalIdempotencyKey: string | null;
  /** Milliseconds until the worker should look at it; null when nothing happens by itself. */
  nextActionDelayMs: number | null;
  isReimbursement: boolean;
  /** External payments only: when it was paid (null: when recorded). */
  paidAt: Date | null;
}

const PAYOUT_INSERT = `insert into payouts (id, organization_id, environment, batch_id, recipient_id, kind, amount, currency, description, reference_id,
                          status, sequence, sandbox_scenario, external_idempotency_key, next_action_at, is_reimbursement, paid_at)
     select v.id, $1, $2, $3, v.recipient_id, $4, v.amount, $5, v.description, v.reference_id, v.status, v.sequence, v.scenario, v.external_key,
            case when v.delay_ms is null then null else now() + v.delay_ms * interval '1 millisecond' end, v.is_reimbursement, v.paid_at
     from unnest($6::uuid[], $7::uuid[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::integer[], $13::text[], $14::text[], $15::integer[],
                 $16::boolean[], $17::timestamptz[])
       as v(id, recipient_id, amount, description, reference_id, status, sequence, scenario, external_key, delay_ms, is_reimbursement, paid_at)`;

const payoutParams = (tenant: Tenant, batchId: string, kind: PayoutKind, currency: string, payouts: NewPayout[]) => [
  tenant.organizationId,
  tenant.environment,
  batchId,
  kind,
  currency,
  payouts.map((p) => p.id),
  payouts.map((p) => p.recipientId),
  payouts.map((p) => p.amount),
  payouts.map((p) => p.description),
  payouts.map((p) => p.referenceId),
  payouts.map((p) => p.status),
  payouts.map((p) => p.sequence),
  payouts.map((p) => p.sandboxScenario),
  payouts.map((p) => p.externalIdempotencyKey),
  payouts.map((p) => p.nextActionDelayMs),
  payouts.map((p) => p.isReimbursement),
  payouts.map((p) => p.paidAt),
];

/** Many payouts in one statement: a 50,000-item batch is one round trip, not 50,000. */
export async function insertPayouts(ex: Executor, tenant: Tenant, batchId: string, kind: PayoutKind, currency: string, payouts: NewPayout[]): Promise<void> {
  await ex.query(PAYOUT_INSERT, payoutParams(tenant, batchId, kind, currency, payouts));
}

const INSERT_BATCH_WITH_PAYOUTS = prepared(
  'insertBatchWithPayouts',
  `with batch as (
     insert into batches (id, organization_id, environment, kind, currency, payout_count, total_amount)
     values ($3, $1, $2, $4, $5, cardinality($6::uuid[]), $18)
   ), payout as (
     ${PAYOUT_INSERT}
   )
   insert into payout_status_updates (id, payout_id, organization_id, environment, sequence, status, reason, created_at)
   select u.id, u.payout_id, $1, $2, u.sequence, u.status, null, $20
   from unnest($19::uuid[], $6::uuid[], $12::integer[], $11::text[]) as u(id, payout_id, sequence, status)`,
);

/**
 * A new batch in one round trip: the batch row, its payouts and their first status updates (the
 * foreign keys are checked at the end of the statement, when all three are in).
 */
export async function insertBatchWithPayouts(
  ex: Executor,
  tenant: Tenant,
  batch: { id: string; kind: PayoutKind; currency: string; totalAmount: bigint },
  payouts: NewPayout[],
  createdAt: Date,
  statusUpdateIds: string[],
): Promise<void> {
  await ex.query(INSERT_BATCH_WITH_PAYOUTS, [
    ...payoutParams(tenant, batch.id, batch.kind, batch.currency, payouts),
    batch.totalAmount,
    statusUpdateIds,
    createdAt,
  ]);
}

export interface NewStatusUpdate {
  id: string;
  payoutId: string;
  tenant: Tenant;
  sequence: number;
  status: PayoutStatus;
  reason: string | null;
  createdAt: Date;
  /** Who recorded the status by hand (a user's email, or 'cli'); absent for the system's moves. */
  recordedBy?: string | null;
}

export async function insertStatusUpdates(ex: Executor, updates: NewStatusUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  await ex.query(
    `insert into payout_status_updates (id, payout_id, organization_id, environment, sequence, status, reason, created_at, recorded_by)
     select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::integer[], $6::text[], $7::text[], $8::timestamptz[], $9::text[])`,
    [
      updates.map((u) => u.id),
      updates.map((u) => u.payoutId),
      updates.map((u) => u.tenant.organizationId),
      updates.map((u) => u.tenant.environment),
      updates.map((u) => u.sequence),
      updates.map((u) => u.status),
      updates.map((u) => u.reason),
      updates.map((u) => u.createdAt),
      updates.map((u) => u.recordedBy ?? null),
    ],
  );
}

export interface StatusUpdateRecord {
  id: string;
  payoutId: string;
  sequence: number;
  status: PayoutStatus;
  reason: string | null;
  createdAt: Date;
  recordedBy: string | null;
}

export async function findStatusUpdates(ex: Executor, tenant: Tenant, payoutIds: string[]): Promise<StatusUpdateRecord[]> {
  if (payoutIds.length === 0) return [];
  const rows = await ex.query<{
    id: string;
    payout_id: string;
    sequence: number;
    status: PayoutStatus;
    reason: string | null;
    created_at: Date;
    recorded_by: string | null;
  }>(
    `select id, payout_id, sequence, status, reason, created_at, recorded_by from payout_status_updates
     where organization_id = $1 and environment = $2 and payout_id = any($3::uuid[]) order by payout_id, sequence`,
    [tenant.organizationId, tenant.environment, payoutIds],
  );
  return rows.map((r) => ({
    id: r.id,
    payoutId: r.payout_id,
    sequence: r.sequence,
    status: r.status,
    reason: r.reason,
    createdAt: r.created_at,
    recordedBy: r.recorded_by,
  }));
}

export async function findPayoutById(ex: Executor, tenant: Tenant, id: string, options: { forUpdate?: boolean } = {}): Promise<PayoutRecord | undefined> {
  const rows = await ex.query<PayoutRow>(
    `select ${COLUMNS} from payouts p where p.organization_id = $1 and p.environment = $2 and p.id = $3 ${options.forUpdate ? 'for update' : ''}`,
    [tenant.organizationId, tenant.environment, id],
  );
  return rows[0] && toPayout(rows[0]);
}

/** A claimed payout, with what the worker needs to decide its next step. */
export interface DuePayout extends PayoutRecord {
  recipientAutoAccept: boolean;
  /** The recipient has what it takes to be paid (a payout method on file). */
  recipientReady: boolean;
}

const PAYOUT_QUEUE: LeaseTable = { table: 'payouts', dueColumn: 'next_action_at' };

const CLAIM_PAYOUTS = defineClaim(PAYOUT_QUEUE, {
  name: 'claimDuePayouts',
  // The lease primitive names the queue table `q`.
  returning: COLUMNS.replace(/\bp\./g, 'q.'),
  select: 'select q.*, r.auto_accept_payouts, r.ready as recipient_ready from claimed q join recipients r on r.id = q.recipient_id',
});

/**
 * Claims up to `limit` due payouts for `owner`: rows another worker holds are skipped, and the
 * lease lets a different worker take them if this one dies before finishing.
 */
export async function claimDuePayouts(ex: Executor, limit: number, leaseSeconds: number, owner: string): Promise<DuePayout[]> {
  const rows = await claim<PayoutRow & { auto_accept_payouts: boolean; recipient_ready: boolean }>(ex, CLAIM_PAYOUTS, { limit, leaseSeconds, owner });
  return rows.map((row) => ({ ...toPayout(row), recipientAutoAccept: row.auto_accept_payouts, recipientReady: row.recipient_ready }));
}

export interface StatusChange {
  id: string;
  fromStatus: PayoutStatus;
  fromSequence: number;
  toStatus: PayoutStatus;
  reason: string | null;
  nextActionDelayMs: number | null;
  /** The rail recorded with the move (entering `pending`); undefined keeps the one it has. */
  rail?: PayoutRail;
}

/**
 * Compare-and-set: a payout moves only if it is still in the status and sequence the caller saw.
 * Answers the ids that moved; a payout someone else moved first is left alone.
 */
export async function applyStatusChanges(ex: Executor, changes: StatusChange[]): Promise<Set<string>> {
  if (changes.length === 0) return new Set();
  const sorted = [...changes].sort((a, b) => (a.id < b.id ? -1 : 1));
  const rows = await ex.query<{ id: string }>(
    `update payouts p set status = v.to_status, status_reason = v.reason, sequence = p.sequence + 1, rail = coalesce(v.rail, p.rail),
       next_action_at = case when v.delay_ms is null then null else now() + v.delay_ms * interval '1 millisecond' end,
       lease_expires_at = null, lease_owner = null, updated_at = now(), status_changed_at = now()
     from unnest($1::uuid[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::integer[], $7::text[])
       as v(id, from_status, from_sequence, to_status, reason, delay_ms, rail)
     where p.id = v.id and p.status = v.from_status and p.sequence = v.from_sequence
     returning p.id`,
    [
      sorted.map((c) => c.id),
      sorted.map((c) => c.fromStatus),
      sorted.map((c) => c.fromSequence),
      sorted.map((c) => c.toStatus),
      sorted.map((c) => c.reason),
      sorted.map((c) => c.nextActionDelayMs),
      sorted.map((c) => c.rail ?? null),
    ],
  );
  return new Set(rows.map((r) => r.id));
}

const RELEASE_PAYOUTS = defineRelease(PAYOUT_QUEUE);

/** Hands claimed payouts back without a status change: due again later, or waiting for someone. */
export async function releasePayouts(ex: Executor, owner: string, items: { id: string; nextActionDelayMs: number | null }[]): Promise<void> {
  await release(
    ex,
    RELEASE_PAYOUTS,
    owner,
    items.map((i) => ({ id: i.id, delayMs: i.nextActionDelayMs })),
  );
}

/** Payouts waiting for this recipient's acceptance become due, so the worker re-checks them. */
export async function wakeAwaitingPayoutsOfRecipient(ex: Executor, tenant: Tenant, recipientId: string): Promise<void> {
  await ex.query(
    `update payouts set next_action_at = now()
     where organization_id = $1 and environment = $2 and recipient_id = $3 and status = 'awaiting_acceptance'`,
    [tenant.organizationId, tenant.environment, recipientId],
  );
}

/** The recipient's `pending` payouts, locked in id order, for moving them back when it stops being ready. */
export async function findPendingPayoutsOfRecipientForUpdate(ex: Executor, tenant: Tenant, recipientId: string): Promise<PayoutRecord[]> {
  const rows = await ex.query<PayoutRow>(
    `select ${COLUMNS} from payouts p
     where p.organization_id = $1 and p.environment = $2 and p.recipient_id = $3 and p.status = 'pending' and p.kind = 'payout'
     order by p.id for update`,
    [tenant.organizationId, tenant.environment, recipientId],
  );
  return rows.map(toPayout);
}

/**
 * What decides a production payout's rail as it becomes `pending`: whether its organization has
 * ACH set up (the ach module's settings) and its recipient a bank account as active method.
 */
export async function railFacts(ex: Executor, payoutIds: string[]): Promise<Map<string, { achOn: boolean; bankAccount: boolean }>> {
  if (payoutIds.length === 0) return new Map();
  const rows = await ex.query<{ id: string; ach_on: boolean; bank_account: boolean }>(
    `select p.id,
       exists (select 1 from ach_settings s where s.organization_id = p.organization_id) as ach_on,
       exists (select 1 from payout_methods m where m.recipient_id = p.recipient_id and m.removed_at is null and m.type = 'us_bank_account') as bank_account
     from payouts p where p.id = any($1::uuid[])`,
    [payoutIds],
  );
  return new Map(rows.map((r) => [r.id, { achOn: r.ach_on, bankAccount: r.bank_account }]));
}

/** These payouts of the tenant, locked in id order (the order every writer takes payout rows in). */
export async function findPayoutsByIdsForUpdate(ex: Executor, tenant: Tenant, ids: string[]): Promise<PayoutRecord[]> {
  if (ids.length === 0) return [];
  const rows = await ex.query<PayoutRow>(
    `select ${COLUMNS} from payouts p where p.organization_id = $1 and p.environment = $2 and p.id = any($3::uuid[]) order by p.id for update`,
    [tenant.organizationId, tenant.environment, ids],
  );
  return rows.map(toPayout);
}

/** The payout of this recipient, locked; undefined when it is not this recipient's (or not this tenant's). */
export async function findRecipientPayoutForUpdate(ex: Executor, tenant: Tenant, recipientId: string, payoutId: string): Promise<PayoutRecord | undefined> {
  const rows = await ex.query<PayoutRow>(
    `select ${COLUMNS} from payouts p
     where p.organization_id = $1 and p.environment = $2 and p.recipient_id = $3 and p.id = $4 and p.kind = 'payout' for update`,
    [tenant.organizationId, tenant.environment, recipientId, payoutId],
  );
  return rows[0] && toPayout(rows[0]);
}

export async function markPayoutAccepted(ex: Executor, tenant: Tenant, payoutId: string): Promise<void> {
  await ex.query(`update payouts set accepted_at = now(), updated_at = now() where organization_id = $1 and environment = $2 and id = $3`, [
    tenant.organizationId,
    tenant.environment,
    payoutId,
  ]);
}

/**
 * Serializes requests that record the same external items: an advisory lock per item key, taken
 * in key order (so two requests cannot deadlock) and held until the transaction ends.
 */
export async function lockExternalIdempotencyKeys(ex: Executor, tenant: Tenant, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await ex.query(
    `select pg_advisory_xact_lock(h) from (
       select hashtext($1 || ':' || $2 || ':' || k) as h from unnest($3::text[]) as k order by k
     ) as ordered`,
    [tenant.organizationId, tenant.environment, keys],
  );
}

export async function findExternalPayoutsByKeys(ex: Executor, tenant: Tenant, keys: string[]): Promise<(PayoutRecord & { externalIdempotencyKey: string })[]> {
  if (keys.length === 0) return [];
  const rows = await ex.query<PayoutRow & { external_idempotency_key: string }>(
    `select ${COLUMNS}, p.external_idempotency_key from payouts p
     where p.organization_id = $1 and p.environment = $2 and p.external_idempotency_key = any($3::text[])`,
    [tenant.organizationId, tenant.environment, keys],
  );
  return rows.map((row) => ({ ...toPayout(row), externalIdempotencyKey: row.external_idempotency_key }));
}
