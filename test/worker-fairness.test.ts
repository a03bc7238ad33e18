// One tenant's endpoint accepts connections and never answers; another tenant's payouts and
// webhooks must not wait for it. Runs the real looping worker (two of them, as two processes
// would), a hanging HTTP server and the ordinary receiver.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASED_PER_REQUEST_SLOT } from '../src/modules/webhooks/webhooks.tasks.js';
import { workerTasks } from '../src/worker/tasks.js';
import { type RunningWorker, startWorker } from '../src/worker/worker.js';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { createBatch } from './payout-helpers.js';
import { startReceiver, type Receiver } from './receiver.js';

const PER_ENDPOINT = 3;
const B_PAYOUTS = 15;
/** created → pending → processing → completed. */
const CHANGES_PER_PAYOUT = 3;

/** Answers the subscription handshake, then holds every delivery open and counts them. */
async function startHangingServer() {
  const state = { open: 0, maxOpen: 0, received: 0, closed: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      if (body.type === 'url_verification') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: body.challenge }));
        return;
      }
      state.received++;
      state.open++;
      state.maxOpen = Math.max(state.maxOpen, state.open);
      res.on('close', () => {
        state.open--;
        state.closed++;
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const until = async (what: string, condition: () => boolean | Promise<boolean>) => {
  // Polls a condition; the test's own timeout is the only bound.
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
  return what;
};

describe('worker fairness', () => {
  let t: TestApp;
  let hanging: Awaited<ReturnType<typeof startHangingServer>>;
  let receiver: Receiver;
  let workers: RunningWorker[] = [];

  beforeAll(async () => {
    t = await createTestApp({ webhookTimeoutMs: 8_000, sandboxDelayMs: 10, workerPollMs: 20, webhookMaxInFlightPerEndpoint: PER_ENDPOINT });
    hanging = await startHangingServer();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await hanging.close(); // the held requests fail now, so the workers' stop need not wait
    await Promise.all(workers.map((w) => w.stop()));
    await receiver.close();
    await t.close();
  });

  it("delivers another tenant's payouts and webhooks while one endpoint hangs, which never gets more than its slots", async () => {
    const keyA = await t.createKey('sandbox');
    const keyB = await t.createKey('sandbox', await t.createOrganization('Tenant B'));
    const subscribe = async (key: string, url: string) =>
      expect(
        (
          await t.app.inject({
            method: 'POST',
            url: '/events/subscription',
            headers: bearer(key),
            payload: { event_name: 'payout.updated', callback_url: url },
          })
        ).statusCode,
      ).toBe(201);
    await subscribe(keyA, hanging.url);
    await subscribe(keyB, receiver.url);

    // Two workers with their own lease owners, as two processes would run.
    const ctx = { db: t.db, config: t.config, log: t.app.log as never };
    workers = [startWorker(ctx, workerTasks(t.config)), startWorker(ctx, workerTasks(t.config))];

    // Tenant A's ten payouts make ten deliveries due to the hanging endpoint; it gets its slots.
    await createBatch(
      t,
      keyA,
      Array.from({ length: 10 }, (_, i) => ({ payeeEmail: `a${i}@example.com`, amount: 1 })),
    );
    await until('the hanging endpoint to hold its slots', () => hanging.state.open >= PER_ENDPOINT);

    const b = await createBatch(
      t,
      keyB,
      Array.from({ length: B_PAYOUTS }, (_, i) => ({ payeeEmail: `b${i}@example.com`, amount: 1 })),
    );
    expect(b.statusCode).toBe(201);
    const ids: string[] = b.json().data.payouts.map((p: { id: string }) => p.id);
    await until("tenant B's webhooks", () => receiver.deliveries().length >= B_PAYOUTS * CHANGES_PER_PAYOUT);

    // Every one of B's webhooks arrived while A's first requests were still open: none of them
    // had timed out or been answered, and the endpoint never held more than its first slots in
    // each of the two workers (it never answered, so it never earned more).
    expect(hanging.state.closed).toBe(0);
    expect(hanging.state.maxOpen).toBeGreaterThanOrEqual(PER_ENDPOINT);
    expect(hanging.state.maxOpen).toBeLessThanOrEqual(2 * PER_ENDPOINT);
    const [attemptsA] = await t.db.query<{ n: bigint }>(
      `select count(*)::bigint as n from webhook_attempts a join webhook_subscriptions s on s.id = a.subscription_id where s.callback_url = $1`,
      [hanging.url],
    );
    expect(attemptsA!.n).toBe(0n);

    const statuses = await t.db.query<{ status: string }>('select status from payouts where id = any($1::uuid[])', [ids]);
    expect(statuses.map((s) => s.status)).toEqual(Array(B_PAYOUTS).fill('completed'));
    // Per payout, B's webhooks came in sequence order.
    for (const id of ids) {
      const sequences = receiver
        .deliveries()
        .filter((r) => r.body.data?.payout_intent_id === id)
        .map((r) => r.body.data?.sequence);
      expect(sequences).toEqual([...sequences].sort((x, y) => Number(x) - Number(y)));
      expect(sequences).toHaveLength(CHANGES_PER_PAYOUT);
    }
    // Each worker leased the hanging endpoint at most its first slots and as many waiting.
    const [leased] = await t.db.query<{ n: bigint }>(
      `select count(*)::bigint as n from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id
       where s.callback_url = $1 and d.lease_expires_at > now()`,
      [hanging.url],
    );
    expect(Number(leased!.n)).toBeLessThanOrEqual(2 * LEASED_PER_REQUEST_SLOT * PER_ENDPOINT);
  }, 60_000);
});
