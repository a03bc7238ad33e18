// 1. Create-payout throughput: single-item POST /payments, each request with its own idempotency
// key, against the ceiling of a bare Fastify route doing one INSERT in a transaction.
import { runAutocannon, type LoadResult } from '../lib/autocannon.js';
import { round } from '../lib/api.js';
import { countCpu, postgresPids } from '../lib/cpu.js';
import { type RunningProcess, startCeilingServer, startPayoutsServer } from '../lib/processes.js';
import { type MemoryPeak, PARKED_DELAY_MS, type ScenarioContext } from './context.js';

/** CPU time per successful request, in ms: the server process, and the PostgreSQL server (all its processes). */
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

/** Warm-up (discarded), then the measured run, counting the CPU time it costs the server and PostgreSQL. */
async function measure(ctx: ScenarioContext, server: RunningProcess, key: string | undefined): Promise<LoadResult & { cpuPerRequest: CpuPerRequest }> {
  const load = loadOf(ctx, server, key, ctx.connections);
  await runAutocannon({ ...load, durationSeconds: ctx.warmupSeconds });
  const serverCpu = countCpu(() => [server.pid]);
  const dataDir = ctx.postgresDataDir;
  const postgresCpu = dataDir ? countCpu(() => postgresPids(dataDir)) : undefined;
  const result = await runAutocannon({ ...load, durationSeconds: ctx.durationSeconds });
  const perRequest = (ms: number) => round(ms / Math.max(result.ok, 1), 3);
  return { ...result, cpuPerRequest: { serverMs: perRequest(serverCpu.stop()), ...(postgresCpu ? { postgresMs: perRequest(postgresCpu.stop()) } : {}) } };
}

export async function createThroughput(ctx: ScenarioContext): Promise<ThroughputResult> {
  const ceilingServer = await startCeilingServer(ctx.target, ctx.ceilingPort, ctx.poolSize, `${ctx.backend}-ceiling`);
  let ceiling: ThroughputResult['ceiling'];
  try {
    ceiling = { ...(await measure(ctx, ceilingServer, undefined)), memory: await ceilingServer.stop() };
  } finally {
    await ceilingServer.stop();
  }
  const server = await startPayoutsServer(ctx.target, ctx.port, { SANDBOX_DELAY_MS: PARKED_DELAY_MS }, `${ctx.backend}-throughput`);
  try {
    const measured = await measure(ctx, server, ctx.apiKey);
    const paymentsLight = await runAutocannon({ ...loadOf(ctx, server, ctx.apiKey, LIGHT_CONNECTIONS), durationSeconds: ctx.durationSeconds });
    const payments = { ...measured, memory: await server.stop() };
    return {
      connections: ctx.connections,
      durationSeconds: ctx.durationSeconds,
      payments,
      ceiling,
      ratio: round(payments.requestsPerSecond / ceiling.requestsPerSecond, 3),
      paymentsLight,
      lightConnections: LIGHT_CONNECTIONS,
    };
  } finally {
    await server.stop();
  }
}
