// 1. Create-payout throughput: single-item POST /payments, each request with its own idempotency
// key, against the ceiling of a bare Fastify route doing one INSERT in a transaction. The project
// runs as users run it: the worker moves the payouts it creates through their sandbox lifecycle
// (default step delay) and a webhook endpoint is subscribed to every change.
import { expectApi, round, subscribeReceiver } from '../lib/api.js';
import { runAutocannon, type LoadResult } from '../lib/autocannon.js';
import { countCpu, postgresPids } from '../lib/cpu.js';
import { type RunningProcess, startCeilingServer, startPayoutsServer } from '../lib/processes.js';
import { startBenchReceiver } from '../lib/receiver.js';
import { type MemoryPeak, PARKED_DELAY_MS, type ScenarioContext } from './context.js';

/** CPU time per successful request, in ms: the server (API and worker processes), and the PostgreSQL server (all its processes). */
export interface CpuPerRequest {
  serverMs: number;
  postgresMs?: number;
}

export interface ThroughputResult {
  connections: number;
  durationSeconds: number;
  payments: LoadResult & { memory: MemoryPeak; cpuPerRequest: CpuPerRequest };
  ceiling: LoadResult & { memory: MemoryPeak; cpuPerRequest: CpuPerRequest };
  /** The same create load with fewer connections (`lightConnections`): latency when not saturated. */
  paymentsLight: LoadResult;
  lightConnections: number;
  /** payments req/s ÷ ceiling req/s */
  ratio: number;
  /** Webhooks the subscribed endpoint received, from the creates' start until the worker was done with their payouts. */
  webhooksReceived: number;
  /** Whether the worker finished the created payouts within two minutes of the load's end. */
  drained: boolean;
  /**
   * The same 50-connection load with the worker leaving the new payouts alone (their first step an
   * hour away) and no webhook subscribed: what the API's create path costs by itself.
   */
  apiAlone: LoadResult & { cpuPerRequest: CpuPerRequest };
  /** apiAlone req/s ÷ ceiling req/s */
  apiAloneRatio: number;
}

const BODY = JSON.stringify({
  payouts: [{ payeeEmail: 'bench-payee@example.com', amount: 1, description: 'Benchmark payout', referenceId: 'ref-[<id>]' }],
  idempotencyKey: '[<id>]',
});

/** A second, lighter create load: the latency of a server that is not saturated. */
const LIGHT_CONNECTIONS = 10;

const loadOf = (_ctx: ScenarioContext, server: RunningProcess, key: string | undefined, connections: number) => ({
  url: `${server.url}/payments`,
  connections,
  headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
  body: BODY,
});

/** Statuses the worker still moves sandbox payouts out of. */
const MOVING = ['created', 'pending', 'processing'];

/**
 * Waits (at most `timeoutMs`) until the worker has taken every payout the load created to the end of
 * its lifecycle, so that no leftover work skews the next scenario; answers whether it got there.
 */
async function waitForWorkerToDrain(url: string, key: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const left = await Promise.all(MOVING.map((status) => expectApi(200, url, key, 'GET', `/payments?status=${status}&limit=1`)));
    if (left.every((answer) => (answer.json as { data: unknown[] }).data.length === 0)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/** Warm-up (discarded), then the measured run, counting the CPU time it costs the server and PostgreSQL. */
async function measure(ctx: ScenarioContext, server: RunningProcess, key: string | undefined): Promise<LoadResult & { cpuPerRequest: CpuPerRequest }> {
  const load = loadOf(ctx, server, key, ctx.connections);
  await runAutocannon({ ...load, durationSeconds: ctx.warmupSeconds });
  const serverCpu = countCpu(() => server.pids);
  const dataDir = ctx.postgresDataDir;
  const postgresCpu = dataDir ? countCpu(() => postgresPids(dataDir)) : undefined;
  const result = await runAutocannon({ ...load, durationSeconds: ctx.durationSeconds });
  const perRequest = (ms: number) => round(ms / Math.max(result.ok, 1), 3);
  return { ...result, cpuPerRequest: { serverMs: perRequest(serverCpu.stop()), ...(postgresCpu ? { postgresMs: perRequest(postgresCpu.stop()) } : {}) } };
}

/** Creates while the worker has nothing to do with them: the API's own share of a create. */
async function measureApiAlone(ctx: ScenarioContext): Promise<LoadResult & { cpuPerRequest: CpuPerRequest }> {
  const server = await startPayoutsServer(ctx.target, ctx.port, { SANDBOX_DELAY_MS: PARKED_DELAY_MS }, `${ctx.backend}-throughput-api-alone`);
  try {
    return await measure(ctx, server, ctx.apiKey);
  } finally {
    await server.stop();
  }
}

export async function createThroughput(ctx: ScenarioContext): Promise<ThroughputResult> {
  const ceilingServer = await startCeilingServer(ctx.target, ctx.ceilingPort, ctx.poolSize, `${ctx.backend}-ceiling`);
  let ceiling: ThroughputResult['ceiling'];
  try {
    ceiling = { ...(await measure(ctx, ceilingServer, undefined)), memory: await ceilingServer.stop() };
  } finally {
    await ceilingServer.stop();
  }
  const receiver = await startBenchReceiver();
  const server = await startPayoutsServer(ctx.target, ctx.port, {}, `${ctx.backend}-throughput`, ctx.profile);
  try {
    const subscription = await subscribeReceiver(server.url, ctx.apiKey, receiver.url);
    const measured = await measure(ctx, server, ctx.apiKey);
    const paymentsLight = await runAutocannon({ ...loadOf(ctx, server, ctx.apiKey, LIGHT_CONNECTIONS), durationSeconds: ctx.durationSeconds });
    const drained = await waitForWorkerToDrain(server.url, ctx.apiKey, 120_000);
    // The next scenarios subscribe their own receivers: this one goes with its server.
    await subscription.unsubscribe();
    const payments = { ...measured, memory: await server.stop() };
    const apiAlone = await measureApiAlone(ctx);
    return {
      connections: ctx.connections,
      durationSeconds: ctx.durationSeconds,
      payments,
      ceiling,
      ratio: round(payments.requestsPerSecond / ceiling.requestsPerSecond, 3),
      paymentsLight,
      lightConnections: LIGHT_CONNECTIONS,
      webhooksReceived: receiver.arrivals.size,
      drained,
      apiAlone,
      apiAloneRatio: round(apiAlone.requestsPerSecond / ceiling.requestsPerSecond, 3),
    };
  } finally {
    await server.stop();
    await receiver.close();
  }
}
