import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type AppInstance } from '../src/app.js';
import { createApiKey } from '../src/modules/api-keys/api-keys.service.js';
import { resolveOrganization } from '../src/modules/organizations/organizations.service.js';
import type { Database } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import { openPglite } from '../src/platform/db/pglite.js';
import { createLogger } from '../src/platform/log.js';
import { workerTasks } from '../src/worker/tasks.js';
import { type RunningWorker, startWorker } from '../src/worker/worker.js';
import { bearer, LogCapture, onPostgres, openTestDatabase, TEST_ENCRYPTION_KEYS, testConfig } from './harness.js';
import { startReceiver, type Receiver } from './receiver.js';
import { scanDatabase, scanFiles, scanForSensitive, scanText } from './sensitive-scan.js';
import { insertSignedForm, w9 } from './tax-form-fixtures.js';

const ACCOUNT_NUMBER = '40917263518';
const TIN = '521904837';

// The SPEC: no TIN, account number or webhook secret in clear anywhere in the database (every text
// column of every table), in the stored files, or in the logs. On the embedded database, its own
// files in DATA_DIR are scanned too. The lead extends this to the full browser flows.
describe('no secret or personal number in clear at rest', { timeout: 120_000 }, () => {
  let dataDir: string;
  let db: Database;
  let closeDb: () => Promise<void>;
  let app: AppInstance;
  let worker: RunningWorker;
  let receiver: Receiver;
  const logs = new LogCapture();
  const secrets: string[] = [];
  let recipientEmail: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'payouts-sensitive-'));
    if (onPostgres) {
      const testDb = await openTestDatabase();
      db = testDb.db;
      closeDb = () => testDb.close();
    } else {
      // A database on disk, so that its own files can be searched too.
      db = await openPglite(join(dataDir, 'pgdata'));
      closeDb = () => db.close();
    }
    await migrate(db);
    // At `trace`, every request and response is logged too: the most the logs can ever hold.
    const config = testConfig({ dataDir, logLevel: 'trace' });
    app = await buildApp({ config, db, logger: createLogger('trace', logs) });
    worker = startWorker({ db, config, log: app.log as never }, workerTasks(config), { loop: false });
    receiver = await startReceiver();
    const organization = await resolveOrganization(db);
    const { key } = await createApiKey(db, { organizationId: organization.id, environment: 'sandbox', name: 'scan', createdBy: 'test' });

    // A bank account set by the business.
    recipientEmail = `scan-${Date.now()}@example.com`;
    const created = await app.inject({
      method: 'POST',
      url: '/recipients',
      headers: bearer(key),
      payload: { recipients: [{ firstName: 'Jordan', lastName: 'Payee', email: recipientEmail }] },
    });
    const recipientId = created.json().data.recipients[0].id as string;
    const method = await app.inject({
      method: 'PUT',
      url: `/recipients/${recipientId}/payout-method`,
      headers: bearer(key),
      payload: {
        type: 'us_bank_account',
        accountHolderName: 'Jordan Payee',
        accountHolderType: 'individual',
        routingNumber: '011000015',
        accountNumber: ACCOUNT_NUMBER,
        accountType: 'checking',
      },
    });
    expect(method.statusCode, method.body).toBe(200);

    // A webhook subscription (idempotent: its stored answer holds the secret) and its rotation.
    const subscribed = await app.inject({
      method: 'POST',
      url: '/events/subscription',
      headers: { ...bearer(key), 'idempotency-key': 'scan-subscribe' },
      payload: { event_name: 'payout.updated', callback_url: receiver.url },
    });
    expect(subscribed.statusCode, subscribed.body).toBe(201);
    secrets.push(subscribed.json().data.secret);
    const rotated = await app.inject({
      method: 'POST',
      url: `/events/subscription/${subscribed.json().data.subscription.id}/rotate-secret`,
      headers: bearer(key),
    });
    secrets.push(rotated.json().data.secret);

    // A signed tax form, stored as the tax-forms service stores it.
    await insertSignedForm(db, { organizationId: organization.id, environment: 'sandbox' }, TEST_ENCRYPTION_KEYS, recipientId, w9({ tin: TIN }));

    // Webhooks go out (signed with both secrets) so that the worker logs its sends.
    await app.inject({
      method: 'POST',
      url: '/payments',
      headers: bearer(key),
      payload: { payouts: [{ payeeEmail: 'sandbox+completed@example.com', amount: 100 }] },
    });
    for (let i = 0; i < 200 && (await worker.tick()) > 0; i++);
    expect(receiver.deliveries().length).toBeGreaterThan(0);
  });
  let stopped = false;
  const stopApp = async () => {
    if (stopped) return;
    stopped = true;
    await worker?.stop();
    await app?.close();
  };
  afterAll(async () => {
    await stopApp();
    await receiver?.close();
    await closeDb?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const needles = () => [
    ACCOUNT_NUMBER,
    TIN,
    `${TIN.slice(0, 3)}-${TIN.slice(3, 5)}-${TIN.slice(5)}`,
    ...secrets,
    // The key material behind `whsec_`, however it were written.
    ...secrets.map((s) => s.slice('whsec_'.length)),
    ...secrets.map((s) => Buffer.from(s.slice('whsec_'.length), 'base64').toString('hex')),
  ];

  it('finds none in any text column, nor in the logs', async () => {
    expect(secrets).toHaveLength(2);
    // The scan can fail: it finds what is stored in clear on purpose (the email, the last 4).
    expect(await scanDatabase(db, [recipientEmail, TIN.slice(-4)])).toEqual(
      expect.arrayContaining([
        { where: 'recipients.email', needle: recipientEmail },
        { where: 'tax_forms.tin_last4', needle: TIN.slice(-4) },
      ]),
    );
    // The logs hold the requests (control), not what they carried.
    expect(scanText('logs', logs.text, [`/recipients/`])).toHaveLength(1);
    expect(await scanForSensitive({ db, folders: [dataDir], logs: logs.text, needles: needles() })).toEqual([]);
  });

  it.skipIf(onPostgres)("finds none in the embedded database's own files", async () => {
    await stopApp();
    await db.query('checkpoint');
    await closeDb();
    closeDb = async () => {};
    // The control: the files do hold what is stored in clear.
    expect(scanFiles([dataDir], [recipientEmail]).length).toBeGreaterThan(0);
    expect(scanFiles([dataDir], needles())).toEqual([]);
  });
});
