import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';

export interface DepositRecord {
  id: string;
  currency: string;
  amount: bigint;
  bankReference: string;
  /** The day the bank received it, YYYY-MM-DD. */
  receivedOn: string;
  recordedBy: string;
  createdAt: Date;
  reversedAt: Date | null;
  reversedBy: string | null;
  reversalReason: string | null;
}

interface DepositRow {
  id: string;
  currency: string;
  amount: bigint;
  bank_reference: string;
  received_on: string;
  recorded_by: string;
  created_at: Date;
  reversed_at: Date | null;
  reversed_by: string | null;
  reversal_reason: string | null;
}

// The date as text, so neither driver turns it into a midnight in some time zone.
const COLUMNS = `id, currency, amount, bank_reference, to_char(received_on, 'YYYY-MM-DD') as received_on, recorded_by, created_at,
  reversed_at, reversed_by, reversal_reason`;

const toDeposit = (row: DepositRow): DepositRecord => ({
  id: row.id,
  currency: row.currency,
  amount: BigInt(row.amount),
  bankReference: row.bank_reference,
  receivedOn: row.received_on,
  recordedBy: row.recorded_by,
  createdAt: row.created_at,
  reversedAt: row.reversed_at,
  reversedBy: row.reversed_by,
  reversalReason: row.reversal_reason,
});

export interface NewDeposit {
  id: string;
  currency: string;
  amount: bigint;
  bankReference: string;
  receivedOn: string;
  recordedBy: string;
  recordedByUserId: string | null;
}

/**
 * Inserts the deposit unless its bank reference is already recorded for the tenant; answers it
 * when inserted. A concurrent insert of the same reference waits here for the other transaction
 * and then inserts nothing, so two submits can never both credit.
 */
export async function insertDepositIfNew(ex: Executor, tenant: Tenant, d: NewDeposit): Promise<DepositRecord | undefined> {
  const rows = await ex.query<DepositRow>(
    `insert into balance_deposits (id, organization_id, environment, currency, amount, bank_reference, received_on, recorded_by, recorded_by_user_id)
     values ($1, $2, $3, $4, $5, $6, $7::date, $8, $9)
     on conflict (organization_id, environment, lower(bank_reference)) do nothing
     returning ${COLUMNS}`,
    [d.id, tenant.organizationId, tenant.environment, d.currency, d.amount, d.bankReference, d.receivedOn, d.recordedBy, d.recordedByUserId],
  );
  return rows[0] && toDeposit(rows[0]);
}

export async function findDepositByReference(ex: Executor, tenant: Tenant, bankReference: string): Promise<DepositRecord | undefined> {
  const rows = await ex.query<DepositRow>(
    `select ${COLUMNS} from balance_deposits where organization_id = $1 and environment = $2 and lower(bank_reference) = lower($3)`,
    [tenant.organizationId, tenant.environment, bankReference],
  );
  return rows[0] && toDeposit(rows[0]);
}

export async function findDepositById(ex: Executor, tenant: Tenant, id: string, options: { forUpdate?: boolean } = {}): Promise<DepositRecord | undefined> {
  const rows = await ex.query<DepositRow>(
    `select ${COLUMNS} from balance_deposits where organization_id = $1 and environment = $2 and id = $3 ${options.forUpdate ? 'for update' : ''}`,
    [tenant.organizationId, tenant.environment, id],
  );
  return rows[0] && toDeposit(rows[0]);
}

/** Marks a deposit reversed, once: answers undefined when it already was. */
export async function markDepositReversed(
  ex: Executor,
  tenant: Tenant,
  id: string,
  reversal: { by: string; reason: string },
): Promise<DepositRecord | undefined> {
  const rows = await ex.query<DepositRow>(
    `update balance_deposits set reversed_at = now(), reversed_by = $4, reversal_reason = $5
     where organization_id = $1 and environment = $2 and id = $3 and reversed_at is null
     returning ${COLUMNS}`,
    [tenant.organizationId, tenant.environment, id, reversal.by, reversal.reason],
  );
  return rows[0] && toDeposit(rows[0]);
}

export async function listDeposits(ex: Executor, tenant: Tenant, page: { limit: number; before: string | null }): Promise<DepositRecord[]> {
  const rows = await ex.query<DepositRow>(
    `select ${COLUMNS} from balance_deposits where organization_id = $1 and environment = $2 and ($3::uuid is null or id < $3)
     order by id desc limit $4`,
    [tenant.organizationId, tenant.environment, page.before, page.limit + 1],
  );
  return rows.map(toDeposit);
}
