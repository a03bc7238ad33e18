// An endpoint that answers fast earns more requests in flight than its first slots (so a healthy
// receiver is not held to WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT), within the growth bound, and every
// delivery still arrives once, in order per payout. The hanging side is worker-fairness.test.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_ENDPOINT_GROWTH } from '../src/modules/webhooks/webhooks.tasks.js';
import { workerTasks } from '../src/worker/tasks.js';
import { type RunningWorker, startWorker } from '../src/worker/worker.js';
import { createTestApp, type TestApp } from './harness.js';
import { createBatch, subscribePayoutUpdates } from './payout-helpers.js';

const FIRST_SLOTS = 2;
const PAYOUTS = 40;
const CHANGES_PER_PAYOUT = 3;

/** Answers every delivery after a short pause, counting the requests open at once. */
async function startSlowishServer(pauseMs: number) {
  const state = { open: 0, maxOpen: 0, bodies: [] as { id: string; payout: string; sequence: number }[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      if (body.type === 'url_verification') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: body.challenge }));
        return;
      }
      state.open++;
      state.maxOpen = Math.max(state.maxOpen, state.open);
      state.bodies.push({ id: body.id, payout: body.data.payout_intent_id, sequence: Number(body.data.sequence) });
      setTimeout(() => {
        state.open--;
        res.writeHead(200).end('ok');
      }, pauseMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('webhook lanes', () => {
  let t: TestApp;
  let endpoint: Awaited<ReturnType<typeof startSlowishServer>>;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    t = await createTestApp({ sandboxDelayMs: 0, workerPollMs: 20, webhookMaxInFlightPerEndpoint: FIRST_SLOTS });
    endpoint = await startSlowishServer(40);
  });
  afterAll(async () => {
    await worker?.stop();
    await endpoint.close();
    await t.close();
  });

  it('lets an endpoint that answers fast have more requests in flight than its first slots, within the bound', async () => {
    const key = await t.createKey('sandbox');
    await subscribePayoutUpdates(t, key, endpoint.url);
    worker = startWorker({ db: t.db, config: t.config, log: t.app.log as never }, workerTasks(t.config));
    const created = await createBatch(
      t,
      key,
      Array.from({ length: PAYOUTS }, (_, i) => ({ payeeEmail: `lane${i}@example.com`, amount: 1 })),
    );
    expect(created.statusCode).toBe(201);
    while (endpoint.state.bodies.length < PAYOUTS * CHANGES_PER_PAYOUT) await new Promise((resolve) => setTimeout(resolve, 20));

    expect(endpoint.state.maxOpen).toBeGreaterThan(FIRST_SLOTS);
    expect(endpoint.state.maxOpen).toBeLessThanOrEqual(FIRST_SLOTS * FAST_ENDPOINT_GROWTH);
    // Once each, and in sequence order per payout.
    expect(new Set(endpoint.state.bodies.map((b) => b.id)).size).toBe(PAYOUTS * CHANGES_PER_PAYOUT);
    const byPayout = new Map<string, number[]>();
    for (const b of endpoint.state.bodies) byPayout.set(b.payout, [...(byPayout.get(b.payout) ?? []), b.sequence]);
    for (const sequences of byPayout.values()) expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
  }, 60_000);
});
