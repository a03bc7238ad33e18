import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';
import type { PayoutKind } from './payouts.repository.js';
import type { PayoutStatus } from './state.js';

export interface BatchRecord {
  id: string;
  kind: PayoutKind;
  currency: string;
  payoutCount: number;
  totalAmount: bigint;
  createdAt: Date;
}

interface BatchRow {
  id: string;
  kind: PayoutKind;
  currency: string;
  payout_count: number;
  total_amount: bigint;
  created_at: Date;
}

const toBatch = (row: BatchRow): BatchRecord => ({
  id: row.id,
  kind: row.kind,
  currency: row.currency,
  payoutCount: row.payout_count,
  totalAmount: row.total_amount,
  createdAt: row.created_at,
});

export async function insertBatch(ex: Executor, tenant: Tenant, batch: Omit<BatchRecord, 'createdAt'>): Promise<BatchRecord> {
  const rows = await ex.query<BatchRow>(
    `insert into batches (id, organization_id, environment, kind, currency, payout_count, total_amount)
     values ($1, $2, $3, $4, $5, $6, $7) returning id, kind, currency, payout_count, total_amount, created_at`,
    [batch.id, tenant.organizationId, tenant.environment, batch.kind, batch.currency, batch.payoutCount, batch.totalAmount],
  );
  return toBatch(rows[0]!);
}

export async function findBatchById(ex: Executor, tenant: Tenant, id: string): Promise<BatchRecord | undefined> {
  const rows = await ex.query<BatchRow>(
    'select id, kind, currency, payout_count, total_amount, created_at from batches where organization_id = $1 and environment = $2 and id = $3',
    [tenant.organizationId, tenant.environment, id],
  );
  return rows[0] && toBatch(rows[0]);
}

export async function listBatches(ex: Executor, tenant: Tenant, page: { limit: number; before: string | null }): Promise<BatchRecord[]> {
  const rows = await ex.query<BatchRow>(
    `select id, kind, currency, payout_count, total_amount, created_at from batches
     where organization_id = $1 and environment = $2 and ($3::uuid is null or id < $3) order by id desc limit $4`,
    [tenant.organizationId, tenant.environment, page.before, page.limit + 1],
  );
  return rows.map(toBatch);
}

export async function countBatches(ex: Executor, tenant: Tenant): Promise<number> {
  const rows = await ex.query<{ total: bigint }>('select count(*)::bigint as total from batches where organization_id = $1 and environment = $2', [
    tenant.organizationId,
    tenant.environment,
  ]);
  return Number(rows[0]!.total);
}

export interface StatusTotal {
  batchId: string;
  status: PayoutStatus;
  count: number;
  total: bigint;
}

/** Payout counts and amounts per status for each of the given batches. */
export async function summarizeBatches(ex: Executor, tenant: Tenant, batchIds: string[]): Promise<StatusTotal[]> {
  if (batchIds.length === 0) return [];
  const rows = await ex.query<{ batch_id: string; status: PayoutStatus; count: bigint; total: bigint }>(
    `select batch_id, status, count(*)::bigint as count, sum(amount)::bigint as total from payouts
     where organization_id = $1 and environment = $2 and batch_id = any($3::uuid[]) group by batch_id, status`,
    [tenant.organizationId, tenant.environment, batchIds],
  );
  return rows.map((r) => ({ batchId: r.batch_id, status: r.status, count: Number(r.count), total: r.total }));
}
