import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import type { Database, Executor, Row, Transaction } from './database.js';
import { createPglite, pgliteDatabase } from './pglite.js';
import { type SharedSocket, shareOverSocket } from './pglite-share.js';
import { type PgliteThreadOptions, serializeError, type ThreadMessage, type ThreadRequest } from './pglite-thread.js';
import { Turns } from './turns.js';

// The database thread: owns PGlite (and the socket shared with the CLI) and runs what the
// server's thread asks, in the order it asks. A transaction's statements run inside PGlite's
// transaction(), which keeps every other statement out until the request that ends it.

const port = parentPort!;
const post = (message: ThreadMessage) => port.postMessage(message);
const NOT_OPEN = serializeError(new Error('That transaction is no longer open.'));

/** An open transaction: its statements run on `tx`; `end` commits (with rows to answer) or rolls back. */
interface OpenTransaction {
  tx: Transaction;
  end(request: number, outcome: { rows?: Row[] } | { error: unknown }): void;
}

/** The rejection that makes PGlite roll back a transaction the server's thread asked to roll back. */
class RollbackRequested extends Error {}

async function start(options: PgliteThreadOptions): Promise<void> {
  let pg: PGlite | undefined;
  let socket: SharedSocket | undefined;
  try {
    pg = await createPglite(options.dataDir);
    const turns = options.socketPath ? new Turns() : undefined;
    const db = pgliteDatabase(pg, turns);
    if (turns && options.socketPath) socket = await shareOverSocket(pg, turns, options.socketPath);
    serve(db, async () => {
      await socket?.close();
      await db.close();
    });
    post({ ready: true });
  } catch (error) {
    await socket?.close().catch(() => {});
    await pg?.close().catch(() => {});
    post({ startError: serializeError(error) });
  }
}

function serve(db: Database, close: () => Promise<void>): void {
  const open = new Map<number, OpenTransaction>();
  const answer = (id: number, work: Promise<Row[] | undefined>) =>
    void work.then(
      (rows) => post(rows ? { id, rows } : { id }),
      (error) => post({ id, error: serializeError(error) }),
    );

  /** Opens a transaction; `begin`'s answer comes once PGlite has begun it, the outcome to the request that ends it. */
  function begin(id: number): void {
    let endedBy: number | undefined;
    const outcome = db.transaction(
      (tx) =>
        new Promise<Row[] | undefined>((commit, rollback) => {
          open.set(id, {
            tx,
            end(request, result) {
              open.delete(id);
              endedBy = request;
              if ('error' in result) rollback(result.error);
              else commit(result.rows);
            },
          });
          post({ id });
        }),
    );
    outcome.then(
      (rows) => post(rows ? { id: endedBy!, rows } : { id: endedBy! }),
      (error) => {
        open.delete(id);
        if (endedBy === undefined)
          post({ id, error: serializeError(error) }); // it never began
        else post(error instanceof RollbackRequested ? { id: endedBy } : { id: endedBy, error: serializeError(error) });
      },
    );
  }

  const executorFor = (tx: number | undefined): Executor | undefined => (tx === undefined ? db : open.get(tx)?.tx);

  port.on('message', (request: ThreadRequest) => {
    switch (request.op) {
      case 'query': {
        const target = executorFor(request.tx);
        return target ? answer(request.id, target.query(request.sql, request.params)) : post({ id: request.id, error: NOT_OPEN });
      }
      case 'exec': {
        const target = executorFor(request.tx);
        return target
          ? answer(
              request.id,
              target.exec(request.sql).then(() => undefined),
            )
          : post({ id: request.id, error: NOT_OPEN });
      }
      case 'begin':
        return begin(request.id);
      case 'commit':
      case 'rollback': {
        const transaction = open.get(request.tx);
        if (!transaction) return post({ id: request.id, error: NOT_OPEN });
        return transaction.end(request.id, request.op === 'commit' ? {} : { error: new RollbackRequested() });
      }
      case 'queryAndCommit': {
        const transaction = open.get(request.tx);
        if (!transaction) return post({ id: request.id, error: NOT_OPEN });
        open.delete(request.tx); // nothing may follow its last statement
        return void transaction.tx.queryAndCommit(request.sql, request.params).then(
          (rows) => transaction.end(request.id, { rows }),
          (error) => transaction.end(request.id, { error }),
        );
      }
      case 'watch':
        db.watch(request.channel, (event) => post({ watch: request.id, event }));
        return post({ id: request.id });
      case 'close':
        return answer(
          request.id,
          close().then(() => undefined),
        );
    }
  });
}

await start(workerData as PgliteThreadOptions);
