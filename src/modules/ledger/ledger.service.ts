import type { Database, Executor, Transaction } from '../../platform/db/database.js';
import { CSV_PAGE_SIZE } from '../../platform/http/csv.js';
import { AppError } from '../../platform/http/errors.js';
import { uuidv7 } from '../../platform/ids.js';
import { DEFAULT_CURRENCY, MAX_AMOUNT } from '../../platform/money.js';
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

/** Thrown when a posting would take a balance past ±(2^53−1), which JSON cannot carry exactly. */
export class BalanceOutOfRangeError extends Error {
  constructor() {
    super('The posting would take a balance past the largest amount the API can represent.');
  }
}

/** Thrown when a movement would take an account below zero; nothing of the posting is kept. */
export class InsufficientBalanceError extends Error {
  constructor(readonly account: Account) {
    super(`The ${account} balance is too low for this movement.`);
  }
}

const tenantKey = (t: Tenant, currency: string) => `${t.organizationId}|${t.environment}|${currency}`;

/**
 * Accounts known to be open, per executor: for a transaction, those it found or opened (its own
 * view, which ends with it); for the database itself, committed ones. Balance rows are never
 * deleted, so neither can go stale.
 */
const openAccounts = new WeakMap<Executor, Set<string>>();

/**
 * Accounts this process has seen committed, whatever the executor: a transaction that finds them
 * with a plain read sees them committed (one it opens itself goes through the insert below). Never
 * deleted, so never stale; keyed by organization id, which no two databases share. It spares each
 * create the look-up.
 */
const committedAccounts = new Set<string>();

/**
 * Makes sure the tenant has balance rows; a sandbox tenant seen for the first time gets its
 * opening balance in the same transaction. The rows are looked for with a plain read first: an
 * `insert … on conflict` would queue behind every transaction holding one of them (every batch
 * being created), though they nearly always exist. Rows another transaction is opening right now
 * are invisible to the read; the insert then waits for it and finds them. Once per transaction,
 * and none once the process has seen them committed.
 */
export async function ensureAccounts(tx: Executor, tenant: Tenant, currency: string = DEFAULT_CURRENCY): Promise<void> {
  const key = tenantKey(tenant, currency);
  if (committedAccounts.has(key)) return;
  const known = openAccounts.get(tx) ?? new Set<string>();
  openAccounts.set(tx, known);
  if (known.has(key)) return;
  const exists = await repo.balanceRowsExist(tx, tenant, currency);
  known.add(key);
  if (exists) {
    committedAccounts.add(key);
    return;
  }
  const created = await repo.insertBalanceRowsIfMissing(tx, tenant, currency);
  if (created && tenant.environment === 'sandbox' && currency === DEFAULT_CURRENCY) {
    await post(tx, [{ tenant, currency, from: 'funding', to: 'available', amount: SANDBOX_OPENING_BALANCE, kind: 'sandbox_opening_balance' }]);
  }
}

/**
 * Records movements inside the caller's transaction: the entries, and the balances they change,
 * in one statement that locks the balance rows in key order (concurrent postings queue, never
 * deadlock). A balance that would go negative aborts with InsufficientBalanceError.
 *
 * The balance rows of an organization are its hottest rows: every batch and every settled payout
 * changes them, and their locks are held until the transaction ends. Callers post last, so that
 * the rest of their work is done before they queue for them; with `{ commit: true }` the posting
 * is the transaction's last statement and commits with it, in one round trip on PostgreSQL, so the
 * balance locks are held only while the posting and the COMMIT run (Transaction.queryAndCommit).
 */
export async function post(tx: Executor, movements: Movement[]): Promise<void>;
export async function post(tx: Transaction, movements: Movement[], options: { commit: true }): Promise<void>;
export async function post(tx: Executor | Transaction, movements: Movement[], options: { commit?: boolean } = {}): Promise<void> {
  const last = options.commit ? (tx as Transaction) : undefined;
  const posting = await preparePosting(tx, movements);
  if (posting) await applyPosting(posting, (entries, deltas) => repo.insertEntriesAndMoveBalances(last ?? tx, entries, deltas, last !== undefined));
  else if (last) await last.queryAndCommit('select 1');
}

