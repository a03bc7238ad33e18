import { PGlite, type Transaction as PGliteTransaction, types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { Database, Executor, Row, Statement, Transaction } from './database.js';
import { checkChannel, parseInt8, sqlText, toDriverParams, TransactionFinishedError } from './database.js';
import { loopTurns } from './loop-turns.js';
import { preparedRunner } from './pglite-prepared.js';
import type { Turns } from './turns.js';

/**
 * Starts embedded PostgreSQL (WASM). `dataDir` undefined keeps everything in memory (tests).
 * Every instance loads the extensions the migrations create (pg_trgm for list search): the
 * server, the CLI and the tests all open the database through here.
 */
export function createPglite(dataDir: string | undefined): Promise<PGlite> {
  return PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    extensions: { pg_trgm },
    parsers: { [types.INT8]: parseInt8 },
  });
}

/** Embedded PostgreSQL as a Database. */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  return pgliteDatabase(await createPglite(dataDir));
}

/**
 * The Database port over one PGlite instance. With `turns`, every query and transaction runs in a
 * shared turn, so that clients of the shared socket (which take exclusive turns) never run inside
 * one of them, nor they inside a client's.
 */
export function pgliteDatabase(pg: PGlite, turns?: Turns): Database {
  // Each call (a statement, or a whole transaction) runs in its turn of the event loop (see
  // loop-turns.ts), and within it in a shared turn with the socket's clients.
  const loopTurn = loopTurns();
  const inTurn = turns ? <T>(fn: () => Promise<T>) => loopTurn(() => turns.shared(fn)) : <T>(fn: () => Promise<T>) => loopTurn(fn);
  const prepared = preparedRunner(pg);
  /**
   * Statements run prepared once (pglite-prepared.ts): every one inside a transaction; outside,
   * those declared with prepared() (hot, of a fixed shape, as the pg driver names them on
   * PostgreSQL), the others through PGlite's query(), planned for their values each time.
   */
  const executor = (target: PGlite | PGliteTransaction, inTransaction: boolean): Executor => ({
    async query<R = Row>(sql: string | Statement, params?: readonly unknown[]) {
      const text = sqlText(sql);
      const values = toDriverParams(params);
      if (inTransaction) {
        if (target.closed) throw new Error('Transaction is closed'); // as PGlite's tx.query() refuses
        return prepared.inTransaction<R>(text, values);
      }
      const rows = typeof sql === 'string' ? undefined : await prepared.outsideTransaction<R>(text, values);
      return rows ?? ((await target.query(text, values as unknown[])).rows as R[]);
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  });
  const outside = executor(pg, false);
  return {
    kind: 'pglite',
    query: (sql, params) => inTurn(() => outside.query(sql, params)),
    exec: (sql) => inTurn(() => outside.exec(sql)),
    // PGlite is one connection: its transaction() queues every other query until it ends,
    // which gives the same isolation the row locks give on PostgreSQL. With nobody to wait for
    // its locks, queryAndCommit is the last statement; PGlite commits when `fn` returns.
    transaction: (fn) =>
      inTurn(() =>
        pg.transaction(async (inner) => {
          const open = executor(inner, true);
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
      ),
    // PGlite is one session: a NOTIFY from the server's own work reaches pg.listen; one sent by a
    // client of the shared socket goes out on that client's socket instead. So the start and the
    // end of every client exchange count as notifications: whatever the client commits, the
    // watcher has heard of it before the server's next query runs.
    watch(channel, onEvent) {
      turns?.onExclusive(() => onEvent('notified'));
      inTurn(() => pg.listen(checkChannel(channel), () => onEvent('notified'))).then(
        () => onEvent('resumed'),
        () => onEvent('lost'),
      );
    },
    ping: () => inTurn(async () => void (await pg.query('select 1'))),
    close: () => pg.close(),
  };
}
