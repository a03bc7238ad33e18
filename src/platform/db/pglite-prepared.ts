import { type PGlite, parse, protocol } from '@electric-sql/pglite';

// Statements prepared once on PGlite. PGlite's query() parses, describes and plans every
// statement anew, in six exchanges with the WebAssembly backend; a statement run here is parsed
// once per database (by its text, under a name of ours) and then run in one exchange: bind,
// describe, execute, sync. PostgreSQL gets the same for the statements declared with prepared()
// from the pg driver; on PGlite, the one thread that runs every statement, it pays for each.
//
// Only inside a transaction: there PGlite's transaction mutex is already ours, and runExclusive
// (PGlite's query mutex, which its own statements take) keeps the exchange whole. The clients of
// the shared socket run in exclusive turns between our calls; what they prepare is deallocated
// when the next one connects, and ours are kept (pglite-share.ts).

const { serialize } = protocol;

/** PostgreSQL's invalid_sql_statement_name: no prepared statement of that name. */
const UNKNOWN_STATEMENT = '26000';

/** The names of the statements prepared here begin with it; the shared socket keeps those (pglite-share.ts). */
export const PREPARED_NAME_PREFIX = 'pglite_prepared_';

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

export type PreparedRunner = <R>(text: string, params: readonly unknown[] | undefined) => Promise<R[]>;

interface PreparedStatement {
  name: string;
  /** The type PostgreSQL expects of each parameter, which decides how it is serialized. */
  parameterTypes: number[];
}

/** Runs statements prepared on `pg`, inside one of its transactions. Params are driver values (toDriverParams). */
export function preparedRunner(pg: PGlite, maxPrepared = MAX_PREPARED): PreparedRunner {
  /** By text, least recently run first (a Map keeps insertion order; each run moves its entry last). */
  const statements = new Map<string, PreparedStatement>();
  let nextName = 1;

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
    const described = await pg.execProtocol(concat(parts), { syncToFs: false });
    const statement = { name, parameterTypes: parse.parseDescribeStatementResults(described.messages) };
    statements.set(text, statement);
    return statement;
  }

  return <R>(text: string, params: readonly unknown[] | undefined) =>
    pg.runExclusive(async () => {
      const { name, parameterTypes } = await prepare(text);
      // Serialized as PGlite's query() does: by the type PostgreSQL expects for each parameter.
      const values = (params ?? []).map((value, i) => {
        if (value === null || value === undefined) return null;
        const serializer = pg.serializers[parameterTypes[i]!];
        return serializer ? (serializer(value) as string) : String(value);
      });
      const result = await pg
        .execProtocol(concat([serialize.bind({ statement: name, values }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]), {
          syncToFs: false,
        })
        .catch((error: unknown) => {
          // Ours were deallocated behind our back (DEALLOCATE or DISCARD by a client of the shared
          // socket): this transaction fails, the next ones prepare again.
          if ((error as { code?: string }).code === UNKNOWN_STATEMENT) statements.clear();
          throw error;
        });
      return (parse.parseResults(result.messages, pg.parsers)[0]?.rows ?? []) as R[];
    });
}
