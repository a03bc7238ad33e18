import pg from 'pg';
import type { Database, Executor, Row } from './database.js';
import { parseInt8, toDriverParams } from './database.js';

const INT8_OID = 20;
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export async function openPostgres(connectionString: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: poolSize, types: typeParsers });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const executor = (target: pg.Pool | pg.PoolClient): Executor => ({
    async query<R = Row>(sql: string, params?: readonly unknown[]) {
      const result = await target.query(sql, toDriverParams(params) as unknown[]);
      return result.rows as R[];
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
      try {
        await client.query('begin');
        const result = await fn(executor(client));
        await client.query('commit');
        return result;
      } catch (error) {
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
    close: () => pool.end(),
  };
  await database.ping();
  return database;
}
