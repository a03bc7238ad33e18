import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import type { Database } from './platform/db/database.js';
import { migrate } from './platform/db/migrate.js';
import { openDatabase } from './platform/db/open.js';
import { withLinkSecret } from './platform/links.js';
import { createLogger } from './platform/log.js';
import { closeHandshakeClients } from './modules/webhooks/webhooks.service.js';
import { workerTasks } from './worker/tasks.js';
import { startWorker } from './worker/worker.js';

export interface Runtime {
  /** Stops accepting work, lets in-flight requests and worker steps finish, closes the database. */
  shutdown(): Promise<void>;
  url?: string;
}

/** Opens the database and brings its schema up to date; every command starts here. */
export async function openAndMigrate(config: Readonly<Config>): Promise<Database> {
  const db = await openDatabase(config);
  try {
    await migrate(db);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

export async function startServer(configured: Readonly<Config>, roles: { api: boolean; worker: boolean }, logger: Logger = createLogger(configured.logLevel)): Promise<Runtime> {
  const config = withLinkSecret(configured);
  const db = await openAndMigrate(config);
  const app = roles.api ? await buildApp({ config, db, logger }) : undefined;
  const worker = roles.worker ? startWorker({ db, config, log: logger }, workerTasks(config)) : undefined;
  let url: string | undefined;
  try {
    if (app) url = await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await worker?.stop();
    await db.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    shutdown: () =>
      (closing ??= (async () => {
        await app?.close();
        await worker?.stop();
        await closeHandshakeClients();
        await db.close();
      })()),
  };
}
