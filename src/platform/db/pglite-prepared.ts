import { type PGlite, parse, protocol } from '@electric-sql/pglite';

// Statements prepared once on PGlite. PGlite's query() parses, describes and plans every
// statement anew, in six exchanges with the WebAssembly backend; a statement run here is parsed
// once per database (by its text, under a name of ours) and then run in one exchange: bind,
// describe, execute, sync. PostgreSQL gets the same for the statements declared with prepared()
// from the pg driver; on PGlite, the one thread that runs every statement, it pays for each.
//
// runExclusive (PGlite's query mutex, which its own statements take) keeps each exchange whole.
// Inside a transaction PGlite's transaction lock is already ours; outside one, a statement runs
// prepared only when no transaction is open (see outsideTransaction). The clients of the shared
// socket run in exclusive turns between our calls; what they prepare is deallocated when the next
// one connects, and ours are kept (pglite-share.ts).

const { serialize } = protocol;

/** PostgreSQL's invalid_sql_statement_name: no prepared statement of that name. */
const UNKNOWN_STATEMENT = '26000';

/** "cached plan must not change result type": a table changed under a prepared statement's columns. */
const PLAN_CHANGED_RESULT_TYPE = '0A000';

/** The names of the statements prepared here begin with it; the shared socket keeps those (pglite-share.ts). */
export const PREPARED_NAME_PREFIX = 'pglite_prepared_';

/**
 * One exchange with the backend, answered with its messages. execProtocolStream, as PGlite's own
 * query() uses: it routes the backend's output to PGlite's parser, wherever the last exchange of a
 * client of the shared socket (execProtocolRawStream) left it pointing.
 */
const exchangeWith = (pg: PGlite) => (parts: Uint8Array[]) => pg.execProtocolStream(concat(parts), { syncToFs: false });

/** Statements kept prepared at once; the least recently run is closed beyond it. */
export const MAX_PREPARED = 300;

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};

export interface PreparedRunner {
  /** Runs a statement inside one of `pg`'s transactions (its transaction lock is the caller's). */
  inTransaction<R>(text: string, params: readonly unknown[] | undefined): Promise<R[]>;
  /** Runs a statement on its own; undefined when a transaction is open, which it must not run inside. */
  outsideTransaction<R>(text: string, params: readonly unknown[] | undefined): Promise<R[] | undefined>;
}

interface PreparedStatement {
  name: string;
  /** The type PostgreSQL expects of each parameter, which decides how it is serialized. */
  parameterTypes: number[];
}

/** Runs statements prepared on `pg`. Params are driver values (toDriverParams). */
export function preparedRunner(pg: PGlite, maxPrepared = MAX_PREPARED): PreparedRunner {
  /** By text, least recently run first (a Map keeps insertion order; each run moves its entry last). */
  const statements = new Map<string, PreparedStatement>();
  let nextName = 1;
  const exchange = exchangeWith(pg);

  async function prepare(text: string): Promise<PreparedStatement> {
    const known = statements.get(text);
    if (known) {
      statements.delete(text);
      statements.set(text, known);
      return known;
    }
    const parts: Uint8Array[] = [];
    if (statements.size >= maxPrepared) {
      const [oldestText, oldest] = statements.entries().next().value as [string, PreparedStatement];
      statements.delete(oldestText);
      parts.push(serialize.close({ type: 'S', name: oldest.name }));
    }
    const name = `${PREPARED_NAME_PREFIX}${nextName++}`;
    parts.push(serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync());
    const described = await exchange(parts);
    const statement = { name, parameterTypes: parse.parseDescribeStatementResults(described) };
    statements.set(text, statement);
    return statement;
  }

  async function run<R>(text: string, params: readonly unknown[] | undefined): Promise<R[]> {
    const { name, parameterTypes } = await prepare(text);
    // Serialized as PGlite's query() does: by the type PostgreSQL expects for each parameter.
    const values = (params ?? []).map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = pg.serializers[parameterTypes[i]!];
      return serializer ? (serializer(value) as string) : String(value);
    });
    const result = await exchange([
      serialize.bind({ statement: name, values }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    ]).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      // Ours were deallocated behind our back (DEALLOCATE or DISCARD by a client of the shared
      // socket): this statement fails, the next ones prepare again.
      if (code === UNKNOWN_STATEMENT) statements.clear();
      // A table changed under the statement's columns (a migration run over the socket): this run
      // fails, and so would every later one; the next is prepared again, under a new name.
      if (code === PLAN_CHANGED_RESULT_TYPE) statements.delete(text);
      throw error;
    });
    return (parse.parseResults(result, pg.parsers)[0]?.rows ?? []) as R[];
  }

  return {
    inTransaction: (text, params) => pg.runExclusive(() => run(text, params)),
    outsideTransaction: (text, params) =>
      pg.runExclusive(async () => {
        // Under PGlite's query mutex no transaction can begin (BEGIN takes it too): if none is open
        // now, the statement runs on its own and commits at its sync. If one is open, between two of
        // its statements, this one must wait for it: PGlite's query() waits on its transaction lock.
        // (pgliteDatabase already runs a transaction as one call, so this guards any other caller.)
        if (pg.isInTransaction()) return undefined;
        const rows = await run(text, params);
        await pg.syncToFs(); // as PGlite's query() does after a statement outside a transaction
        return rows as never;
      }),
  };
}
