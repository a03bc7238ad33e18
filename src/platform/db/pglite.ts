import { PGlite, types } from '@electric-sql/pglite';
import type { Database, Executor, Row, Statement, Transaction } from './database.js';
import { parseInt8, sqlText, toDriverParams, TransactionFinishedError } from './database.js';

/** Embedded PostgreSQL (WASM). `dataDir` undefined keeps everything in memory (tests). */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const pg = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    parsers: { [types.INT8]: parseInt8 },
  });
  const executor = (target: Pick<PGlite, 'query' | 'exec'>): Executor => ({
    async query<R = Row>(sql: string | Statement, params?: readonly unknown[]) {
      const result = await target.query(sqlText(sql), toDriverParams(params) as unknown[]);
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
    // which gives the same isolation the row locks give on PostgreSQL. With nobody to wait for
    // its locks, queryAndCommit is the last statement; PGlite commits when `fn` returns.
    transaction: (fn) =>
      pg.transaction(async (inner) => {
        const open = executor(inner);
        let finished = false;
        const tx: Transaction = {
          query: (sql, params) => (finished ? Promise.reject(new TransactionFinishedError()) : open.query(sql, params)),
          exec: (sql) => (finished ? Promise.reject(new TransactionFinishedError()) : open.exec(sql)),
          queryAndCommit: async (sql, params) => {
            if (finished) throw new TransactionFinishedError();
            finished = true;
            return open.query(sql, params);
          },
        };
        return fn(tx);
      }),
    ping: async () => {
      await pg.query('select 1');
    },
    close: () => pg.close(),
  };
}
