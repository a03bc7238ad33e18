import { Worker } from 'node:worker_threads';
import type { Database, Row, Transaction, WatchEvent } from './database.js';
import { checkChannel, sqlText, TransactionFinishedError } from './database.js';

// The embedded database on a thread of its own. PGlite is PostgreSQL compiled to WebAssembly and
// runs on the thread that calls it: on the server's own thread, no request was read, parsed or
// answered while a statement ran, and the database and the HTTP side could not use the machine's
// two cores at once. Here the server's thread only sends each statement to the database thread
// (pglite-thread-worker.ts) and receives its rows; the socket the CLI shares runs there too.

export interface PgliteThreadOptions {
  /** Where the database lives; undefined keeps it in memory (tests). */
  dataDir?: string;
  /** Share the database with local CLI processes over this Unix socket. */
  socketPath?: string;
}

/**
 * What the server's thread asks the database thread. `tx` names an open transaction. Parameters go as
 * given (structured clone keeps bigint and Date); the thread's adapter turns them into driver values once.
 */
export type ThreadRequest =
  | { id: number; op: 'query'; sql: string; params: readonly unknown[] | undefined; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'commit' | 'rollback'; tx: number }
  | { id: number; op: 'queryAndCommit'; sql: string; params: readonly unknown[] | undefined; tx: number }
  | { id: number; op: 'watch'; channel: string }
  | { id: number; op: 'close' };

/** A request before it is numbered. */
type Unnumbered<R> = R extends unknown ? Omit<R, 'id'> : never;

/** What the database thread answers: one reply per request, plus a watch's events and the start. */
export type ThreadMessage =
  | { id: number; rows?: Row[] }
  | { id: number; error: SerializedError }
  | { watch: number; event: WatchEvent }
  | { ready: true }
  | { startError: SerializedError };

/** An error crosses the thread as its message and own fields (code, constraint…): the callers test those. */
export type SerializedError = { name: string; message: string; fields: Record<string, unknown> };

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  // Primitive fields only: PGlite's errors also carry the statement's parameters (megabytes for a batch).
  const fields = Object.fromEntries(Object.entries(error).filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value)));
  return { name: error.name, message: error.message, fields };
}

function toError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  return Object.assign(error, serialized.fields);
}

/** The database thread's own code, as TypeScript: its entry registers tsx, as bin/payouts.js does. */
const ENTRY = new URL('./pglite-thread-entry.mjs', import.meta.url);

/**
 * The thread inherits the process's Node options, except under `node --cpu-prof --cpu-prof-name=x`
 * (the benchmark's profiles): then it is given the profiler's options alone (Node refuses most
 * others for a thread), with a name of its own so that its profile goes beside the process's.
 */
function threadOptions(): { execArgv?: string[] } {
  if (!process.execArgv.some((arg) => arg.startsWith('--cpu-prof-name='))) return {};
  const profiler = process.execArgv.filter((arg) => arg.startsWith('--cpu-prof'));
  return { execArgv: profiler.map((arg) => (arg.startsWith('--cpu-prof-name=') ? arg.replace(/\.cpuprofile$/, '.database-thread.cpuprofile') : arg)) };
}

