// The one lease primitive for queue-like tables (payouts' next steps, webhook deliveries, and
// the emails and bank-file slices to come). A row is due when its due column is in the past and
// nobody holds a live lease on it; a worker claims due rows with `FOR UPDATE SKIP LOCKED`, stamps
// its owner id and a lease expiry, works outside any transaction, then releases them (done, or
// due again after a delay). A worker that dies simply lets its leases run out.
//
// Table and column names are constants written in code (never user input), so the SQL is built
// once, at module load, by string assembly.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type Executor, type Statement, prepared, type Transaction } from '../db/database.js';

/** A queue-like table: `id uuid`, `lease_owner text`, `lease_expires_at timestamptz` and a due column. */
export interface LeaseTable {
  table: string;
  /** When the row is next due; null means nothing to do. An index on it (partial) serves the claim. */
  dueColumn: string;
  /** A further condition every claimable row meets, over alias `q` (e.g. `q.status = 'pending'`). */
  readyWhen?: string;
}

export interface ClaimDefinition {
  /** Unique name (the prepared statement's). */
  name: string;
  /** Extra joins for the due scan, over alias `q` (e.g. only active subscriptions). */
  join?: string;
  /** Extra conditions for the due scan, over alias `q` (e.g. per-payout order). */
  alsoWhen?: string;
  /**
   * At most `$4` live leases per value of `column` (e.g. per webhook subscription), counted in the
   * claim statement itself, across processes or per owner (`perOwner`). Exact because such claims
   * are serialized (see `claim`). `groups` lists the groups that may have work (e.g. active subscriptions); each one
   * below its cap is read through an index on (column, due column) for its free slots only, so a
   * group at its cap costs nothing and never hides the others, however long its backlog.
   */
  capPerGroup?: {
    column: string;
    groups: string;
    /**
     * The cap of group `g.grp`, an SQL expression; default `$4` for every group. It may read the
     * claim's extra parameters (`$5` on), e.g. a smaller cap for groups the caller knows are slow.
     */
    cap?: string;
    /**
     * Count only the claiming owner's leases (`$3`): a cap per process rather than across all of
     * them, so a dead process's leases never hold back the live ones until they run out.
     */
    perOwner?: boolean;
  };
  /**
   * A column claimed in ascending order before the due column (e.g. emails' `priority`: one-time
   * codes ahead of bulk mail). Leave it unset for plain due order; an index on (this column, due
   * column) then serves the claim. Not combinable with `capPerGroup`.
   */
  priorityColumn?: string;
  /** The columns of the claimed rows to return, over alias `q`. */
  returning: string;
  /** The final select over the `claimed` rows (may join what the task needs); default all of them. */
  select?: string;
}

export interface Claim {
  readonly statement: Statement;
  readonly serialized: boolean;
  /** Advisory lock key that serializes this table's capped claims. */
  readonly lockKey: string;
}

/** The first half of the two-part advisory lock keys of claims (a space of its own). */
const LEASE_LOCK_CLASS = 0x4c45;

const UNLEASED = '(q.lease_expires_at is null or q.lease_expires_at < now())';

/** Builds a claim statement: `$1` limit, `$2` lease seconds, `$3` owner, `$4` group cap (if any). */
export function defineClaim(table: LeaseTable, def: ClaimDefinition): Claim {
  const ready = table.readyWhen ? ` and ${table.readyWhen}` : '';
  const also = def.alsoWhen ? ` and ${def.alsoWhen}` : '';
  const dueScan = `from ${table.table} q ${def.join ?? ''}
       where q.${table.dueColumn} <= now() and ${UNLEASED}${ready}${also}`;
  const claimed = `claimed as (
       update ${table.table} q set lease_expires_at = now() + $2 * interval '1 second', lease_owner = $3
       from picked where q.id = picked.id
       returning ${def.returning}
     )
     ${def.select ?? 'select * from claimed'}`;
  if (def.priorityColumn && def.capPerGroup) throw new Error('A claim orders by priority or caps per group, not both.');
  const order = def.priorityColumn ? `q.${def.priorityColumn}, q.${table.dueColumn}` : `q.${table.dueColumn}`;
  let text: string;
  if (!def.capPerGroup) {
    text = `with picked as (
       select q.id ${dueScan}
       order by ${order} limit $1
       for update of q skip locked
     ), ${claimed}`;
  } else {
    const { column, groups, cap = '$4', perOwner = false } = def.capPerGroup;
    const whose = perOwner ? 'lease_owner = $3' : 'lease_owner is not null';
    // Each group's live leases are counted by the group's own rows (an index on the column,
    // partial on live leases, serves it): counted over the whole table at once, the planner
    // chose a sequential scan whenever its statistics lagged a growing table (15 ms of a 40 ms
    // claim at 60,000 deliveries).
    text = `with open_groups as (
       select g.grp, (${cap}) - l.n as free
       from (${groups}) as g(grp) cross join lateral (
         select count(*)::integer as n from ${table.table} where ${column} = g.grp and ${whose} and lease_expires_at >= now()
       ) l
       where l.n < (${cap})
     ), due as (
       select c.row_id, c.due_at from open_groups g cross join lateral (
         select q.ctid as row_id, q.${table.dueColumn} as due_at ${dueScan} and q.${column} = g.grp
         order by q.${table.dueColumn} limit g.free
       ) c
       order by c.due_at limit $1
     ), picked as (
       -- By the row versions the due scan found, from an array (a TID scan: no index descent per
       -- row, and no join, which let the planner scan every due row of the table against the few
       -- picked ones whenever its statistics lagged a growing backlog). A row changed since is
       -- locked in its newest version and checked again: leased meanwhile, it is skipped.
       select q.id from ${table.table} q
       where q.ctid = any(array(select row_id from due)) and ${UNLEASED}${ready}
       for update of q skip locked
     ), ${claimed}`;
  }
  return { statement: prepared(def.name, text), serialized: def.capPerGroup !== undefined, lockKey: `lease:${table.table}` };
}

