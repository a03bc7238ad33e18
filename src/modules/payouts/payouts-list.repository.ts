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

/**
 * The search is a union of two index look-ups (trigram GIN indexes of migration 0019): payouts by
 * reference, and payouts of the recipients whose email or "first last" matches. An `or` across
 * the two tables could use neither index. The matching ids are collected first (`= any(array(…))`)
 * and only their rows fetched and sorted: as a semi-join (`p.id in (…)`), a planner that expects
 * many matches (PGlite's did: 1% of the table for "31415") walks the tenant's payouts newest first
 * waiting for them, to the oldest match (1 s at 1,000,000 payouts for 20 matches). So a search
 * costs what it matches, not what the tenant has. `pattern` is the `ilike` pattern's placeholder.
 */
const searchFilter = (pattern: string) => `p.id = any(array(
    select s.id from payouts s where s.organization_id = $1 and s.environment = $2 and s.reference_id ilike ${pattern}
    union
    select s.id from recipients r join payouts s on s.recipient_id = r.id
    where r.organization_id = $1 and r.environment = $2 and s.organization_id = $1 and s.environment = $2
      and (r.email ilike ${pattern} or (coalesce(r.first_name, '') || ' ' || coalesce(r.last_name, '')) ilike ${pattern})))`;

/** Parameters of one statement: `add` appends a value and answers its placeholder. */
function parameters(initial: unknown[]) {
  const params = [...initial];
  return {
    params,
    add(value: unknown): string {
      params.push(value);
      return `$${params.length}`;
    },
  };
}

/**
 * The filter's SQL ($1 and $2 the tenant, then one parameter per filter given) and its parameters.
 * Only the filters given are in the SQL: a `($3 is null or p.status = $3)` form would leave the
 * planner a condition it cannot match to an index in a plan made for any value (PostgreSQL's
 * generic plans), and the search behind `$9 is null or …` was tried on every payout of the tenant
 * (5 s at 1,000,000 payouts) instead of joined (milliseconds). Each combination of filters is
 * still one parameterized statement, the same on PostgreSQL and PGlite.
 */
function payoutWhere(tenant: Tenant, f: PayoutFilter): { sql: string; params: unknown[] } {
  const p = parameters([tenant.organizationId, tenant.environment]);
  const where = ['p.organization_id = $1', 'p.environment = $2'];
  if (f.status !== undefined) where.push(`p.status = ${p.add(f.status)}`);
  if (f.batchId !== undefined) where.push(`p.batch_id = ${p.add(f.batchId)}`);
  if (f.recipientId !== undefined) where.push(`p.recipient_id = ${p.add(f.recipientId)}`);
  if (f.referenceId !== undefined) where.push(`p.reference_id = ${p.add(f.referenceId)}`);
  if (f.createdFrom !== undefined) where.push(`p.created_at >= ${p.add(f.createdFrom)}`);
  if (f.createdTo !== undefined) where.push(`p.created_at < ${p.add(f.createdTo)}`);
  if (f.searchPattern !== undefined) where.push(searchFilter(p.add(f.searchPattern)));
  return { sql: where.join(' and '), params: p.params };
}

/**
 * The SQL of one page, newest first: `limit + 1` rows, the extra one only telling whether there is
 * more. Exported so the benchmark can EXPLAIN exactly what the API runs.
 *
 * Newest first is id order (UUIDv7: creation order), except within a creation-time range, which
 * is ordered by `created_at`, then id, and read in that order from the index on (tenant,
 * created_at, id) of migration 0027: in id order, a range far back (a day, 100 days ago) was
 * found by walking every newer payout of the tenant (0.1 s at 1,000,000). The two orders differ
 * only for payouts of transactions that overlapped; the cursor is still the last row's id, its
 * `created_at` looked up.
 */
export function listPayoutsQuery(tenant: Tenant, f: PayoutFilter & PayoutPage): { sql: string; params: unknown[] } {
  const where = payoutWhere(tenant, f);
  const p = parameters(where.params);
  const byCreation = f.createdFrom !== undefined || f.createdTo !== undefined;
  let sql = `select ${COLUMNS} from payouts p where ${where.sql}`;
  if (f.before !== null) {
    sql += byCreation
      ? ` and (p.created_at, p.id) < (select c.created_at, c.id from payouts c where c.id = ${p.add(f.before)} and c.organization_id = $1 and c.environment = $2)`
      : ` and p.id < ${p.add(f.before)}`;
  }
  sql += `${byCreation ? ' order by p.created_at desc, p.id desc' : ' order by p.id desc'} limit ${p.add(f.limit + 1)}`;
  return { sql, params: p.params };
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
  const p = parameters(where.params);
  const before = f.before === null ? '' : ` and p.id < ${p.add(f.before)}`;
  const rows = await ex.query<PayoutRow & { recipient_email: string; recipient_first_name: string | null; recipient_last_name: string | null }>(
    `select ${COLUMNS}, rr.email as recipient_email, rr.first_name as recipient_first_name, rr.last_name as recipient_last_name
     from payouts p join recipients rr on rr.id = p.recipient_id
     where ${where.sql}${before} order by p.id desc limit ${p.add(f.limit)}`,
    p.params,
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
