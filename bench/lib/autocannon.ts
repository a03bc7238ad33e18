import { spawn } from 'node:child_process';
import { ROOT } from './processes.js';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  headers: Record<string, string>;
  /** JSON body; `[<id>]` is replaced by a fresh id on every request (autocannon -I). */
  body: string;
}

export interface LoadResult {
  requestsPerSecond: number;
  totalRequests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

/** Runs autocannon in its own process (bench/load-child.ts) and reads its summary. */
export async function runAutocannon(o: LoadOptions): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load-child.ts', JSON.stringify(o)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  const line = out
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (code !== 0 || !line) throw new Error(`autocannon exited with ${code}: ${err.trim() || out.trim()}`);
  const r = JSON.parse(line) as {
    requests: { average: number; total: number };
    latency: { p50: number; p90: number; p99: number; max: number; mean: number };
    non2xx: number;
    errors: number;
    timeouts: number;
    '2xx': number;
    duration: number;
  };
  return {
    // Successful answers per second over the whole run: errors do not count as throughput.
    requestsPerSecond: Math.round(r['2xx'] / r.duration),
    totalRequests: r.requests.total,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: Math.round(r.latency.mean * 100) / 100 },
  };
}
