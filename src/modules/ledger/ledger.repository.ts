import { type Executor, prepared, type Transaction } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';

export interface LedgerEntryRow {
  id: string;
  posting_id: string;
  currency: string;
  account: string;
  amount: bigint;
  kind: string;
  batch_id: string | null;
  payout_id: string | null;
  created_at: Date;
}

export interface NewLedgerEntry {
  id: string;
  postingId: string;
  tenant: Tenant;
  currency: string;
  account: string;
  amount: bigint;
  kind: string;
  batchId: string | null;
  payoutId: string | null;
}

const ACCOUNTS = ['available', 'funding', 'held', 'paid_out'];

/** Creates the tenant's balance rows if missing; answers whether they were created just now. */
export async function insertBalanceRowsIfMissing(ex: Executor, tenant: Tenant, currency: string): Promise<boolean> {
  const rows = await ex.query(
    `insert into ledger_balances (organization_id, environment, currency, account, balance)
     select $1, $2, $3, account, 0 from unnest($4::text[]) as account
     on conflict do nothing returning account`,
    [tenant.organizationId, tenant.environment, currency, ACCOUNTS],
  );
  return rows.length > 0;
}

const BALANCE_ROWS_EXIST = prepared(
  'balanceRowsExist',
  'select 1 from ledger_balances where organization_id = $1 and environment = $2 and currency = $3 limit 1',
);

/** Whether the tenant's balance rows exist (a plain read: it never waits on a row lock). */
export async function balanceRowsExist(ex: Executor, tenant: Tenant, currency: string): Promise<boolean> {
  const rows = await ex.query(BALANCE_ROWS_EXIST, [tenant.organizationId, tenant.environment, currency]);
  return rows.length > 0;
}

/** The balances' own rule, a check constraint: no account but funding may go below zero. */
const NEVER_NEGATIVE = 'ledger_balances_never_negative';

/** Whether a statement failed because it would have taken a balance below zero. */
const WITHIN_JSON_RANGE = 'ledger_balances_within_json_range';

export const isBalanceOutOfRangeError = (error: unknown): boolean =>
  (error as { code?: string }).code === '23514' && (error as { constraint?: string }).constraint === WITHIN_JSON_RANGE;

export const isNegativeBalanceError = (error: unknown): boolean =>
  (error as { code?: string }).code === '23514' && (error as { constraint?: string }).constraint === NEVER_NEGATIVE;

export interface BalanceDelta {
  tenant: Tenant;
  currency: string;
  account: string;
  delta: bigint;
}

/**
 * A posting in one statement: inserts the entries and adds each delta to its balance. The balance
 * rows are locked first, in key order (`order by … for update` locks in that order), so concurrent
 * postings over overlapping accounts queue rather than deadlock. A balance that would go below
 * zero fails the statement (the never-negative check); a row that does not exist is not in the
 * answer, so the caller opens the accounts before.
 */
const POST_ENTRIES = prepared(
  'postLedgerEntries',
  `with entries as (
     insert into ledger_entries (id, posting_id, organization_id, environment, currency, account, amount, kind, batch_id, payout_id)
     select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::uuid[], $10::uuid[])
   ), locked as (
     select b.organization_id, b.environment, b.currency, b.account, d.delta
     from ledger_balances b
     join unnest($11::uuid[], $12::text[], $13::text[], $14::text[], $15::bigint[]) as d(organization_id, environment, currency, account, delta)
       on b.organization_id = d.organization_id and b.environment = d.environment and b.currency = d.currency and b.account = d.account
     order by b.organization_id, b.environment, b.currency, b.account
     for update of b
   )
   update ledger_balances b set balance = b.balance + l.delta
   from locked l
   where b.organization_id = l.organization_id and b.environment = l.environment and b.currency = l.currency and b.account = l.account
   returning b.account`,
);

const postingParams = (entries: NewLedgerEntry[], deltas: BalanceDelta[]) => [
  entries.map((e) => e.id),
  entries.map((e) => e.postingId),
  entries.map((e) => e.tenant.organizationId),
  entries.map((e) => e.tenant.environment),
  entries.map((e) => e.currency),
  entries.map((e) => e.account),
  entries.map((e) => e.amount),
  entries.map((e) => e.kind),
  entries.map((e) => e.batchId),
  entries.map((e) => e.payoutId),
  deltas.map((d) => d.tenant.organizationId),
  deltas.map((d) => d.tenant.environment),
  deltas.map((d) => d.currency),
  deltas.map((d) => d.account),
  deltas.map((d) => d.delta),
];

/**
 * Runs the posting statement; answers how many balances it changed. With `commit`, it is the
 * transaction's last statement and commits with it (see Transaction.queryAndCommit).
 */
export async function insertEntriesAndMoveBalances(
  ex: Executor | Transaction,
  entries: NewLedgerEntry[],
  deltas: BalanceDelta[],
  commit = false,
): Promise<number> {
  const params = postingParams(entries, deltas);
  return (await (commit ? (ex as Transaction).queryAndCommit(POST_ENTRIES, params) : ex.query(POST_ENTRIES, params))).length;
}

export async function selectBalances(ex: Executor, tenant: Tenant, currency: string): Promise<Map<string, bigint>> {
  const rows = await ex.query<{ account: string; balance: bigint }>(
    'select account, balance from ledger_balances where organization_id = $1 and environment = $2 and currency = $3',
    [tenant.organizationId, tenant.environment, currency],
  );
  return new Map(rows.map((row) => [row.account, row.balance]));
}

export interface LedgerEntryFilter {
  currency: string;
  payoutId?: string;
  batchId?: string;
}

// The entries on the balance accounts (the funding account is the outside world's side).
const ENTRY_FILTER = `organization_id = $1 and environment = $2 and currency = $3 and account <> 'funding'
  and ($4::uuid is null or payout_id = $4) and ($5::uuid is null or batch_id = $5)`;

const entryFilterParams = (tenant: Tenant, f: LedgerEntryFilter) => [
  tenant.organizationId,
  tenant.environment,
  f.currency,
  f.payoutId ?? null,
  f.batchId ?? null,
];

/** Newest first; `limit` rows (the JSON page asks for one more, to tell whether there is a next page). */
export async function listLedgerEntries(
  ex: Executor,
  tenant: Tenant,
  filter: LedgerEntryFilter & { limit: number; before: string | null },
): Promise<LedgerEntryRow[]> {
  return ex.query<LedgerEntryRow>(
    `select id, posting_id, currency, account, amount, kind, batch_id, payout_id, created_at from ledger_entries
     where ${ENTRY_FILTER} and ($6::uuid is null or id < $6)
     order by id desc limit $7`,
    [...entryFilterParams(tenant, filter), filter.before, filter.limit],
  );
}

export async function countLedgerEntries(ex: Executor, tenant: Tenant, filter: LedgerEntryFilter): Promise<number> {
  const rows = await ex.query<{ total: bigint }>(
    `select count(*)::bigint as total from ledger_entries where ${ENTRY_FILTER}`,
    entryFilterParams(tenant, filter),
  );
  return Number(rows[0]!.total);
}
