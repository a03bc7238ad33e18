import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';
import { COLUMNS, type PayoutRecord, type PayoutRow, toPayout } from './payouts.repository.js';
import type { PayoutStatus } from './state.js';

// The payout listings: one filter, shared by the page, the total and the CSV export, so all
// three always agree on which payouts match.

export interface PayoutFilter {
  status?: PayoutStatus;
  batchId?: string;
  recipientId?: string;
  referenceId?: string;
  createdFrom?: Date;
  createdTo?: Date;
  /** An `ilike` pattern (already escaped and wrapped in `%`): reference, recipient email or name. */
  searchPattern?: string;
}

export interface PayoutPage {
  limit: number;
  /** Rows strictly older than this id (ids are UUIDv7, so id order is creation order). */
  before: string | null;
}

const BASE_FILTER = `p.organization_id = $1 and p.environment = $2
  and ($3::text is null or p.status = $3) and ($4::uuid is null or p.batch_id = $4)
  and ($5::uuid is null or p.recipient_id = $5) and ($6::text is null or p.reference_id = $6)
  and ($7::timestamptz is null or p.created_at >= $7) and ($8::timestamptz is null or p.created_at < $8)`;

/**
 * The search is a union of two index look-ups (trigram GIN indexes of migration 0019): payouts by
 * reference, and payouts of the recipients whose email or "first last" matches. An `or` across
 * the two tables could use neither index. It is added only when searching: behind a
 * `$9 is null or …` the planner keeps the subquery as a filter tried on every payout of the tenant
 * (5 s at 1,000,000 payouts) instead of joining it (milliseconds).
 */
const SEARCH_FILTER = ` and p.id in (
    select s.id from payouts s where s.organization_id = $1 and s.environment = $2 and s.reference_id ilike $9
    union
    select s.id from recipients r join payouts s on s.recipient_id = r.id
    where r.organization_id = $1 and r.environment = $2 and s.organization_id = $1 and s.environment = $2
      and (r.email ilike $9 or (coalesce(r.first_name, '') || ' ' || coalesce(r.last_name, '')) ilike $9))`;

/** The filter's SQL and its parameters ($1…$8, and $9 when searching); more parameters follow from `params.length + 1`. */
function payoutWhere(tenant: Tenant, f: PayoutFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [
    tenant.organizationId,
    tenant.environment,
    f.status ?? null,
    f.batchId ?? null,
    f.recipientId ?? null,
    f.referenceId ?? null,
    f.createdFrom ?? null,
    f.createdTo ?? null,
  ];
  if (f.searchPattern === undefined) return { sql: BASE_FILTER, params };
  return { sql: BASE_FILTER + SEARCH_FILTER, params: [...params, f.searchPattern] };
}

/**
 * The SQL of one page, newest first: `limit + 1` rows, the extra one only telling whether there is
 * more. Exported so the benchmark can EXPLAIN exactly what the API runs.
 */
export function listPayoutsQuery(tenant: Tenant, f: PayoutFilter & PayoutPage): { sql: string; params: unknown[] } {
  const where = payoutWhere(tenant, f);
  const n = where.params.length;
  return {
    sql: `select ${COLUMNS} from payouts p where ${where.sql} and ($${n + 1}::uuid is null or p.id < $${n + 1}) order by p.id desc limit $${n + 2}`,
    params: [...where.params, f.before, f.limit + 1],
  };
}

export async function listPayouts(ex: Executor, tenant: Tenant, f: PayoutFilter & PayoutPage): Promise<PayoutRecord[]> {
  const query = listPayoutsQuery(tenant, f);
  const rows = await ex.query<PayoutRow>(query.sql, query.params);
  return rows.map(toPayout);
}

export async function countPayouts(ex: Executor, tenant: Tenant, f: PayoutFilter): Promise<number> {
  const where = payoutWhere(tenant, f);
  const rows = await ex.query<{ total: bigint }>(`select count(*)::bigint as total from payouts p where ${where.sql}`, where.params);
  return Number(rows[0]!.total);
}

/** What an export row shows of a payout: the payout and its recipient's name and email. */
export interface PayoutExportRow extends PayoutRecord {
  recipientEmail: string;
  recipientFirstName: string | null;
  recipientLastName: string | null;
}

/** One page of the export, newest first, exactly `limit` rows (fewer on the last page). */
export async function listPayoutsForExport(ex: Executor, tenant: Tenant, f: PayoutFilter & PayoutPage): Promise<PayoutExportRow[]> {
  const where = payoutWhere(tenant, f);
  const n = where.params.length;
  const rows = await ex.query<PayoutRow & { recipient_email: string; recipient_first_name: string | null; recipient_last_name: string | null }>(
    `select ${COLUMNS}, rr.email as recipient_email, rr.first_name as recipient_first_name, rr.last_name as recipient_last_name
     from payouts p join recipients rr on rr.id = p.recipient_id
     where ${where.sql} and ($${n + 1}::uuid is null or p.id < $${n + 1}) order by p.id desc limit $${n + 2}`,
    [...where.params, f.before, f.limit],
  );
  return rows.map((row) => ({
    ...toPayout(row),
    recipientEmail: row.recipient_email,
    recipientFirstName: row.recipient_first_name,
    recipientLastName: row.recipient_last_name,
  }));
}

/**
 * The next slice of a batch's payouts that can still be canceled, locked in id order (the order
 * every writer takes payout rows in). A payout another transaction moves on while we wait for its
 * lock is re-checked after the wait and left out.
 */
export async function findCancelablePayoutsOfBatchForUpdate(
  ex: Executor,
  tenant: Tenant,
  batchId: string,
  after: string | null,
  limit: number,
): Promise<PayoutRecord[]> {
  const rows = await ex.query<PayoutRow>(
    `select ${COLUMNS} from payouts p
     where p.organization_id = $1 and p.environment = $2 and p.batch_id = $3 and p.kind = 'payout'
       and p.status in ('created', 'pending', 'awaiting_acceptance') and ($4::uuid is null or p.id > $4)
     order by p.id limit $5 for update`,
    [tenant.organizationId, tenant.environment, batchId, after, limit],
  );
  return rows.map(toPayout);
}
