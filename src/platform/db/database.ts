// The database port: the few operations the modules need, implemented by an embedded PGlite
// adapter and a PostgreSQL pool adapter over the same SQL.

export type Row = Record<string, unknown>;

/** Runs SQL: the database itself, or an open transaction. Repositories take one as first argument. */
export interface Executor {
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Executor {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  /** Cheap round trip for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
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