interface Posting {
  entries: repo.NewLedgerEntry[];
  deltas: (repo.BalanceDelta & { account: Account })[];
}

/** The entries and the net change per balance; the tenants' accounts are opened if new. */
async function preparePosting(tx: Executor, movements: Movement[]): Promise<Posting | undefined> {
  if (movements.length === 0) return undefined;
  const entries: repo.NewLedgerEntry[] = [];
  const deltas = new Map<string, repo.BalanceDelta & { account: Account }>();
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
  const tenants = new Map([...deltas.values()].map((d) => [tenantKey(d.tenant, d.currency), d]));
  for (const d of tenants.values()) await ensureAccounts(tx, d.tenant, d.currency);
  return { entries, deltas: [...deltas.values()].filter((d) => d.delta !== 0n) };
}

async function applyPosting(posting: Posting, run: (entries: repo.NewLedgerEntry[], deltas: repo.BalanceDelta[]) => Promise<number>): Promise<void> {
  let changed: number;
  try {
    changed = await run(posting.entries, posting.deltas);
  } catch (error) {
    if (repo.isBalanceOutOfRangeError(error)) throw new BalanceOutOfRangeError();
    if (!repo.isNegativeBalanceError(error)) throw error;
    const short = posting.deltas.find((d) => d.delta < 0n && d.account !== 'funding');
    throw new InsufficientBalanceError(short?.account ?? 'available');
  }
  // ensureAccounts opened every account first, so each delta found its row.
  if (changed !== posting.deltas.length) throw new Error(`A posting changed ${changed} of ${posting.deltas.length} balances.`);
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

export const FUNDING_TOO_LARGE_MESSAGE = `This funding would take the money held for this environment past ${MAX_AMOUNT} minor units (2^53−1), the largest amount the API can represent exactly.`;

/** Brings money in from outside: a sandbox top-up through the API, or an operator's funding. */
export async function fund(tx: Executor, tenant: Tenant, amount: bigint, currency: string = DEFAULT_CURRENCY): Promise<Balance> {
  if (amount <= 0n) throw new AppError('invalid_amount', 'The funding amount must be greater than zero.', 'amount');
  await ensureAccounts(tx, tenant, currency);
  try {
    await post(tx, [{ tenant, currency, from: 'funding', to: 'available', amount, kind: 'funding' }]);
  } catch (error) {
    if (error instanceof BalanceOutOfRangeError) throw new AppError('invalid_amount', FUNDING_TOO_LARGE_MESSAGE, 'amount');
    throw error;
  }
  return readBalance(tx, tenant, currency);
}

/** One page of the transactions export: the CSV_PAGE_SIZE matching entries older than `before`. */
export const exportEntriesPage = (db: Database, tenant: Tenant, filter: repo.LedgerEntryFilter, before: string | null): Promise<repo.LedgerEntryRow[]> =>
  repo.listLedgerEntries(db, tenant, { ...filter, before, limit: CSV_PAGE_SIZE });

/** One page of entries (limit + 1 rows, for paging), and with `includeTotal` the number of all that match. */
export async function listEntries(
  db: Database,
  tenant: Tenant,
  filter: repo.LedgerEntryFilter,
  page: { limit: number; before: string | null },
  options: { includeTotal?: boolean } = {},
): Promise<{ entries: repo.LedgerEntryRow[]; total?: number }> {
  const entries = await repo.listLedgerEntries(db, tenant, { ...filter, before: page.before, limit: page.limit + 1 });
  if (!options.includeTotal) return { entries };
  return { entries, total: await repo.countLedgerEntries(db, tenant, filter) };
}
