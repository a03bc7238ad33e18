import type { Database, Executor } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { uuidv7 } from '../../platform/ids.js';
import { DEFAULT_CURRENCY } from '../../platform/money.js';
import type { Tenant } from '../../platform/tenant.js';
import * as repo from './ledger.repository.js';

export type Account = 'funding' | 'available' | 'held' | 'paid_out';

/** Sandbox environments start with 1,000,000.00 USD so integrators can pay out right away. */
export const SANDBOX_OPENING_BALANCE = 100_000_000n;

/** One movement of money between two accounts of a tenant: a posting of two balanced entries. */
export interface Movement {
  tenant: Tenant;
  currency: string;
  from: Account;
  to: Account;
  amount: bigint;
  kind: string;
  batchId?: string | null;
  payoutId?: string | null;
}

/** Thrown when a movement would take an account below zero; nothing of the posting is kept. */
export class InsufficientBalanceError extends Error {
  constructor(readonly account: Account) {
    super(`The ${account} balance is too low for this movement.`);
  }
}

const tenantKey = (t: Tenant, currency: string) => `${t.organizationId}|${t.environment}|${currency}`;

/**
 * Makes sure the tenant has balance rows; a sandbox tenant seen for the first time gets its
 * opening balance in the same transaction.
 */
export async function ensureAccounts(tx: Executor, tenant: Tenant, currency: string = DEFAULT_CURRENCY): Promise<void> {
  const created = await repo.insertBalanceRowsIfMissing(tx, tenant, currency);
  if (created && tenant.environment === 'sandbox' && currency === DEFAULT_CURRENCY) {
    await post(tx, [{ tenant, currency, from: 'funding', to: 'available', amount: SANDBOX_OPENING_BALANCE, kind: 'sandbox_opening_balance' }]);
  }
}

/**
 * Records movements inside the caller's transaction: the entries, and the balances they change.
 * Balance rows are updated once per account, in a fixed order, so concurrent postings cannot
 * deadlock on them; a balance that would go negative aborts with InsufficientBalanceError.
 */
export async function post(tx: Executor, movements: Movement[]): Promise<void> {
  if (movements.length === 0) return;
  const entries: repo.NewLedgerEntry[] = [];
  const deltas = new Map<string, { tenant: Tenant; currency: string; account: Account; delta: bigint }>();
  const addDelta = (m: Movement, account: Account, delta: bigint) => {
    const key = `${tenantKey(m.tenant, m.currency)}|${account}`;
    const current = deltas.get(key);
    if (current) current.delta += delta;
    else deltas.set(key, { tenant: m.tenant, currency: m.currency, account, delta });
  };
  for (const m of movements) {
    if (m.amount <= 0n) throw new RangeError('A ledger movement needs a positive amount.');
    const postingId = uuidv7();
    const common = { postingId, tenant: m.tenant, currency: m.currency, kind: m.kind, batchId: m.batchId ?? null, payoutId: m.payoutId ?? null };
    entries.push({ ...common, id: uuidv7(), account: m.from, amount: -m.amount }, { ...common, id: uuidv7(), account: m.to, amount: m.amount });
    addDelta(m, m.from, -m.amount);
    addDelta(m, m.to, m.amount);
  }
  const seenTenants = new Set<string>();
  for (const d of deltas.values()) {
    const key = tenantKey(d.tenant, d.currency);
    if (!seenTenants.has(key)) {
      seenTenants.add(key);
      await ensureAccounts(tx, d.tenant, d.currency);
    }
  }
  for (const [, d] of [...deltas.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (d.delta === 0n) continue;
    if (!(await repo.addToBalance(tx, d.tenant, d.currency, d.account, d.delta))) throw new InsufficientBalanceError(d.account);
  }
  await repo.insertLedgerEntries(tx, entries);
}

export interface Balance {
  currency: string;
  available: bigint;
  held: bigint;
  paidOut: bigint;
}

/** The tenant's balances, inside the caller's transaction (opening the accounts if new). */
export async function readBalance(tx: Executor, tenant: Tenant, currency: string = DEFAULT_CURRENCY): Promise<Balance> {
  await ensureAccounts(tx, tenant, currency);
  const balances = await repo.selectBalances(tx, tenant, currency);
  return { currency, available: balances.get('available') ?? 0n, held: balances.get('held') ?? 0n, paidOut: balances.get('paid_out') ?? 0n };
}

export const getBalance = (db: Database, tenant: Tenant, currency: string = DEFAULT_CURRENCY): Promise<Balance> =>
  db.transaction((tx) => readBalance(tx, tenant, currency));

/** Brings money in from outside: a sandbox top-up through the API, or an operator's funding. */
export async function fund(tx: Executor, tenant: Tenant, amount: bigint, currency: string = DEFAULT_CURRENCY): Promise<Balance> {
  if (amount <= 0n) throw new AppError('invalid_amount', 'The funding amount must be greater than zero.', 'amount');
  await ensureAccounts(tx, tenant, currency);
  await post(tx, [{ tenant, currency, from: 'funding', to: 'available', amount, kind: 'funding' }]);
  return readBalance(tx, tenant, currency);
}

export const listEntries = repo.listLedgerEntries;
