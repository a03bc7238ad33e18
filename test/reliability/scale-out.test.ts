import { afterEach, describe, expect, it } from 'vitest';
import { CANCELABLE, type PayoutStatus } from '../../src/modules/payouts/state.js';
import { verifyWebhook } from '../../src/modules/webhooks/verify-webhook.js';
import { expectLedgerConsistent } from '../payout-helpers.js';
import { type Receiver, startReceiver } from '../receiver.js';
import {
  expectErrorEnvelope,
  expectNothingDuplicated,
  expectPostingsMatchHistories,
  http,
  type HttpAnswer,
  Processes,
  type ServiceDatabase,
  type ServiceSettings,
  openServiceDatabase,
  scalar,
  sleep,
  statusHistories,
  TEST_DATABASE_URL,
  waitFor,
} from './support.js';

// Two API processes and two worker processes on one PostgreSQL database, under concurrent load:
// batches of every sandbox scenario, cancels racing the workers, the same idempotency key sent to
// both APIs at once, and top-ups. Afterwards nothing may have happened twice.

const PATHS: Record<string, PayoutStatus[]> = {
  completed: ['created', 'pending', 'processing', 'completed'],
  failed: ['created', 'pending', 'processing', 'failed'],
  returned: ['created', 'pending', 'processing', 'completed', 'returned'],
  canceled: ['created', 'canceled'],
  pending: ['created', 'pending'],
  created: ['created'],
};
const SCENARIOS = Object.keys(PATHS);

