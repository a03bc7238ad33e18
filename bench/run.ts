// `npm run bench`: the server under test runs as its own process (`payouts serve`), the load as
// another (autocannon), against a private PostgreSQL and against embedded PGlite. Prints a table
// and writes bench/results/<ISO date>.{json,md} and latest.{json,md}. Nothing here is asserted.
//   npm run bench -- [--only postgres|pglite] [--scenarios throughput,batch,lifecycle,emails,claim-expiry,ach-cut,ach-returns]
//                    [--duration 10] [--warmup 3] [--connections 50] [--batch 50000] [--payouts 20000] [--payouts-pglite 5000]
//                    [--waiting 1000000] [--waiting-pglite 100000] [--claim-slices 20]
//                    [--ach-payouts 100000] [--ach-payouts-pglite 20000] [--ach-returns 10000] [--ach-rate 50]
//                    [--list-payouts 1000000] [--list-requests 200] (scenario lists, not in the default set)
//                    [--pg-port 55440] [--port 3400] [--work-dir /tmp/payouts-bench] [--cpu-prof]
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { SETTINGS } from '../src/config.js';
import { round } from './lib/api.js';
import { startPostgres } from './lib/postgres.js';
import { LOG_DIR, runCli, type Target } from './lib/processes.js';
import { type ProfileSummary, summarizeProfile } from './lib/profile-summary.js';
import { type BackendResults, type BenchResults, judgeTargets, toMarkdown, writeResults } from './lib/report.js';
import { achCut, achReturns } from './scenarios/ach.js';
import { batchIngest } from './scenarios/batch.js';
import { claimExpiryRun } from './scenarios/claim-expiry.js';
import { emailsRun } from './scenarios/emails.js';
import type { ScenarioContext } from './scenarios/context.js';
import { lifecycle } from './scenarios/lifecycle.js';
import { listsRun } from './scenarios/lists.js';
import { createThroughput } from './scenarios/throughput.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    scenarios: { type: 'string', default: 'throughput,batch,lifecycle,emails,claim-expiry,ach-cut,ach-returns' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    batch: { type: 'string', default: '50000' },
    payouts: { type: 'string', default: '20000' },
    // The embedded database moves payouts several times slower: a smaller lifecycle finishes in minutes.
    'payouts-pglite': { type: 'string', default: '5000' },
    waiting: { type: 'string', default: '1000000' },
    'waiting-pglite': { type: 'string', default: '100000' },
    'claim-slices': { type: 'string', default: '20' },
    // Pending ACH payouts in the cut, return entries imported, API requests/s during the cut.
    'ach-payouts': { type: 'string', default: '100000' },
    'ach-payouts-pglite': { type: 'string', default: '20000' },
    'ach-returns': { type: 'string', default: '10000' },
    'ach-rate': { type: 'string', default: '50' },
    // Payouts in the tenant for the lists scenario, and timed requests per list.
    'list-payouts': { type: 'string', default: '1000000' },
    'list-requests': { type: 'string', default: '200' },
    // Two runs on one machine need their own PostgreSQL port and folders: the run stops and wipes them.
    'pg-port': { type: 'string', default: '55440' },
    port: { type: 'string', default: '3400' },
    'work-dir': { type: 'string', default: '/tmp/payouts-bench' },
    // The servers under test (create, batch, lifecycle) run under Node's CPU profiler; the run summarizes each profile.
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const PG_DIR = `${values['work-dir']}/pg`;
const PG_PORT = Number(values['pg-port']);
const PGLITE_DIR = `${values['work-dir']}/pglite`;
const PROFILE_DIR = `${values['work-dir']}/profiles`;
const SCENARIOS = ['throughput', 'batch', 'lifecycle', 'emails', 'claim-expiry', 'ach-cut', 'ach-returns', 'lists'] as const;
type Scenario = (typeof SCENARIOS)[number];
const scenarios = values.scenarios!.split(',') as Scenario[];
const unknown = scenarios.filter((name) => !SCENARIOS.includes(name));
if (unknown.length > 0) throw new Error(`Unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}.`);
const settings = {
  connections: Number(values.connections),
  durationSeconds: Number(values.duration),
  warmupSeconds: Number(values.warmup),
  batchItems: Number(values.batch),
  lifecyclePayouts: Number(values.payouts),
  poolSize: Number(process.env.DATABASE_POOL_SIZE ?? SETTINGS.databasePoolSize.default),
};
const achOptionsFor = (backend: ScenarioContext['backend']) => ({
  achPayouts: Number(backend === 'postgres' ? values['ach-payouts'] : values['ach-payouts-pglite']),
  achReturns: Number(values['ach-returns']),
  achRate: Number(values['ach-rate']),
});

