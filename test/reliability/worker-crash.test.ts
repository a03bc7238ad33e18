import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { PayoutStatus } from '../../src/modules/payouts/state.js';
import { verifyWebhook } from '../../src/modules/webhooks/verify-webhook.js';
import { expectLedgerConsistent } from '../payout-helpers.js';
import { type Receiver, type ReceivedRequest, startReceiver } from '../receiver.js';
import {
  expectNothingDuplicated,
  expectPostingsMatchHistories,
  http,
  Processes,
  type ServiceDatabase,
  type ServiceSettings,
  openServiceDatabase,
  scalar,
  statusHistories,
  TEST_DATABASE_URL,
  waitFor,
} from './support.js';

// A 5,000-payout sandbox batch, worked by one worker process at a time, which is killed with
// SIGKILL twice at the worst moments we can arrange:
//   1. between claiming payouts and committing their next step (its transaction is held open by a
//      table lock the test takes, so the claim is committed and the step is not);
//   2. while it is sending webhooks (the receiver holds the requests open, so they are received
//      but never acknowledged).
// Each time a new worker is started. Everything must still end exactly as if nothing happened.

const PAYOUTS = 5_000;
const OPENING_BALANCE = 100_000_000;
const PATHS: Record<string, PayoutStatus[]> = {
  completed: ['created', 'pending', 'processing', 'completed'],
  failed: ['created', 'pending', 'processing', 'failed'],
  returned: ['created', 'pending', 'processing', 'completed', 'returned'],
  canceled: ['created', 'canceled'],
};
const scenarioOf = (i: number) => (['failed', 'returned', 'canceled'] as const)[i % 10] ?? 'completed';
const emailOf = (i: number) => (scenarioOf(i) === 'completed' ? `payee${i}@example.com` : `sandbox+${scenarioOf(i)}@p${i}.example.com`);
const amountOf = (i: number) => 100 + (i % 97);

