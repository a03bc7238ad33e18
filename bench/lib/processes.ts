import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MemoryPeak, watchMemory } from './rss.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const LOG_DIR = '/tmp/payouts-bench/logs';
/** The servers' ENCRYPTION_KEY unless one is set: scenarios that seed sealed data need the same key. */
export const BENCH_ENCRYPTION_KEY = process.env.ENCRYPTION_KEY ?? 'Bz7hN0Yq3yWc9cXJ2kq5m8s1vT4uR6eP0aB3dF5gH7I=';

/** Where a server under test keeps its data: PostgreSQL, or an embedded PGlite directory. */
export type Target = { kind: 'postgres'; databaseUrl: string } | { kind: 'pglite'; dataDir: string };

/** Environment for a child: ours minus anything that would point it at another database. */
function childEnv(target: Target, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATA_DIR', 'PORT', 'HOST', 'SANDBOX_DELAY_MS', 'LOG_LEVEL']) delete env[name];
  if (target.kind === 'postgres') env.DATABASE_URL = target.databaseUrl;
  else env.DATA_DIR = target.dataDir;
  // LINK_SECRET and ENCRYPTION_KEY are required with DATABASE_URL; the bench's own, unless set.
  return {
    LINK_SECRET: 'bench-link-secret-0123456789abcdef-0123456789',
    ...env,
    ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Runs `node bin/payouts.js ARGS` to completion and answers its stdout. */
export async function runCli(target: Target, args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['bin/payouts.js', ...args], { cwd: ROOT, env: childEnv(target, {}), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  if (code !== 0) throw new Error(`payouts ${args.join(' ')} exited with ${code}: ${err.trim()}`);
  return out.trim();
}

export interface RunningProcess {
  url: string;
  pid: number;
  /** Every process of this server (the API and, on PostgreSQL, its worker), to count their CPU. */
  pids: number[];
  memory(): MemoryPeak;
  /** SIGTERM, wait for a graceful exit (SIGKILL after 20 s); answers the memory peaks. */
  stop(): Promise<MemoryPeak>;
}

/** Resolves once the child prints `marker` (a process with no HTTP port, such as `payouts worker`). */
function waitForOutput(child: ChildProcess, marker: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${marker}" within ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(marker)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited with ${code} before printing "${marker}"`));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before answering ${url}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** Spawns a long-running child, waits until `ready` (a health path, or a line it prints), and watches its memory. */
async function startProcess(
  name: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  ready: { healthPath: string } | { prints: string },
): Promise<RunningProcess> {
  mkdirSync(LOG_DIR, { recursive: true });
  const log = createWriteStream(join(LOG_DIR, `${name}.log`));
  const child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  const memory = watchMemory(child.pid!);
  try {
    await ('healthPath' in ready ? waitForHealth(url + ready.healthPath, child, 60_000) : waitForOutput(child, ready.prints, 60_000));
  } catch (error) {
    memory.stop();
    child.kill('SIGKILL');
    throw new Error(`${name}: ${(error as Error).message} (log: ${join(LOG_DIR, `${name}.log`)})`);
  }
  return {
    url,
    pid: child.pid!,
    pids: [child.pid!],
    memory: memory.current,
    async stop() {
      const peak = memory.stop();
      if (child.exitCode !== null) return peak;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      return peak;
    },
  };
}

/** Node's CPU profiler for a server under test, when the run asks for profiles (`--cpu-prof`). */
export interface ProfileOptions {
  /** Where the .cpuprofile files go; one per process, written when it exits. */
  dir: string;
}

const profileArgs = (profile: ProfileOptions | undefined, name: string) =>
  profile ? ['--cpu-prof', `--cpu-prof-dir=${profile.dir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];

/** The payouts server, API and worker together, as it runs with `npm start` and as users run it. */
export interface PayoutsServer extends RunningProcess {
  /** On PostgreSQL, the worker runs as its own process: its memory peaks, apart from the API's. */
  workerMemory?: () => MemoryPeak;
}

/**
 * The project as users run it: on the embedded database one process (`payouts serve`, API and
 * worker, as `npm start`); on PostgreSQL an API process (`serve --no-worker`) and a worker process
 * (`payouts worker`). `stop()` answers the API process's memory peaks.
 */
export async function startPayoutsServer(
  target: Target,
  port: number,
  env: Record<string, string>,
  name: string,
  profile?: ProfileOptions,
): Promise<PayoutsServer> {
  const fullEnv = childEnv(target, { PORT: String(port), HOST: '127.0.0.1', WEBHOOK_ALLOW_PRIVATE: '1', ...env });
  if (target.kind === 'pglite') {
    return startProcess(name, [...profileArgs(profile, name), 'bin/payouts.js', 'serve'], fullEnv, port, { healthPath: '/healthz' });
  }
  const api = await startProcess(name, [...profileArgs(profile, name), 'bin/payouts.js', 'serve', '--no-worker'], fullEnv, port, { healthPath: '/healthz' });
  let worker: RunningProcess;
  try {
    worker = await startProcess(`${name}-worker`, [...profileArgs(profile, `${name}-worker`), 'bin/payouts.js', 'worker'], fullEnv, port, {
      prints: 'worker is running',
    });
  } catch (error) {
    await api.stop();
    throw error;
  }
  let workerPeak: MemoryPeak | undefined;
  return {
    ...api,
    pids: [api.pid, worker.pid],
    workerMemory: () => workerPeak ?? worker.memory(),
    async stop() {
      const [apiPeak, peak] = await Promise.all([api.stop(), worker.stop()]);
      workerPeak = peak;
      return apiPeak;
    },
  };
}

/** The ceiling: a bare Fastify route doing one INSERT in a transaction on the same database. */
export function startCeilingServer(target: Target, port: number, poolSize: number, name: string): Promise<RunningProcess> {
  const env = childEnv(target, { PORT: String(port), DATABASE_POOL_SIZE: String(poolSize) });
  return startProcess(name, ['--import', 'tsx', 'bench/ceiling-server.ts'], env, port, { healthPath: '/healthz' });
}

/** A local SMTP server that accepts and discards (bench/smtp-sink-server.ts); stats over HTTP. */
export function startSmtpSinkServer(smtpPort: number, httpPort: number, name: string): Promise<RunningProcess> {
  const env = { ...process.env, SMTP_PORT: String(smtpPort), PORT: String(httpPort) };
  return startProcess(name, ['--import', 'tsx', 'bench/smtp-sink-server.ts'], env, httpPort, { healthPath: '/healthz' });
}
