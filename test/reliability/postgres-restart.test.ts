import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/modules/api-keys/api-keys.service.js';
import { resolveOrganization } from '../../src/modules/organizations/organizations.service.js';
import type { Database } from '../../src/platform/db/database.js';
import { migrate } from '../../src/platform/db/migrate.js';
import { openPostgres } from '../../src/platform/db/postgres.js';
import { expectLedgerConsistent } from '../payout-helpers.js';
import {
  expectErrorEnvelope,
  expectNothingDuplicated,
  freePortBetween,
  http,
  type HttpAnswer,
  openServiceDatabase,
  type PrivatePostgres,
  Processes,
  scalar,
  type ServiceDatabase,
  sleep,
  startPrivatePostgres,
  TEST_DATABASE_URL,
  waitFor,
} from './support.js';

// The service (API and worker in one process) runs on a private PostgreSQL server while clients
// keep creating payouts; the server is stopped and started again under it. The service must say
// it is unhealthy during the outage, come back by itself, and keep every payout it acknowledged.

interface Outcome {
  phase: 'before' | 'outage' | 'after';
  answer?: HttpAnswer;
  failure?: string;
}

describe('PostgreSQL restarted under load', () => {
  const processes = new Processes();
  let server: PrivatePostgres | undefined;
  let db: Database | undefined;
  let database: ServiceDatabase | undefined;
  let lockClient: pg.Client | undefined;
  let stopLoad: (() => Promise<void>) | undefined;

  afterEach(async () => {
    await stopLoad?.();
    stopLoad = undefined;
    await lockClient?.end().catch(() => {});
    lockClient = undefined;
    await processes.dispose();
    await db?.close().catch(() => {});
    db = undefined;
    await database?.close();
    database = undefined;
    await server?.destroy();
    server = undefined;
  });

  // What a restart does to the service's connections, made deterministic: the worker is held
  // inside a transaction (by a lock the test takes) and its connection is cut under it, as a
  // server restart, a failover or an administrator's pg_terminate_backend would.
  it.skipIf(!TEST_DATABASE_URL)('survives a database connection cut in the middle of a transaction', async ({ onTestFailed }) => {
    onTestFailed(() => console.error(processes.outputs()));
    database = await openServiceDatabase();
    const key = await database.createKey('sandbox');
    const service = await processes.start('serve', { databaseUrl: database.url, sandboxDelayMs: 0, leaseSeconds: 2 });
    lockClient = new pg.Client({ connectionString: database.url });
    await lockClient.connect();
    await lockClient.query('begin');
    // The worker's step writes events; creating a batch does not, so only the worker waits.
    await lockClient.query('lock table events in share mode');
    const created = await http(service.url, 'POST', '/payments', { key, body: { payouts: [{ payeeEmail: 'cut@example.com', amount: 100 }] } });
    expect(created.status).toBe(201);
    const waiting = () =>
      lockClient!.query<{ pid: number }>(
        `select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
      );
    const [blocked] = await waitFor('the worker to wait inside its transaction', async () => ((await waiting()).rows[0] ? (await waiting()).rows : undefined), {
      timeoutMs: 30_000,
      intervalMs: 20,
    });
    await lockClient.query('select pg_terminate_backend($1)', [blocked!.pid]);
    await lockClient.query('rollback');
    await Promise.race([service.exited, sleep(2_000)]);
    expect(processes.isRunning(service), `the service died when a connection was cut:\n${service.output().slice(-3000)}`).toBe(true);
    expect((await http(service.url, 'GET', '/healthz')).status).toBe(200);
    const id = created.json.data.payouts[0].id;
    await waitFor(
      'the payout to complete after all',
      async () => (await http(service.url, 'GET', `/payments/${id}`, { key })).json.data.status === 'completed',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  });

  it.skipIf(!TEST_DATABASE_URL)(
    'reports unhealthy during the outage, recovers without a restart and loses no acknowledged payout',
    async ({ onTestFailed }) => {
      onTestFailed(() => console.error(processes.outputs()));
      server = await startPrivatePostgres(await freePortBetween(55450, 55499));
      const name = `payouts_restart_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(server.url);
      url.pathname = `/${name}`;
      const setup = await openPostgres(url.toString(), 2);
      await migrate(setup);
      const { key } = await createApiKey(setup, {
        organizationId: (await resolveOrganization(setup)).id,
        environment: 'sandbox',
        name: 'restart',
        createdBy: 'reliability suite',
      });
      await setup.close();

      const service = await processes.start('serve', { databaseUrl: url.toString(), sandboxDelayMs: 20, leaseSeconds: 2 });
      expect((await http(service.url, 'GET', '/healthz')).status).toBe(200);

      // Clients that keep creating small batches; every answer (or failure to answer) is kept.
      let phase: Outcome['phase'] = 'before';
      let loading = true;
      const outcomes: Outcome[] = [];
      let n = 0;
      const client = async () => {
        while (loading) {
          const i = n++;
          const current = phase;
          const payouts = [{ payeeEmail: `restart-${i}@example.com`, amount: 100 + (i % 50), referenceId: `restart-${i}` }];
          try {
            outcomes.push({ phase: current, answer: await http(service.url, 'POST', '/payments', { key, body: { payouts }, timeoutMs: 20_000 }) });
          } catch (error) {
            outcomes.push({ phase: current, failure: String(error) });
          }
          await sleep(20);
        }
      };
      const clients = Array.from({ length: 4 }, client);
      stopLoad = async () => {
        loading = false;
        await Promise.all(clients);
      };
      const created = (p: Outcome['phase']) => outcomes.filter((o) => o.phase === p && o.answer?.status === 201).length;
      await waitFor('payouts created before the outage', () => created('before') >= 20, { timeoutMs: 30_000 });

      // Outage: while the server is down the service reports 503 on /healthz, in the error envelope.
      phase = 'outage';
      await server.stop();
      const outageStarted = Date.now();
      const healthDuringOutage: HttpAnswer[] = [];
      while (Date.now() - outageStarted < 4_000 && processes.isRunning(service)) {
        try {
          healthDuringOutage.push(await http(service.url, 'GET', '/healthz', { timeoutMs: 10_000 }));
        } catch {
          await Promise.race([service.exited, sleep(2_000)]); // no answer at all: did the service die?
          break;
        }
        await sleep(200);
      }
      expect(processes.isRunning(service), `the service died when its database went away:\n${service.output().slice(-3000)}`).toBe(true);
      expect(healthDuringOutage.length).toBeGreaterThan(5);
      for (const health of healthDuringOutage) {
        expect(health.status).toBe(503);
        expectErrorEnvelope(health, 'GET /healthz during the outage');
        expect(health.json.error.code).toBe('service_unavailable');
      }

      // Recovery: the server comes back, and the same process reports healthy again by itself.
      await server.start();
      phase = 'after';
      await waitFor('/healthz to answer 200 again', async () => (await http(service.url, 'GET', '/healthz', { timeoutMs: 5_000 })).status === 200, {
        timeoutMs: 60_000,
        intervalMs: 250,
      });
      expect(processes.isRunning(service)).toBe(true);
      await waitFor('payouts created after the recovery', () => created('after') >= 20, { timeoutMs: 60_000 });
      await stopLoad();

      // The service always answered: a 201, or an error in the documented envelope. While the
      // database was away, requests failed with a 5xx rather than hanging or being acknowledged.
      expect(outcomes.filter((o) => o.failure).map((o) => o.failure)).toEqual([]);
      for (const o of outcomes) {
        if (o.answer!.status === 201) continue;
        expectErrorEnvelope(o.answer!, `POST /payments (${o.phase})`);
        expect(o.answer!.status, `${o.phase}: ${o.answer!.text}`).toBeGreaterThanOrEqual(500);
      }
      expect(outcomes.filter((o) => o.phase === 'outage' && o.answer!.status !== 201).length).toBeGreaterThan(0);

      // Nothing acknowledged was lost: every 201's payout is there and the worker, which lived
      // through the outage too, takes it to completed.
      const acknowledged: string[] = outcomes
        .filter((o) => o.answer?.status === 201)
        .flatMap((o) => o.answer!.json.data.payouts.map((p: { id: string }) => p.id));
      expect(new Set(acknowledged).size).toBe(acknowledged.length);
      db = await openPostgres(url.toString(), 4);
      const checker = db;
      await waitFor(
        'every acknowledged payout to complete',
        async () =>
          (await scalar(checker, `select count(*) as n from payouts where id = any($1::uuid[]) and status = 'completed'`, [acknowledged])) ===
          acknowledged.length,
        { timeoutMs: 90_000, intervalMs: 500 },
      );
      for (const id of acknowledged) {
        const payment = await http(service.url, 'GET', `/payments/${id}`, { key });
        expect(payment.status, id).toBe(200);
        expect(payment.json.data.statusUpdates.map((u: { status: string }) => u.status)).toEqual(['created', 'pending', 'processing', 'completed']);
      }
      await expectNothingDuplicated(checker);
      await expectLedgerConsistent(checker);
      console.info(
        `postgres restart: ${acknowledged.length} acknowledged payouts (${created('before')} before, ${created('outage')} during, ${created('after')} after the outage); ` +
          `${outcomes.filter((o) => o.answer && o.answer.status >= 500).length} requests failed with 5xx; ${healthDuringOutage.length} health checks during the outage`,
      );
    },
  );
});