export interface ClaimOptions {
  limit: number;
  leaseSeconds: number;
  owner: string;
  /** Required for a claim with `capPerGroup`. */
  capPerGroup?: number;
  /** Values of the claim's further parameters, `$5` on (see `capPerGroup.cap`). */
  extraParams?: readonly unknown[];
}

/**
 * Claims due rows. Run it in its own short transaction. A claim with a per-group cap first takes
 * a transaction advisory lock per table, so two processes never count the same free slots: the
 * claim statement then starts after the previous claimer committed and sees its leases.
 */
export async function claim<R>(tx: Executor, c: Claim, options: ClaimOptions): Promise<R[]> {
  if (c.serialized) {
    if (options.capPerGroup === undefined) throw new Error('This claim needs a per-group cap.');
    // In the same round trip: JIT off for this transaction. The due scan's row estimate (its
    // ordering and cap conditions) is far too low, so the planner costs the whole index and
    // PostgreSQL would JIT-compile every claim: 100+ ms spent to read a few hundred rows.
    await tx.query("select pg_advisory_xact_lock($1, hashtext($2)), set_config('jit', 'off', true)", [LEASE_LOCK_CLASS, c.lockKey]);
    const params = [options.limit, options.leaseSeconds, options.owner, options.capPerGroup, ...(options.extraParams ?? [])];
    // The claim is the transaction's last statement: its COMMIT goes out with it (one round trip
    // less while every other claimer of the table waits on the lock).
    return 'queryAndCommit' in tx ? (tx as Transaction).queryAndCommit<R>(c.statement, params) : tx.query<R>(c.statement, params);
  }
  return tx.query<R>(c.statement, [options.limit, options.leaseSeconds, options.owner]);
}

export interface ReleaseDefinition {
  /** Per-row values beyond id and delay: `[name, sql type]`, readable as `v.<name>`. */
  values?: readonly (readonly [string, string])[];
  /** Further assignments, over `q` and `v` (e.g. a delivery's status and attempt count). */
  set?: string;
}

export interface Release {
  readonly text: string;
  readonly extraValues: number;
}

/**
 * Builds the release statement: each row the owner still holds loses its lease and becomes due
 * again after `delay_ms` (a delayed retry, or the next step), or never (null). Rows another
 * worker took over after our lease ran out are left alone (`lease_owner = $3`).
 */
export function defineRelease(table: LeaseTable, def: ReleaseDefinition = {}): Release {
  const values = def.values ?? [];
  const arrays = values.map(([, type], i) => `$${i + 4}::${type}[]`);
  const names = values.map(([name]) => name);
  const text = `update ${table.table} q set lease_expires_at = null, lease_owner = null,
       ${table.dueColumn} = case when v.delay_ms is null then null else now() + v.delay_ms * interval '1 millisecond' end${def.set ? `, ${def.set}` : ''}
     from unnest($1::uuid[], $2::integer[]${arrays.map((a) => `, ${a}`).join('')}) as v(id, delay_ms${names.map((n) => `, ${n}`).join('')})
     where q.id = v.id and q.lease_owner = $3`;
  return { text, extraValues: values.length };
}

export interface Released {
  id: string;
  /** Milliseconds until due again; null: not due until something else schedules it. */
  delayMs: number | null;
  /** The values named in the release definition, in order. */
  values?: readonly unknown[];
}

/** Releases rows in id order (the order every writer of these tables locks in, so no deadlock). */
export async function release(ex: Executor, r: Release, owner: string, items: readonly Released[]): Promise<void> {
  if (items.length === 0) return;
  await ex.query(r.text, releaseParams(r, owner, items));
}

/**
 * The parameters of a release statement (`$1` to `$3` plus one per extra value), rows in id
 * order: for a caller that runs `r.text` as a part (CTE) of a larger statement of its own.
 */
export function releaseParams(r: Release, owner: string, items: readonly Released[]): unknown[] {
  const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const extra = Array.from({ length: r.extraValues }, (_, i) => sorted.map((item) => item.values?.[i] ?? null));
  return [sorted.map((i) => i.id), sorted.map((i) => i.delayMs), owner, ...extra];
}

/** A lease owner id: host, process and a random part, so two task instances never share one. */
export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}
