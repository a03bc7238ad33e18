import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../config.js';
import type { Database } from './database.js';
import { prepareDataDir, socketPathFor, tightenDataDir } from './data-dir.js';
import { DataDirInUseError, lockDataDir } from './data-dir-lock.js';
import { openPgliteThread } from './pglite-thread.js';
import { openPostgres } from './postgres.js';

export interface OpenOptions {
  /**
   * The server: own the embedded database and share it with local CLI processes over a Unix
   * socket in DATA_DIR. Without it (the CLI), a database a running server owns is reached through
   * that socket, and otherwise opened directly.
   */
  share?: boolean;
  /** Told what does not stop the start but should be known (e.g. no socket for the CLI). */
  warn?: (message: string) => void;
}

/** How long the CLI waits for a server that is starting (locked, socket not there yet) or for another CLI. */
const WAIT_FOR_OWNER_MS = 15_000;
const POLL_MS = 100;

/** Opens the configured database: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'dataDir'>, options: OpenOptions = {}): Promise<Database> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, config.databasePoolSize);
  const dir = prepareDataDir(config.dataDir);
  if (options.share) return openOwned(dir, { share: true, warn: options.warn ?? (() => {}) });
  return openAsClient(dir);
}

/** Takes the data-dir lock and opens PGlite on its own thread (which, to share, also serves the socket). */
async function openOwned(dir: string, options: { share: boolean; warn: (message: string) => void }): Promise<Database> {
  const release = lockDataDir(dir);
  try {
    tightenDataDir(dir);
    const where = options.share ? socketPathFor(dir) : undefined;
    if (where && 'problem' in where) options.warn(where.problem);
    const db = await openPgliteThread({ dataDir: dir, ...(where && 'path' in where ? { socketPath: where.path } : {}) });
    tightenDataDir(dir); // PGlite creates a new database's files world-writable
    return {
      ...db,
      close: async () => {
        try {
          await db.close();
          tightenDataDir(dir);
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * The CLI: opens the embedded database directly when nobody holds it, or goes through the socket
 * of the running server that holds it. Waits a little for a server that is still starting, or for
 * another CLI command to finish.
 */
async function openAsClient(dir: string): Promise<Database> {
  const deadline = Date.now() + WAIT_FOR_OWNER_MS;
  for (;;) {
    try {
      return await openOwned(dir, { share: false, warn: () => {} });
    } catch (error) {
      if (!(error instanceof DataDirInUseError)) throw error;
      const where = socketPathFor(dir);
      if ('problem' in where) throw new DataDirInUseError(`${error.message} ${where.problem}`, error.owner);
      if (existsSync(where.path)) return openPostgres({ socketPath: where.path }, 1);
      if (Date.now() >= deadline) {
        throw new DataDirInUseError(
          `The embedded database in ${dir} is in use by another process (pid ${error.owner}) that does not share it ` +
            '(a payouts server shares it with the CLI through a socket in DATA_DIR once it has started). ' +
            'Stop that process, or set DATABASE_URL to use PostgreSQL, which any number of processes can share.',
          error.owner,
        );
      }
      await sleep(POLL_MS);
    }
  }
}
