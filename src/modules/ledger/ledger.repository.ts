import type { Executor } from '../../platform/db/database.js';
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

/**
 * Adds `delta` to one balance unless that would make it negative (the funding account mirrors
 * money from outside and may be). Answers false, changing nothing, when the balance is short.
 * The row lock taken here is what serializes concurrent batches of one organization.
 */
export async function addToBalance(ex: Executor, tenant: Tenant, currency: string, account: string, delta: bigint): Promise<boolean> {
  const rows = await ex.query(
    `update ledger_balances set balance = balance + $5
     where organization_id = $1 and environment = $2 and currency = $3 and account = $4
       and (balance + $5 >= 0 or account = 'funding')
     returning balance`,
    [tenant.organizationId, tenant.environment, currency, account, delta],
  );
  return rows.length === 1;
}

export async function insertLedgerEntries(ex: Executor, entries: NewLedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await ex.query(
    `insert into ledger_entries (id, posting_id, organization_id, environment, currency, account, amount, kind, batch_id, payout_id)
     select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::uuid[], $10::uuid[])`,
    [
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
    ],
  );
}

export async function selectBalances(ex: Executor, tenant: Tenant, currency: string): Promise<Map<string, bigint>> {
  const rows = await ex.query<{ account: string; balance: bigint }>(
    'select account, balance from ledger_balances where organization_id = $1 and environment = $2 and currency = $3',
    [tenant.organizationId, tenant.environment, currency],
  );
  return new Map(rows.map((row) => [row.account, row.balance]));
}

export async function listLedgerEntries(ex: Executor, tenant: Tenant, filter: { currency: string; limit: number; before: string | null; payoutId?: string; batchId?: string }): Promise<LedgerEntryRow[]> {
  return ex.query<LedgerEntryRow>(
    `select id, posting_id, currency, account, amount, kind, batch_id, payout_id, created_at from ledger_entries
     where organization_id = $1 and environment = $2 and currency = $3 and account <> 'funding'
       and ($4::uuid is null or id < $4) and ($5::uuid is null or payout_id = $5) and ($6::uuid is null or batch_id = $6)
     order by id desc limit $7`,
    [tenant.organizationId, tenant.environment, filter.currency, filter.before, filter.payoutId ?? null, filter.batchId ?? null, filter.limit + 1],
  );
}