describe('a worker killed with SIGKILL in the middle of a 5,000-payout batch', () => {
  const processes = new Processes();
  let database: ServiceDatabase | undefined;
  let receiver: Receiver | undefined;
  let lockClient: pg.Client | undefined;

  afterEach(async () => {
    await lockClient?.end().catch(() => {});
    await processes.dispose();
    await receiver?.close();
    await database?.close();
  });

  it.skipIf(!TEST_DATABASE_URL)(
    'finishes every payout exactly once after restarts, with a balanced ledger and every webhook delivered',
    async ({ onTestFailed }) => {
      onTestFailed(() => console.error(processes.outputs()));
      database = await openServiceDatabase();
      const db = database.db;
      const key = await database.createKey('sandbox');
      receiver = await startReceiver();
      const settings: ServiceSettings = { databaseUrl: database.url, sandboxDelayMs: 20, workerPollMs: 25, leaseSeconds: 2 };
      const api = await processes.start('api', settings);

      const subscription = await http(api.url, 'POST', '/events/subscription', { key, body: { event_name: 'payout.updated', callback_url: receiver.url } });
      expect(subscription.status).toBe(201);
      const secret: string = subscription.json.data.secret;

      const items = Array.from({ length: PAYOUTS }, (_, i) => ({ payeeEmail: emailOf(i), amount: amountOf(i), referenceId: `ref-${i}` }));
      const created = await http(api.url, 'POST', '/payments', { key, body: { payouts: items }, timeoutMs: 120_000 });
      expect(created.status).toBe(201);
      const payouts: { id: string; referenceId: string; amount: number }[] = created.json.data.payouts;
      expect(payouts).toHaveLength(PAYOUTS);
      const scenarioById = new Map(payouts.map((p, i) => [p.id, scenarioOf(i)]));
      const expectedChanges = payouts.reduce((n, _p, i) => n + PATHS[scenarioOf(i)]!.length - 1, 0);
      const changes = () => scalar(db, 'select count(*) as n from payout_status_updates where sequence > 1');

      // Kill 1: the worker has claimed payouts and is inside the transaction that records their
      // next step, blocked on a lock the test holds.
      const worker1 = await processes.start('worker', settings);
      await waitFor('15% of the status changes', async () => (await changes()) >= expectedChanges * 0.15, { timeoutMs: 120_000 });
      lockClient = new pg.Client({ connectionString: database.url });
      await lockClient.connect();
      await lockClient.query('begin');
      await lockClient.query('lock table payout_status_updates in share mode');
      await waitFor(
        'the worker to block inside its step transaction',
        async () =>
          (await scalar(db, `select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)) > 0 &&
          (await scalar(db, `select count(*) as n from payouts where lease_owner like $1`, [`%:${worker1.pid}:%`])) > 0,
        { timeoutMs: 30_000, intervalMs: 20 },
      );
      await processes.kill9(worker1);
      const changesAtKill1 = await changes();
      await lockClient.query('rollback');
      await lockClient.end();
      lockClient = undefined;
      // The dead worker left claimed payouts behind, and its open transaction never commits.
      const abandonedPayouts = await scalar(db, `select count(*) as n from payouts where lease_owner like $1`, [`%:${worker1.pid}:%`]);
      expect(abandonedPayouts).toBeGreaterThan(0);
      expect(changesAtKill1).toBeLessThan(expectedChanges);

      // Kill 2: the worker is in the middle of sending webhooks, which the receiver never answers.
      const worker2 = await processes.start('worker', settings);
      await waitFor('half of the status changes', async () => (await changes()) >= expectedChanges * 0.5, { timeoutMs: 120_000 });
      const hung: ReceivedRequest[] = [];
      receiver.respondWith((request) => {
        hung.push(request);
        return 'hang';
      });
      await waitFor('webhooks in flight', () => hung.length > 0, { timeoutMs: 30_000, intervalMs: 10 });
      await processes.kill9(worker2);
      receiver.respondWith(() => ({ status: 200, body: '{"ok":true}' }));
      const abandonedDeliveries = await scalar(db, `select count(*) as n from webhook_deliveries where lease_owner like $1 and status = 'pending'`, [
        `%:${worker2.pid}:%`,
      ]);
      expect(abandonedDeliveries).toBeGreaterThan(0);
      expect(await changes()).toBeLessThan(expectedChanges);

      // A third worker picks everything up once the dead workers' leases run out.
      await processes.start('worker', settings);
      await waitFor(
        'every payout to reach its outcome and every webhook to be delivered',
        async () =>
          (await changes()) === expectedChanges &&
          (await scalar(db, `select count(*) as n from webhook_deliveries where status <> 'delivered'`)) === 0 &&
          (await scalar(db, `select count(*) as n from webhook_deliveries`)) === expectedChanges,
        { timeoutMs: 150_000, intervalMs: 500 },
      );

      // Every payout went through its scenario's path exactly once: no step lost, none repeated.
      const histories = await statusHistories(db);
      expect(histories.size).toBe(PAYOUTS);
      const wrongPaths = [...scenarioById].filter(([id, scenario]) => JSON.stringify(histories.get(id)) !== JSON.stringify(PATHS[scenario]));
      expect(wrongPaths.slice(0, 5)).toEqual([]);
      await expectNothingDuplicated(db);

      // The ledger sums to zero, every balance matches its entries, and the payouts' postings match
      // their histories; the balance is what the outcomes say it must be.
      await expectLedgerConsistent(db);
      await expectPostingsMatchHistories(db);
      const paidOut = payouts.reduce((sum, p, i) => sum + (scenarioOf(i) === 'completed' ? p.amount : 0), 0);
      const balance = await http(api.url, 'GET', '/balance', { key });
      expect(balance.json.data).toMatchObject({ available: OPENING_BALANCE - paidOut, held: 0, paidOut });
      for (const i of [0, 1, 2, 3, 1234, PAYOUTS - 1]) {
        const payment = await http(api.url, 'GET', `/payments/${payouts[i]!.id}`, { key });
        expect(payment.status).toBe(200);
        expect(payment.json.data.statusUpdates.map((u: { status: string }) => u.status)).toEqual(PATHS[scenarioOf(i)]);
      }

      // Every payout.updated reached the receiver at least once, correctly signed, and the ones cut
      // off by the kill were sent again under the same webhook id.
      const events = await db.query<{ payout_id: string; sequence: number; status: string }>(
        `select payout_id, (data ->> 'sequence')::int as sequence, data ->> 'status' as status from events where type = 'payout.updated'`,
      );
      expect(events).toHaveLength(expectedChanges);
      const received = receiver.deliveries();
      const receivedKeys = new Map<string, string>();
      const bodiesById = new Map<string, string>();
      for (const request of received) {
        verifyWebhook(secret, request.headers, request.rawBody, 3600);
        const data = request.body.data as { payout_intent_id: string; sequence: number; status: string };
        receivedKeys.set(`${data.payout_intent_id}:${data.sequence}`, data.status);
        const webhookId = String(request.headers['x-karat-webhook-id']);
        const body = JSON.stringify(request.body);
        expect(bodiesById.get(webhookId) ?? body, 'a retry carries the same envelope').toBe(body);
        bodiesById.set(webhookId, body);
      }
      const missing = events.filter((e) => receivedKeys.get(`${e.payout_id}:${e.sequence}`) !== e.status);
      expect(missing.slice(0, 5)).toEqual([]);
      const receiptsById = new Map<string, number>();
      for (const request of received)
        receiptsById.set(String(request.headers['x-karat-webhook-id']), (receiptsById.get(String(request.headers['x-karat-webhook-id'])) ?? 0) + 1);
      for (const request of hung) expect(receiptsById.get(String(request.headers['x-karat-webhook-id']))).toBeGreaterThanOrEqual(2);

      // In order per payout: the first receipt of each update comes after the previous update's.
      const firstSeen = new Map<string, number[]>();
      const seen = new Set<string>();
      for (const request of received) {
        const data = request.body.data as { payout_intent_id: string; sequence: number };
        const k = `${data.payout_intent_id}:${data.sequence}`;
        if (seen.has(k)) continue;
        seen.add(k);
        firstSeen.set(data.payout_intent_id, [...(firstSeen.get(data.payout_intent_id) ?? []), data.sequence]);
      }
      const outOfOrder = [...firstSeen].filter(([, sequences]) => sequences.some((s, i) => i > 0 && s < sequences[i - 1]!));
      expect(outOfOrder.slice(0, 5)).toEqual([]);
      console.info(
        `worker crash: ${PAYOUTS} payouts, ${expectedChanges} status changes; kill 1 left ${abandonedPayouts} claimed payouts, ` +
          `kill 2 left ${abandonedDeliveries} deliveries (${hung.length} in flight); ${received.length} webhook receipts for ${events.length} events`,
      );
    },
  );
});