/** A small deterministic pseudo-random generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await tasks[index]!();
      }
    }),
  );
  return results;
}

describe('two API processes and two worker processes on one PostgreSQL', () => {
  const processes = new Processes();
  let database: ServiceDatabase | undefined;
  let receiver: Receiver | undefined;
  let watcher: Promise<void> | undefined;
  let watching = false;

  afterEach(async () => {
    watching = false;
    await watcher;
    await processes.dispose();
    await receiver?.close();
    await database?.close();
  });

  it.skipIf(!TEST_DATABASE_URL)('never duplicates a transition, a delivery or a ledger entry under concurrent load', async ({ onTestFailed }) => {
    onTestFailed(() => console.error(processes.outputs()));
    database = await openServiceDatabase();
    const db = database.db;
    const key = await database.createKey('sandbox');
    receiver = await startReceiver();
    const settings: ServiceSettings = { databaseUrl: database.url, sandboxDelayMs: 30, workerPollMs: 20, leaseSeconds: 2, workerBatchSize: 20 };
    const [apiA, apiB, workerA, workerB] = await Promise.all([
      processes.start('api', settings),
      processes.start('api', settings),
      processes.start('worker', settings),
      processes.start('worker', settings),
    ]);
    const apis = [apiA!, apiB!];
    const subscription = await http(apiA!.url, 'POST', '/events/subscription', { key, body: { event_name: 'payout.updated', callback_url: receiver.url } });
    expect(subscription.status).toBe(201);
    const secret: string = subscription.json.data.secret;

    // Watch which workers hold leases while the load runs: both must take part.
    const ownersSeen = new Set<string>();
    watching = true;
    watcher = (async () => {
      while (watching) {
        const rows = await db.query<{ owner: string }>(
          `select distinct lease_owner as owner from payouts where lease_owner is not null
           union select distinct lease_owner from webhook_deliveries where lease_owner is not null`,
        );
        for (const row of rows) ownersSeen.add(row.owner.split(':')[1]!);
        await sleep(15);
      }
    })().catch(() => {});

    const next = random(20260617);
    const scenarioByPayout = new Map<string, string>();
    const acknowledged: { id: string; amount: number }[] = [];
    const batchIds = new Set<string>();
    const answersByApi = [0, 0];
    const unexpected: string[] = [];
    const record = (answer: HttpAnswer, what: string, allowed: number[]) => {
      if (!allowed.includes(answer.status)) unexpected.push(`${what}: ${answer.status} ${answer.text.slice(0, 200)}`);
      if (answer.status >= 400) expectErrorEnvelope(answer, what);
    };

    const createBatch = (n: number, idempotencyKey?: string) => {
      const items = Array.from({ length: 1 + Math.floor(next() * 12) }, (_, i) => {
        const scenario = SCENARIOS[Math.floor(next() * SCENARIOS.length)]!;
        const local = scenario === 'completed' && next() < 0.5 ? `payee-${n}-${i}` : `sandbox+${scenario}`;
        return { payeeEmail: `${local}@b${n}-${i}.example.com`, amount: 1 + Math.floor(next() * 5_000), referenceId: `${n}-${i}` };
      });
      const body = { payouts: items, ...(idempotencyKey ? { idempotencyKey } : {}) };
      return async (api: number) => {
        const answer = await http(apis[api]!.url, 'POST', '/payments', { key, body });
        record(answer, `POST /payments #${n}`, idempotencyKey ? [201, 409] : [201]);
        if (answer.status !== 201) return answer;
        answersByApi[api]!++;
        const data = answer.json.data as { batchId: string; payouts: { id: string; amount: number; payeeEmail: string }[] };
        if (!batchIds.has(data.batchId)) {
          batchIds.add(data.batchId);
          for (const p of data.payouts) {
            acknowledged.push(p);
            const local = p.payeeEmail.split('@')[0]!;
            scenarioByPayout.set(p.id, local.startsWith('sandbox+') ? local.slice('sandbox+'.length) : 'completed');
          }
        }
        return answer;
      };
    };

    const cancels: { id: string; status: number }[] = [];
    const tasks: (() => Promise<unknown>)[] = [];
    for (let n = 0; n < 160; n++) {
      const send = createBatch(n);
      tasks.push(() => send(n % 2));
      if (n % 4 === 3) {
        // A cancel of some payout already acknowledged, racing the workers.
        tasks.push(async () => {
          const target = acknowledged[Math.floor(next() * acknowledged.length)];
          if (!target) return;
          const api = Math.floor(next() * 2);
          const answer = await http(apis[api]!.url, 'POST', `/payments/${target.id}/cancel`, { key });
          record(answer, `cancel ${target.id}`, [200, 409]);
          cancels.push({ id: target.id, status: answer.status });
        });
      }
      if (n % 8 === 5) {
        // The same request with the same idempotency key to both APIs at once.
        const send = createBatch(n + 1000, `scale-out-${n}`);
        tasks.push(async () => {
          const answers = await Promise.all([send(0), send(1)]);
          const created = answers.filter((a) => a.status === 201).map((a) => a.json.data.batchId);
          expect(new Set(created).size).toBeLessThanOrEqual(1);
          // A twin that got 409 (still running) gets the stored answer once it retries.
          const retry = await waitFor(
            'the idempotent replay',
            async () => {
              const answer = await send(n % 2);
              return answer.status === 201 ? answer : undefined;
            },
            { timeoutMs: 30_000, intervalMs: 200 },
          );
          const twins = JSON.stringify(answers.map((a) => [a.status, a.headers.get('idempotent-replayed'), a.text.slice(0, 300)]));
          expect(answers.filter((a) => a.status === 201 && a.headers.get('idempotent-replayed') !== 'true').length, twins).toBeLessThanOrEqual(1);
          if (created[0]) {
            expect(retry.json.data.batchId).toBe(created[0]);
            expect(retry.headers.get('idempotent-replayed'), twins).toBe('true');
          }
        });
      }
      if (n % 20 === 10) {
        tasks.push(async () => {
          const answer = await http(apis[n % 2]!.url, 'POST', '/balance/fundings', { key, body: { amount: 10_000 } });
          record(answer, 'top-up', [201]);
        });
      }
    }
    await pool(12, tasks);
    expect(unexpected).toEqual([]);
    expect(answersByApi[0]).toBeGreaterThan(0);
    expect(answersByApi[1]).toBeGreaterThan(0);

    // Let the workers finish: every payout at rest, every event delivered.
    await waitFor(
      'the workers to settle every payout and deliver every event',
      async () =>
        (await scalar(db, `select count(*) as n from payouts where next_action_at is not null or lease_owner is not null`)) === 0 &&
        (await scalar(db, `select count(*) as n from webhook_deliveries where status <> 'delivered'`)) === 0 &&
        (await scalar(db, `select count(*) as n from webhook_deliveries`)) ===
          (await scalar(db, `select count(*) as n from events where type = 'payout.updated'`)),
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    watching = false;
    await watcher;
    expect([...ownersSeen].sort()).toEqual(expect.arrayContaining([String(workerA!.pid), String(workerB!.pid)]));

    // Every acknowledged payout exists once; replays created nothing.
    expect(await scalar(db, `select count(*) as n from payouts`)).toBe(acknowledged.length);
    expect(await scalar(db, `select count(*) as n from batches`)).toBe(batchIds.size);

    // Each payout followed its scenario, or was canceled from a cancelable status when a cancel
    // succeeded; a refused cancel changed nothing.
    const histories = await statusHistories(db);
    const canceledOk = new Set(cancels.filter((c) => c.status === 200).map((c) => c.id));
    const wrong: string[] = [];
    for (const { id } of acknowledged) {
      const history = histories.get(id) ?? [];
      const path = PATHS[scenarioByPayout.get(id)!]!;
      let fine: boolean;
      if (canceledOk.has(id)) {
        const before = history.slice(0, -1);
        fine = history.at(-1) === 'canceled' && CANCELABLE.includes(before.at(-1)!) && JSON.stringify(before) === JSON.stringify(path.slice(0, before.length));
      } else fine = JSON.stringify(history) === JSON.stringify(path);
      if (!fine) wrong.push(`${id} (${scenarioByPayout.get(id)}, cancel ${canceledOk.has(id)}): ${history.join(' > ')}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    await expectNothingDuplicated(db);
    await expectLedgerConsistent(db);
    await expectPostingsMatchHistories(db);

    // Every event was delivered exactly once (no crash, a receiver that always answers 200), in
    // one attempt, correctly signed.
    const received = receiver.deliveries();
    const ids = received.map((r) => String(r.headers['x-karat-webhook-id']));
    expect(ids.length - new Set(ids).size, 'webhooks received twice').toBe(0);
    expect(received).toHaveLength(await scalar(db, `select count(*) as n from events where type = 'payout.updated'`));
    expect(await scalar(db, `select count(*) as n from webhook_attempts`)).toBe(received.length);
    for (const request of received) verifyWebhook(secret, request.headers, request.rawBody, 3600);
    console.info(
      `scale-out: ${acknowledged.length} payouts in ${batchIds.size} batches (API A ${answersByApi[0]}, API B ${answersByApi[1]} created), ` +
        `${cancels.length} cancels (${canceledOk.size} succeeded), ${received.length} webhooks, worker pids seen: ${[...ownersSeen].join(', ')}`,
    );
  });
});
