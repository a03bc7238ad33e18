import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import type { Database } from './platform/db/database.js';
import { migrate } from './platform/db/migrate.js';
import { type OpenOptions, openDatabase } from './platform/db/open.js';
import { encryptionKeysOf, withEncryptionKeys } from './platform/encryption-key.js';
import { withLinkSecret } from './platform/links.js';
import { createLogger } from './platform/log.js';
import { presetAchSettings } from './modules/ach/index.js';
import { resolveOrganization } from './modules/organizations/index.js';
import { issueSetupToken } from './modules/users/users.service.js';
import { sealClearWebhookSecrets } from './modules/webhooks/index.js';
import { closeHandshakeClients } from './modules/webhooks/webhooks.service.js';
import { startSchedule } from './platform/schedule/schedule.js';
import { periodicTasks } from './worker/schedule.js';
import { workerTasks } from './worker/tasks.js';
import { startWorker } from './worker/worker.js';

export interface Runtime {
  /** Stops accepting work, lets in-flight requests and worker steps finish, closes the database. */
  shutdown(): Promise<void>;
  url?: string;
}

/**
 * Opens the database and brings its schema up to date; every command starts here. A server
 * (`options.share`) shares the embedded database with CLI commands run while it runs.
 */
export async function openAndMigrate(config: Readonly<Config>, options: OpenOptions = {}): Promise<Database> {
  const db = await openDatabase(config, options);
  try {
    await migrate(db);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * On an installation without users, prints a one-time link that lets whoever reads this log (the
 * person who controls the server) create the first admin. Nobody else can claim the installation.
 */
async function announceSetupToken(db: Database, config: Readonly<Config>, logger: Logger): Promise<void> {
  const token = await issueSetupToken(db);
  if (!token) return;
  logger.warn(
    `First run: open ${config.publicUrl}/?setup=${token} to create the first dashboard admin (the link works for 24 hours, until an admin exists; keep it private). Or run: npx payouts users create --email … --password … --role admin`,
  );
}

export async function startServer(
  configured: Readonly<Config>,
  roles: { api: boolean; worker: boolean },
  logger: Logger = createLogger(configured.logLevel),
): Promise<Runtime> {
  const db = await openAndMigrate(configured, { share: true, warn: (message) => logger.warn(message) });
  // Resolved once the data folder exists with its permissions: the generated secrets live in it.
  let config: Readonly<Config>;
  try {
    config = withEncryptionKeys(withLinkSecret(configured), (message) => logger.warn(message));
  } catch (error) {
    await db.close();
    throw error;
  }
  try {
    // Webhook secrets stored before they were encrypted are sealed now, before anything signs
    // with them (each row once, however many processes start together).
    const sealed = await sealClearWebhookSecrets(db, encryptionKeysOf(config));
    if (sealed.resealed > 0) logger.info(`Encrypted ${sealed.resealed} webhook signing secret(s) stored in clear by an earlier version.`);
    // The ACH_* variables preset the default organization's bank settings (once).
    if (config.achOdfiRouting) await presetAchSettings(db, config, (await resolveOrganization(db)).id);
  } catch (error) {
    await db.close();
    throw error;
  }
  const app = roles.api ? await buildApp({ config, db, logger }) : undefined;
  const worker = roles.worker ? startWorker({ db, config, log: logger }, workerTasks(config)) : undefined;
  // Periodic tasks run where the worker runs (an API-only process has none).
  const schedule = roles.worker ? startSchedule({ db, config, log: logger }, periodicTasks) : undefined;
  let url: string | undefined;
  try {
    if (app) {
      url = await app.listen({ port: config.port, host: config.host });
      await announceSetupToken(db, config, logger);
    }
  } catch (error) {
    await schedule?.stop();
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
        await schedule?.stop();
        await worker?.stop();
        await closeHandshakeClients();
        await db.close();
      })()),
  };
}
