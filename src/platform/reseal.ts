// Re-sealing encrypted columns under the key ring's first key (after a key rotation), and sealing
// values stored in clear before their column was encrypted. Each module names its own sealed
// columns (its reencrypt.ts) and runs them through here, so the slicing and the concurrency rules
// are written once.
//
// Safe while the service runs and with several processes at once: rows are read in keyset slices
// without locks, and each slice is written back by one compare-and-set statement (`where column =
// <the value read>`), so a value changed meanwhile is left alone (whoever changed it sealed it
// under the first key already) and two runs never seal a value twice. Repeating a run finds
// nothing left to do.
//
// Table and column names are constants written in code (never user input), so the SQL is built
// by string assembly, as for the lease primitive (queue/lease.ts).

import type { Executor } from './db/database.js';
import { decryptText, encryptText, type KeyRing } from './crypto.js';

/** The format prefix of every sealed value (`v1:<key id>:…`, see crypto.ts). */
const SEALED_PREFIX = 'v1:';

export interface SealedColumn {
  /** How reports name it, e.g. `payout_methods.account_number_encrypted`. */
  label: string;
  table: string;
  /** The primary key's columns with their SQL types: the order of the slices. */
  key: readonly { column: string; type: 'uuid' | 'integer' | 'text' }[];
  /** The column holding `encryptText` values (null allowed: skipped). */
  column: string;
  /** Rows written before the column was encrypted hold the plain value: sealed as they are. */
  mayHoldClear?: boolean;
  /**
   * A `keyedHash` column computed from the plain value (a TIN's hash): a hash names the key it was
   * made under and matches only hashes of the same key, so it is recomputed with the first key
   * whenever the row is re-sealed or the hash's key is not the first one. Left null when null.
   */
  keyedHash?: { column: string; of(plain: string, keys: KeyRing): string | null };
}

export interface ResealReport {
  label: string;
  /** Values (re-)sealed by this run. */
  resealed: number;
  /** Values still not sealed under the first key afterwards (changed meanwhile by an old process, or unreadable). */
  remaining: number;
}

export type ResealScope =
  /** Everything not sealed under the first key: after a rotation (`payouts encryption re-encrypt`). */
  | 'not-under-first-key'
  /** Only values still in clear: the start-up migration of a newly encrypted column. */
  | 'clear-only';

const DEFAULT_SLICE = 500;

interface Statements {
  select: string;
  update: string;
  count: string;
}

const statementsCache = new WeakMap<SealedColumn, Statements>();

/**
 * The three statements of a column. Parameters of `select`: `$1` the prefix of an up-to-date
 * value, `$2` the slice size, then the last key read and whether this is the first slice, and last
 * (with a hash column) the prefix of an up-to-date hash. `count` takes the two prefixes.
 */
function statementsOf(spec: SealedColumn): Statements {
  const cached = statementsCache.get(spec);
  if (cached) return cached;
  const keyList = spec.key.map((k) => k.column).join(', ');
  const hash = spec.keyedHash?.column;
  const stale = (hashParam: number) =>
    `(${spec.column} is not null and left(${spec.column}, length($1)) <> $1${hash ? ` or (${hash} is not null and left(${hash}, length($${hashParam})) <> $${hashParam})` : ''})`;
  const after = spec.key.map((k, i) => `$${3 + i}::${k.type}`).join(', ');
  const first = 3 + spec.key.length;
  const select = `select ${keyList}, ${spec.column} as sealed${hash ? `, ${hash} as hash` : ''} from ${spec.table}
     where ${stale(first + 1)} and ($${first}::boolean or (${keyList}) > (${after}))
     order by ${keyList} limit $2`;
  const arrays = spec.key.map((k, i) => `$${i + 1}::${k.type}[]`);
  const base = spec.key.length;
  const valueArrays = [`$${base + 1}::text[]`, `$${base + 2}::text[]`, ...(hash ? [`$${base + 3}::text[]`, `$${base + 4}::text[]`] : [])];
  const names = [...spec.key.map((k) => `k_${k.column}`), 'old_value', 'new_value', ...(hash ? ['old_hash', 'new_hash'] : [])];
  const update = `with done as (
       update ${spec.table} t set ${spec.column} = v.new_value${hash ? `, ${hash} = v.new_hash` : ''}
       from unnest(${[...arrays, ...valueArrays].join(', ')}) as v(${names.join(', ')})
       where ${spec.key.map((k) => `t.${k.column} = v.k_${k.column}`).join(' and ')} and t.${spec.column} = v.old_value${hash ? ` and t.${hash} is not distinct from v.old_hash` : ''}
       returning 1)
     select count(*)::integer as n from done`;
  const count = `select count(*)::integer as n from ${spec.table} where ${stale(2)}`;
  const made = { select, update, count };
  statementsCache.set(spec, made);
  return made;
}

