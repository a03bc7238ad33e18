import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';
import { PREPARED_NAME_PREFIX } from './pglite-prepared.js';
import type { Turns } from './turns.js';

// Sharing the embedded database with local CLI processes over a Unix socket in DATA_DIR.
//
// pglite-socket's own server is not safe next to in-process work: it runs each wire message under
// PGlite's query lock only, so the server's own transaction could run inside a client's
// BEGIN … COMMIT (or a client's statements inside the server's), and even outside transactions
// another query could run between a client's Parse and its Sync. We keep its per-connection
// protocol handler (message framing, SSL refusal, disconnects) and give it our own queue: a client
// holds an exclusive turn on PGlite from its first message until an exchange ends (Query or Sync
// answered) outside a transaction block. The server's queries take shared turns (see turns.ts).

/** More CLI connections than this at once get a clear error (each one waits its turn anyway). */
const MAX_CONNECTIONS = 8;

/** Every prepared statement but the server's own (pglite-prepared.ts). */
const DEALLOCATE_CLIENT_STATEMENTS = `do $$
  declare statement record;
  begin
    for statement in select name from pg_prepared_statements where not starts_with(name, '${PREPARED_NAME_PREFIX}') loop
      execute format('deallocate %I', statement.name);
    end loop;
  end $$`;
/** A client that stops talking mid-transaction is dropped (and rolled back) after this long. */
const IDLE_TIMEOUT_MS = 30_000;

const QUERY = 0x51; // 'Q'
const SYNC = 0x53; // 'S'
const FUNCTION_CALL = 0x46; // 'F'
const PROTOCOL_3 = 196_608;

const isStartup = (message: Uint8Array) =>
  message.length >= 8 && new DataView(message.buffer, message.byteOffset, message.byteLength).getInt32(4) === PROTOCOL_3;
/** Messages PostgreSQL answers with ReadyForQuery: after one of them the client's exchange is over. */
const endsExchange = (message: Uint8Array) => isStartup(message) || message[0] === QUERY || message[0] === SYNC || message[0] === FUNCTION_CALL;

/** The queue interface PGLiteSocketHandler calls (its QueryQueueManager's public methods). */
interface HandlerQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  clearQueueForHandler(handlerId: number): void;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
}

class ExclusiveSessionQueue implements HandlerQueue {
  #owner: number | undefined;
  readonly #clients = new Map<number, { pending: number; tail: Promise<unknown> }>();
  /** Clients that disconnected: their messages still queued are refused. */
  readonly #gone = new Set<number>();
  readonly #waiting = new Map<number, { cancelled: boolean; reject: (error: Error) => void }>();

  constructor(
    private readonly pg: PGlite,
    private readonly turns: Turns,
  ) {}

  /**
   * Runs one message of a client. The handler can hand us a client's next message before the
   * previous one finished (each socket 'data' event starts its own processing), so each client's
   * messages are chained, and the turn is given back only when an exchange has ended outside a
   * transaction with nothing more of that client waiting.
   */
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    const client = this.#clients.get(handlerId) ?? { pending: 0, tail: Promise.resolve() as Promise<unknown> };
    this.#clients.set(handlerId, client);
    client.pending++;
    const result = client.tail.then(() => this.#run(handlerId, message, onData));
    const finished = () => {
      client.pending--;
      if (client.pending === 0 && this.#clients.get(handlerId) === client) this.#clients.delete(handlerId);
    };
    client.tail = result.then(finished, finished);
    return result;
  }

  async #run(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    if (this.#gone.has(handlerId)) throw new Error('Handler disconnected');
    if (this.#owner !== handlerId) {
      await this.#acquire(handlerId);
      this.#owner = handlerId;
    }
    let bytes = 0;
    try {
      await this.pg.runExclusive(() =>
        this.pg.execProtocolRawStream(message, {
          onRawData: (data) => {
            bytes += data.length;
            onData(data);
          },
        }),
      );
    } catch (error) {
      await this.#end(handlerId);
      throw error;
    }
    // PGlite is one session for every client: named prepared statements a previous client left
    // behind would collide with the same names prepared by the next one. The server's own stay.
    if (isStartup(message)) await this.pg.exec(DEALLOCATE_CLIENT_STATEMENTS);
    const moreFromThisClient = (this.#clients.get(handlerId)?.pending ?? 0) > 1;
    if (endsExchange(message) && !moreFromThisClient && !this.pg.isInTransaction()) this.#release(handlerId);
    return bytes;
  }

  clearQueueForHandler(handlerId: number): void {
    this.#gone.add(handlerId);
    const waiting = this.#waiting.get(handlerId);
    if (!waiting) return;
    waiting.cancelled = true;
    this.#waiting.delete(handlerId);
    waiting.reject(new Error('Handler disconnected'));
  }

  /** The client went away: roll back what it left open and give the turn back. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    await this.#clients.get(handlerId)?.tail; // its messages already handed over run (or fail) first
    this.#gone.delete(handlerId);
    await this.#end(handlerId);
  }

  #acquire(handlerId: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiting = { cancelled: false, reject };
      this.#waiting.set(handlerId, waiting);
      void this.turns.enterExclusive().then(() => {
        if (waiting.cancelled) return this.turns.leaveExclusive();
        this.#waiting.delete(handlerId);
        resolve();
      });
    });
  }

  async #end(handlerId: number): Promise<void> {
    if (this.#owner !== handlerId) return;
    try {
      if (this.pg.isInTransaction()) await this.pg.exec('rollback');
    } finally {
      this.#release(handlerId);
    }
  }

  #release(handlerId: number): void {
    if (this.#owner !== handlerId) return;
    this.#owner = undefined;
    this.turns.leaveExclusive();
  }
}

/** PostgreSQL's ErrorResponse, so a refused client (pg) shows a readable message. */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

export interface SharedSocket {
  close(): Promise<void>;
}

/**
 * Listens on `socketPath` (a file in the owner-only DATA_DIR, made 0600) and serves the PostgreSQL
 * protocol from `pg`, taking turns with the server's own work through `turns`.
 */
export async function shareOverSocket(pg: PGlite, turns: Turns, socketPath: string): Promise<SharedSocket> {
  const queue = new ExclusiveSessionQueue(pg, turns);
  const handlers = new Set<PGLiteSocketHandler>();
  const server = createServer((socket: Socket) => {
    if (handlers.size >= MAX_CONNECTIONS) {
      socket.end(errorResponse('53300', `The payouts server accepts ${MAX_CONNECTIONS} CLI connections at a time; try again in a moment.`));
      return;
    }
    const handler = new PGLiteSocketHandler({
      // The handler only calls the three queue methods above; ours replaces the library's queue.
      queryQueue: queue as unknown as ConstructorParameters<typeof PGLiteSocketHandler>[0]['queryQueue'],
      closeOnDetach: true,
      idleTimeout: IDLE_TIMEOUT_MS,
    });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    void handler.attach(socket);
  });
  removeStaleSocket(socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o600);
  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...handlers].map((handler) => handler.detach(true)));
      handlers.clear();
      await closed;
      removeStaleSocket(socketPath);
    },
  };
}

/** Only the process holding the data-dir lock calls this, so a socket file here is a dead server's. */
export function removeStaleSocket(socketPath: string): void {
  try {
    unlinkSync(socketPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