/** A request that never reached the thread (a parameter that cannot be copied to it): nothing was run. */
class NotSentError extends Error {
  constructor(cause: unknown) {
    super(`A statement could not be sent to the database thread: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Starts the database thread and answers the Database port over it once the database is open. */
export function openPgliteThread(options: PgliteThreadOptions = {}): Promise<Database> {
  const worker = new Worker(ENTRY, { workerData: options, ...threadOptions() });
  const pending = new Map<number, { resolve: (rows: Row[]) => void; reject: (error: Error) => void }>();
  const watchers = new Map<number, (event: WatchEvent) => void>();
  let nextId = 1;
  let stopped: Error | undefined;

  // Once open, the thread keeps the process alive only while an answer is awaited: an idle server
  // stays up through its HTTP server, and a CLI command ends when its last query is answered.
  let started = false;
  const send = (request: ThreadRequest) =>
    new Promise<Row[]>((resolve, reject) => {
      if (stopped) return reject(stopped);
      if (pending.size === 0 && started) worker.ref();
      pending.set(request.id, { resolve, reject });
      try {
        worker.postMessage(request);
      } catch (error) {
        settle(request.id);
        reject(new NotSentError(error));
      }
    });
  const settle = (id: number) => {
    const waiter = pending.get(id);
    pending.delete(id);
    if (pending.size === 0 && started) worker.unref();
    return waiter;
  };
  const stop = (error: Error) => {
    stopped ??= error;
    for (const id of [...pending.keys()]) settle(id)!.reject(error);
    for (const onEvent of watchers.values()) onEvent('lost');
    watchers.clear();
  };

  const ask = <R = Row>(request: Unnumbered<ThreadRequest>): Promise<R[]> => send({ ...request, id: nextId++ } as ThreadRequest) as Promise<R[]>;
  const query = <R = Row>(sql: Parameters<Database['query']>[0], params: readonly unknown[] | undefined, tx?: number) =>
    ask<R>({ op: 'query', sql: sqlText(sql), params, ...(tx === undefined ? {} : { tx }) });
  const exec = async (sql: string, tx?: number) => void (await ask({ op: 'exec', sql, ...(tx === undefined ? {} : { tx }) }));

  const database: Database = {
    kind: 'pglite',
    query: (sql, params) => query(sql, params),
    exec: (sql) => exec(sql),
    async transaction(fn) {
      const id = nextId++;
      await send({ id, op: 'begin' });
      let finished = false;
      const tx: Transaction = {
        query: (sql, params) => (finished ? Promise.reject(new TransactionFinishedError()) : query(sql, params, id)),
        exec: (sql) => (finished ? Promise.reject(new TransactionFinishedError()) : exec(sql, id)),
        queryAndCommit: <R = Row>(sql: Parameters<Database['query']>[0], params?: readonly unknown[]) => {
          if (finished) return Promise.reject(new TransactionFinishedError());
          finished = true;
          return ask<R>({ op: 'queryAndCommit', sql: sqlText(sql), params, tx: id }).catch((error: unknown) => {
            if (error instanceof NotSentError) finished = false; // still open on the thread: rolled back below
            throw error;
          });
        },
      };
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn(tx);
      } catch (error) {
        // A failed queryAndCommit has already rolled back on the database thread.
        if (!finished) await ask({ op: 'rollback', tx: id }).catch(() => {});
        throw error;
      }
      if (!finished) {
        finished = true;
        await ask({ op: 'commit', tx: id });
      }
      return result;
    },
    watch(channel, onEvent) {
      if (stopped) return onEvent('lost');
      const id = nextId++;
      watchers.set(id, onEvent);
      // The request's own answer is not awaited: its events come as messages, `resumed` included.
      send({ id, op: 'watch', channel: checkChannel(channel) }).catch(() => {});
    },
    ping: async () => void (await query('select 1', undefined)),
    close() {
      closing ??= (async () => {
        try {
          if (!stopped) await ask({ op: 'close' });
        } finally {
          stop(new Error('The embedded database is closed.'));
          await worker.terminate();
        }
      })();
      return closing;
    },
  };
  let closing: Promise<void> | undefined;

  return new Promise<Database>((resolve, reject) => {
    worker.on('message', (message: ThreadMessage) => {
      if ('ready' in message) {
        started = true;
        if (pending.size === 0) worker.unref();
        return resolve(database);
      }
      if ('startError' in message) {
        stop(toError(message.startError));
        void worker.terminate();
        return reject(toError(message.startError));
      }
      if ('watch' in message) return watchers.get(message.watch)?.(message.event);
      const waiter = settle(message.id);
      if (!waiter) return;
      if ('error' in message) waiter.reject(toError(message.error));
      else waiter.resolve(message.rows ?? []);
    });
    const died = (error: Error) => {
      const unexpected = started && !closing && !stopped;
      stop(error);
      reject(error);
      // A server whose database is gone serves nothing: fail as PGlite failing on the server's own
      // thread did, so that whatever supervises the process restarts it.
      if (unexpected) throw error;
    };
    worker.on('error', (error) => died(new Error(`The embedded database stopped: ${error.message}`)));
    worker.on('exit', (code) => died(new Error(`The embedded database stopped (its thread exited with code ${code}).`)));
  });
}
