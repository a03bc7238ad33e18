import { Socket } from 'node:net';
import pg from 'pg';
import type { Database, Executor, Row, Statement, Transaction } from './database.js';
import { parseInt8, sqlText, toDriverParams, TransactionFinishedError } from './database.js';
import { pgListener } from './postgres-listen.js';

const INT8_OID = 20;
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

type Target = pg.Pool | pg.PoolClient;

/**
 * One statement; a prepared one is parsed and planned once per connection, then reused. Not on
 * the shared socket of the embedded database: every client there shares PGlite's one session, so
 * two CLI commands preparing the same name would collide.
 */
function run(target: Target, sql: string | Statement, params: readonly unknown[] | undefined, named: boolean) {
  const values = toDriverParams(params) as unknown[] | undefined;
  return typeof sql === 'string' || !named ? target.query(sqlText(sql), values) : target.query({ name: sql.name, text: sql.text, values });
}

/** Where to connect: a postgres:// URL, or the Unix socket of a payouts server sharing its embedded database. */
export type PostgresTarget = string | { socketPath: string };

/** A socket that connects to `path` whatever host and port pg asks for (pg only knows `<dir>/.s.PGSQL.<port>`). */
function unixSocketStream(path: string) {
  return () => {
    const socket = new Socket();
    const connect = socket.connect.bind(socket);
    (socket as unknown as { connect: () => Socket }).connect = () => connect({ path });
    return socket;
  };
}

/** Where and as whom to connect. */
function connectionConfig(target: PostgresTarget): pg.ClientConfig {
  if (typeof target === 'string') return { connectionString: target };
  return { stream: unixSocketStream(target.socketPath), host: 'localhost', user: 'postgres', database: 'postgres' } as pg.ClientConfig;
}

function poolConfig(target: PostgresTarget, poolSize: number): pg.PoolConfig {
  // Pipeline mode: a statement issued while another is in flight on the same connection is sent
  // at once instead of after the answer. Code that awaits each statement behaves as before; the
  // transaction below uses it to save round trips.
  return { ...connectionConfig(target), max: poolSize, types: typeParsers, pipeline: true } as pg.PoolConfig;
}

export async function openPostgres(target: PostgresTarget, poolSize: number): Promise<Database> {
  const pool = new pg.Pool(poolConfig(target, poolSize));
  const named = typeof target === 'string';
  // Connects only once something watches a channel (an API process, not the CLI).
  const listener = pgListener(connectionConfig(target));
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const executor = (target: Target): Executor => ({
    async query<R = Row>(sql: string | Statement, params?: readonly unknown[]) {
      return (await run(target, sql, params, named)).rows as R[];
    },
    async exec(sql: string) {
      await target.query(sql);
    },
  });
  const database: Database = {
    kind: 'postgres',
    ...executor(pool),
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // pg-pool listens for errors only on idle clients: a connection dropped during a
      // transaction (database restart) would otherwise be an unhandled 'error' that kills the process.
      const onError = (error: Error) => {
        broken = error;
      };
      client.on('error', onError);
      let finished = false;
      // BEGIN is not awaited: the transaction's first statement goes out right behind it. (BEGIN
      // itself cannot fail on a working connection, and on a broken one everything after it fails.)
      const begun = client.query('begin');
      begun.catch(() => {});
      const open = executor(client);
      const tx: Transaction = {
        query: (sql, params) => (finished ? Promise.reject(new TransactionFinishedError()) : open.query(sql, params)),
        exec: (sql) => (finished ? Promise.reject(new TransactionFinishedError()) : open.exec(sql)),
        async queryAndCommit<R = Row>(sql: string | Statement, params?: readonly unknown[]) {
          if (finished) throw new TransactionFinishedError();
          finished = true;
          const statement = run(client, sql, params, named);
          const commit = client.query('commit'); // pipelined behind the statement
          const [rows, committed] = await Promise.allSettled([statement, commit]);
          // A failed statement aborts the transaction, and PostgreSQL answers the COMMIT with a rollback.
          if (rows.status === 'rejected') throw rows.reason;
          if (committed.status === 'rejected') throw committed.reason;
          if (committed.value.command !== 'COMMIT') throw new Error('The transaction was rolled back: an earlier statement in it failed.');
          return rows.value.rows as R[];
        },
      };
      try {
        const result = await fn(tx);
        await begun;
        if (!finished) {
          finished = true;
          const committed = await client.query('commit');
          if (committed.command !== 'COMMIT') throw new Error('The transaction was rolled back: a statement in it failed.');
        }
        return result;
      } catch (error) {
        finished = true;
        try {
          await client.query('rollback');
        } catch (rollbackError) {
          broken = rollbackError as Error; // the connection is unusable: drop it from the pool
        }
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    ping: async () => {
      await pool.query('select 1');
    },
    watch: (channel, onEvent) => listener.watch(channel, onEvent),
    close: async () => {
      await listener.close();
      await pool.end();
    },
  };
  await database.ping();
  return database;
}
