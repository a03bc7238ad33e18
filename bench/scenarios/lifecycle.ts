// 3. Lifecycle: sandbox payouts driven to `completed` by the worker (no simulated delay), each
// status change delivered to a local webhook receiver. Lag = arrival − the change's `data.date`.
import { expectApi, percentile, round, subscribeReceiver } from '../lib/api.js';
import { startPayoutsServer } from '../lib/processes.js';
import { startBenchReceiver } from '../lib/receiver.js';
import { batchBody } from './batch.js';
import type { MemoryPeak, ScenarioContext } from './context.js';

/** created → pending → processing → completed: three webhooks per payout. */
const CHANGES_PER_PAYOUT = 3;

export interface LifecycleResult {
  payouts: number;
  completed: number;
  deliveries: number;
  expectedDeliveries: number;
  duplicateDeliveries: number;
  finished: boolean;
  secondsToCreate: number;
  /** From the batch's 201 to the last payout's `completed`. */
  secondsToAllCompleted: number;
  /** From the batch's 201 to the last delivery's arrival. */
  secondsToAllDelivered: number;
  payoutsPerSecond: number;
  deliveriesPerSecond: number;
  lagMs: { p50: number; p90: number; p99: number; max: number };
  /**
   * The webhook sender alone: every event of the run replayed to a second endpoint once the
   * payouts are done (POST /events/subscription/:id/replay), from the 202 to the last arrival.
   */
  replay?: { deliveries: number; seconds: number; deliveriesPerSecond: number; finished: boolean };
  memory: MemoryPeak;
  /** On PostgreSQL, the worker's own process. */
  workerMemory?: MemoryPeak;
}

/** Replays every event since `since` to a fresh endpoint: the sender's throughput with nothing else to do. */
async function replayTo(url: string, key: string, since: Date, expected: number, timeoutMs: number): Promise<LifecycleResult['replay']> {
  const receiver = await startBenchReceiver();
  try {
    const subscription = await subscribeReceiver(url, key, receiver.url);
    const asked = Date.now();
    await expectApi(202, url, key, 'POST', `/events/subscription/${subscription.id}/replay`, { since: since.toISOString() });
    const finished = await receiver.waitFor(() => receiver.arrivals.size >= expected, timeoutMs);
    const last = [...receiver.arrivals.values()].reduce((max, a) => Math.max(max, a.arrivedAt), asked);
    await subscription.unsubscribe();
    const seconds = (last - asked) / 1000;
    return { deliveries: receiver.arrivals.size, seconds: round(seconds, 2), deliveriesPerSecond: Math.round(receiver.arrivals.size / seconds), finished };
  } finally {
    await receiver.close();
  }
}

export async function lifecycle(ctx: ScenarioContext, timeoutMs = 300_000): Promise<LifecycleResult> {
  const receiver = await startBenchReceiver();
  const server = await startPayoutsServer(ctx.target, ctx.port, { SANDBOX_DELAY_MS: '0' }, `${ctx.backend}-lifecycle`, ctx.profile);
  try {
    const subscription = await subscribeReceiver(server.url, ctx.apiKey, receiver.url);
    const n = ctx.lifecyclePayouts;
    const expected = n * CHANGES_PER_PAYOUT;
    const created = await expectApi(201, server.url, ctx.apiKey, 'POST', '/payments', batchBody(n, `life-${Date.now()}`));
    const answeredAt = Date.now();
    const finished = await receiver.waitFor(() => receiver.arrivals.size >= expected, timeoutMs);
    // Later scenarios subscribe receivers of their own: one left behind would take failing deliveries.
    await subscription.unsubscribe();
    const replay = finished ? await replayTo(server.url, ctx.apiKey, new Date(answeredAt - created.ms - 1000), expected, timeoutMs) : undefined;
    const memory = await server.stop();
    const workerMemory = server.workerMemory?.();

    const arrivals = [...receiver.arrivals.values()];
    const start = arrivals.reduce((min, a) => Math.min(min, a.changedAt), answeredAt);
    const completed = arrivals.filter((a) => a.status === 'completed');
    const lastCompleted = completed.reduce((max, a) => Math.max(max, a.changedAt), start);
    const lastArrival = arrivals.reduce((max, a) => Math.max(max, a.arrivedAt), start);
    const lags = arrivals.map((a) => a.arrivedAt - a.changedAt).sort((a, b) => a - b);
    return {
      payouts: n,
      completed: completed.length,
      deliveries: arrivals.length,
      expectedDeliveries: expected,
      duplicateDeliveries: receiver.duplicates(),
      finished,
      secondsToCreate: round(created.ms / 1000, 3),
      secondsToAllCompleted: round((lastCompleted - start) / 1000, 2),
      secondsToAllDelivered: round((lastArrival - start) / 1000, 2),
      payoutsPerSecond: Math.round((completed.length * 1000) / (lastCompleted - start)),
      deliveriesPerSecond: Math.round((arrivals.length * 1000) / (lastArrival - start)),
      lagMs: { p50: percentile(lags, 50), p90: percentile(lags, 90), p99: percentile(lags, 99), max: lags[lags.length - 1] ?? NaN },
      ...(replay ? { replay } : {}),
      memory,
      ...(workerMemory ? { workerMemory } : {}),
    };
  } finally {
    await server.stop();
    await receiver.close();
  }
}
