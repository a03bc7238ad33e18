import { PGlite, types } from '@electric-sql/pglite';
import type { Database, Executor, Row } from './database.js';
import { parseInt8, toDriverParams } from './database.js';

/** Embedded PostgreSQL (WASM). `dataDir` undefined keeps everything in memory (tests). */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const pg = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    parsers: { [types.INT8]: parseInt8 },
  });
  const executor = (target: Pick<PGlite, 'query' | 'exec'>): Executor => ({
    async query<R = Row>(sql: string, params?: readonly unknown[]) {
      const result = await target.query(sql, toDriverParams(params) as unknown[]);
      return result.rows as R[];
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    ...executor(pg),
    // PGlite is one connection: its transaction() queues every other query until it ends,
    // which gives the same isolation the row locks give on PostgreSQL.
    transaction: (fn) => pg.transaction((tx) => fn(executor(tx))),
    ping: async () => {
      await pg.query('select 1');
    },
    close: () => pg.close(),
  };
}