/** What an up-to-date value starts with, by scope: any sealed value, or one under the first key. */
function prefixesFor(keys: KeyRing, scope: ResealScope): [string, string] {
  // `clear-only` treats every sealed value (and every hash) as up to date.
  if (scope === 'clear-only') return [SEALED_PREFIX, ''];
  return [`${SEALED_PREFIX}${keys.primaryId}:`, `${keys.primaryId}:`];
}

/** The plain value of a stored one: decrypted, or as it is for a clear value the column may still hold. */
function plainOf(spec: SealedColumn, keys: KeyRing, stored: string): string {
  if (spec.mayHoldClear && !stored.startsWith(SEALED_PREFIX)) return stored;
  try {
    return decryptText(keys, stored);
  } catch (error) {
    // The message names a key id at most, never the value; the column says where to look.
    throw new Error(`${spec.label}: ${(error as Error).message}`);
  }
}

/**
 * Seals the column's values under the first key, slice by slice (`sliceSize` rows a statement),
 * and answers how many it sealed and how many are still not up to date afterwards.
 */
export async function resealColumn(
  ex: Executor,
  keys: KeyRing,
  spec: SealedColumn,
  options: { scope?: ResealScope; sliceSize?: number } = {},
): Promise<ResealReport> {
  const scope = options.scope ?? 'not-under-first-key';
  const sliceSize = options.sliceSize ?? DEFAULT_SLICE;
  const sql = statementsOf(spec);
  const [prefix, hashPrefix] = prefixesFor(keys, scope);
  const hashParams = spec.keyedHash ? [hashPrefix] : [];
  let after: unknown[] | undefined;
  let resealed = 0;
  for (;;) {
    const cursor = after ?? spec.key.map(() => null);
    const rows = await ex.query<Record<string, unknown>>(sql.select, [prefix, sliceSize, ...cursor, after === undefined, ...hashParams]);
    if (rows.length === 0) break;
    const columns: unknown[][] = spec.key.map((k) => rows.map((r) => r[k.column]));
    const oldValues = rows.map((r) => r.sealed as string);
    const plains = oldValues.map((v) => plainOf(spec, keys, v));
    const params: unknown[] = [...columns, oldValues, plains.map((p) => encryptText(keys, p))];
    if (spec.keyedHash) {
      const hashSpec = spec.keyedHash;
      params.push(
        rows.map((r) => r.hash as string | null),
        rows.map((r, i) => (r.hash === null ? null : hashSpec.of(plains[i]!, keys))),
      );
    }
    const updated = await ex.query<{ n: number }>(sql.update, params);
    resealed += Number(updated[0]?.n ?? 0);
    const last = rows.at(-1)!;
    after = spec.key.map((k) => last[k.column]);
    if (rows.length < sliceSize) break;
  }
  const [left] = await ex.query<{ n: number }>(sql.count, [prefix, ...hashParams]);
  return { label: spec.label, resealed, remaining: Number(left?.n ?? 0) };
}
