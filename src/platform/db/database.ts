// The database port: the few operations the modules need, implemented by an embedded PGlite
// adapter and a PostgreSQL pool adapter over the same SQL.

export type Row = Record<string, unknown>;

/**
 * A statement PostgreSQL parses and plans once per connection and then reuses (a named prepared
 * statement). For hot statements of a fixed shape only: a reused plan is a generic one, which
 * suits lookups by key and multi-row writes, not queries whose best plan depends on which
 * optional filters are given (`$1 is null or …`).
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

const statementNames = new Set<string>();

/** Declares a prepared statement; each name is given to one statement only. */
export function prepared(name: string, text: string): Statement {
  if (statementNames.has(name)) throw new Error(`Two prepared statements are named ${name}.`);
  statementNames.add(name);
  return { name, text };
}

export const sqlText = (sql: string | Statement): string => (typeof sql === 'string' ? sql : sql.text);

/** Runs SQL: the database itself, or an open transaction. Repositories take one as first argument. */
export interface Executor {
  query<R = Row>(sql: string | Statement, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** An open transaction. */
export interface Transaction extends Executor {
  /**
   * Runs the transaction's last statement and commits it. On PostgreSQL both go out in one round
   * trip (pipelined), so the row locks the statement takes are held only while the two run, not
   * while its answer travels back and the COMMIT travels out: for the statement that takes the
   * most contended lock of the transaction. If it fails, nothing is committed and its error is
   * thrown. No statement may follow it.
   */
  queryAndCommit<R = Row>(sql: string | Statement, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * What a watcher of a channel hears:
 * - `notified`: a NOTIFY on the channel was committed (or, on the embedded database, a CLI client
 *   of the shared socket finished an exchange: its notifications do not reach this process's
 *   listeners, so any such exchange counts as one);
 * - `lost`: the listening connection is gone; notifications are missed until `resumed`;
 * - `resumed`: listening (again); whatever was sent before this may have been missed.
 * A watcher starts as if `lost` and hears `resumed` once its LISTEN is in place.
 */
export type WatchEvent = 'notified' | 'lost' | 'resumed';

/** Channel names are plain identifiers, so they need no quoting in LISTEN. */
export function checkChannel(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`Not a channel name: ${channel}`);
  return channel;
}

export interface Database extends Executor {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Listens on `channel` (a dedicated connection on PostgreSQL, reconnected when lost) until the
   * database is closed. Notifications are asynchronous: a watcher hears a NOTIFY some time after
   * its transaction committed (milliseconds), never before.
   */
  watch(channel: string, onEvent: (event: WatchEvent) => void): void;
  /** Cheap round trip for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class TransactionFinishedError extends Error {
  constructor() {
    super('This transaction was already committed by queryAndCommit; no statement may follow it.');
  }
}

/** int8 arrives as text on the wire; both adapters turn it into bigint here and only here. */
export const parseInt8 = (value: string): bigint => BigInt(value);

/** Drivers differ on bigint parameters, so both adapters send them as decimal text. */
export function toDriverParams(params: readonly unknown[] | undefined): unknown[] | undefined {
  if (!params) return undefined;
  return params.map(toDriverValue);
}

function toDriverValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(toDriverValue);
  return value;
}