/** Every scenario on one database, in order, each with a fresh server process. */
async function runBackend(backend: ScenarioContext['backend'], label: string, target: Target): Promise<BackendResults> {
  const results: BackendResults = { label, errors: {} };
  const apiKey = await runCli(target, ['keys', 'create', '--env', 'sandbox', '--name', 'bench']);
  // Enough for every scenario whatever its size (the sandbox opens with 1,000,000.00).
  await runCli(target, ['balance', 'fund', '--env', 'sandbox', '--amount', String((settings.batchItems + settings.lifecyclePayouts + 1_000_000) * 1000)]);
  const ctx: ScenarioContext = {
    backend,
    target,
    apiKey,
    port: Number(values.port),
    ceilingPort: Number(values.port) + 1,
    ...settings,
    ...(backend === 'pglite' ? { lifecyclePayouts: Number(values['payouts-pglite']) } : {}),
    ...(target.kind === 'postgres' ? { postgresDataDir: PG_DIR } : {}),
    ...(values['cpu-prof'] ? { profile: { dir: PROFILE_DIR } } : {}),
  };
  const steps: Record<Scenario, () => Promise<unknown>> = {
    throughput: async () => (results.throughput = await createThroughput(ctx)),
    batch: async () => (results.batch = await batchIngest(ctx)),
    lifecycle: async () => (results.lifecycle = await lifecycle(ctx)),
    emails: async () => (results.emails = await emailsRun(ctx)),
    'claim-expiry': async () =>
      (results.claimExpiry = await claimExpiryRun({
        ...ctx,
        claimWaiting: Number(backend === 'postgres' ? values.waiting : values['waiting-pglite']),
        claimSlices: Number(values['claim-slices']),
      })),
    'ach-cut': async () => (results.achCut = await achCut(ctx, achOptionsFor(backend))),
    'ach-returns': async () => (results.achReturns = await achReturns(ctx, achOptionsFor(backend))),
    lists: async () => (results.lists = await listsRun({ ...ctx, listPayouts: Number(values['list-payouts']), listRequests: Number(values['list-requests']) })),
  };
  for (const name of scenarios) {
    const started = Date.now();
    process.stdout.write(`${label}: ${name}… `);
    try {
      await steps[name]();
      console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      results.errors[name] = (error as Error).message;
      console.log(`FAILED: ${(error as Error).message}`);
    }
  }
  return results;
}

async function main() {
  const startedAt = new Date();
  const loadAtStart = round(os.loadavg()[0]!, 2);
  const backends: BenchResults['backends'] = {};
  mkdirSync(LOG_DIR, { recursive: true });
  if (values['cpu-prof']) {
    rmSync(PROFILE_DIR, { recursive: true, force: true });
    mkdirSync(PROFILE_DIR, { recursive: true });
  }
  if (values.only !== 'pglite') {
    const pg = await startPostgres(PG_DIR, PG_PORT);
    // Ctrl-C: the servers under test get the signal too, but the PostgreSQL server is a daemon.
    const interrupted = () => void pg.stop().finally(() => process.exit(130));
    process.once('SIGINT', interrupted);
    try {
      backends.postgres = await runBackend('postgres', `PostgreSQL ${pg.version}`, { kind: 'postgres', databaseUrl: pg.url });
    } finally {
      process.off('SIGINT', interrupted);
      await pg.stop();
    }
  }
  if (values.only !== 'postgres') {
    rmSync(PGLITE_DIR, { recursive: true, force: true });
    try {
      backends.pglite = await runBackend('pglite', 'PGlite (embedded)', { kind: 'pglite', dataDir: PGLITE_DIR });
    } finally {
      rmSync(PGLITE_DIR, { recursive: true, force: true });
    }
  }
  const profiles: Record<string, ProfileSummary> = {};
  if (values['cpu-prof']) {
    for (const file of readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.cpuprofile'))) {
      profiles[file.replace(/\.cpuprofile$/, '')] = summarizeProfile(`${PROFILE_DIR}/${file}`);
    }
  }
  const cpus = os.cpus();
  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      // Other work on the machine skews every figure: the 1-minute load average before and after.
      loadAverage: { atStart: loadAtStart, atEnd: round(os.loadavg()[0]!, 2) },
    },
    settings,
    backends,
    targets: judgeTargets(backends),
    ...(values['cpu-prof'] ? { profiles } : {}),
  };
  const written = writeResults(results);
  console.log(`\n${toMarkdown(results)}`);
  console.log(`Written: ${written.json}, ${written.md} (and latest.json, latest.md); server logs in ${LOG_DIR}`);
}

await main();
