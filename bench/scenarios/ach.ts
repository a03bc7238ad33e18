// 6. ACH cut: N pending ACH payouts (100,000 with --ach-payouts 100000) seeded in SQL, then one
// `POST /ach/files` through the real server while a steady API load (GET /payments and
// GET /balance, --ach-rate a second) runs. Baseline, in the same run against the same server and
// data: the same load with no cut, in a window before the cut and one after it. Figures: cut duration and
// payouts/s, the server's RSS growth during the cut, API p50/p99 during the cut ÷ the baseline's,
// on PostgreSQL the longest single transaction seen (pg_stat_activity sampled every 20 ms), and
// the download's time and byte length (checked against the file's sha256 and parsed back).
// 7. ACH returns: a 10,000-entry return file (R01 on 10,000 of a cut file's entries, written with
// NachaWriter plus their addenda 99) imported by `POST /ach/returns`; import duration.
import { createHash } from 'node:crypto';
import { NachaWriter, parseNachaFile } from '../../src/modules/ach/nacha/index.js';
import type { Database } from '../../src/platform/db/database.js';
import { expectApi, round } from '../lib/api.js';
import { countCpu, postgresPids } from '../lib/cpu.js';
import { type LatencySummary, type LongTransaction, steadyLoad, summarize, watchRss, watchTransactions } from '../lib/observe.js';
import { type RunningProcess, startPayoutsServer } from '../lib/processes.js';
import { BANK_SETTINGS, openBenchDatabase, productionKey, seedPendingAchPayouts } from './ach-seed.js';
import type { ScenarioContext } from './context.js';

export interface AchOptions {
  /** Payouts in the cut on this database (PGlite's default is smaller: it is one process, on one core). */
  achPayouts: number;
  achReturns: number;
  /** API requests a second while the cut runs (and in the baseline). */
  achRate: number;
}

interface RssFigures {
  startMb: number;
  peakMb: number;
  endMb: number;
  growthMb: number;
  hwmMb: number;
}

export interface AchCutResult {
  payouts: number;
  seedSeconds: number;
  cutSeconds: number;
  payoutsPerSecond: number;
  /**
   * CPU seconds the cut cost the server process and PostgreSQL (all its processes; the API load's
   * share included). On a busy machine the wall time stretches, the CPU time much less: their sum
   * is about what the cut takes on an idle machine, the cut running one statement at a time.
   */
  cpuSeconds: { server: number; postgres?: number };
  fileEntries: number;
  rss: RssFigures;
  /**
   * The same load without a cut, before it and after it (other work on a shared machine can
   * disturb either window); `baseline` is the quieter of the two (lower p99), the ratios are to it.
   */
  api: {
    rate: number;
    before: LatencySummary;
    after: LatencySummary;
    baseline: LatencySummary;
    duringCut: LatencySummary;
    p50Ratio: number;
    p99Ratio: number;
  };
  /** PostgreSQL only: the longest transactions seen open during the cut. */
  longestTransactions?: LongTransaction[];
  download: { seconds: number; bytes: number; sha256Matches: boolean; parsedEntries: number; rss: RssFigures };
}

export interface AchReturnsResult {
  entries: number;
  fileBytes: number;
  /** Seconds to seed and cut the file the returns are built from (0 when ach-cut's file was used). */
  setupSeconds: number;
  importSeconds: number;
  entriesPerSecond: number;
  outcomes: Record<string, number>;
  unmatched: number;
  rss: RssFigures;
}

interface AchFile {
  id: string;
  payoutCount: number;
  entryCount: number;
  byteLength: number;
  sha256: string;
}

const LOAD_PATHS = ['/payments?limit=10', '/balance'];
/** Load before anything is measured: connections, JIT, caches. */
const WARMUP_MS = 2000;

/** The bank settings are seeded; the server needs no ACH_* of its own (ACH_TIMEZONE keeps its default). */
const SERVER_ENV = {};

async function seeded(ctx: ScenarioContext, count: number): Promise<number> {
  const db = await openBenchDatabase(ctx.target);
  try {
    const started = performance.now();
    await seedPendingAchPayouts(db, count);
    return round((performance.now() - started) / 1000, 1);
  } finally {
    await db.close();
  }
}

async function download(server: RunningProcess, key: string, file: AchFile) {
  const rss = watchRss(server.pid);
  const started = performance.now();
  const response = await fetch(`${server.url}/ach/files/${file.id}/download`, { headers: { authorization: `Bearer ${key}` } });
  if (response.status !== 200) throw new Error(`download answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of response.body!) {
    const buffer = Buffer.from(chunk as Uint8Array);
    hash.update(buffer);
    chunks.push(buffer);
    bytes += buffer.length;
  }
  const seconds = round((performance.now() - started) / 1000, 2);
  return { seconds, bytes, sha256Matches: hash.digest('hex') === file.sha256, text: Buffer.concat(chunks).toString('ascii'), rss: rss.stop() };
}

export async function achCut(ctx: ScenarioContext, options: AchOptions): Promise<AchCutResult> {
  const key = await productionKey(ctx.target);
  const seedSeconds = await seeded(ctx, options.achPayouts);
  const server = await startPayoutsServer(ctx.target, ctx.port, SERVER_ENV, `${ctx.backend}-ach-cut`);
  // PGlite: the server holds the data directory, so no second connection to watch transactions.
  const watcherDb: Database | undefined = ctx.target.kind === 'postgres' ? await openBenchDatabase(ctx.target) : undefined;
  const load = steadyLoad(server.url, key, options.achRate, LOAD_PATHS);
  try {
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const baselineFrom = performance.now();
    // Each baseline window: long enough for a steady p99 (250+ requests at 50/s), short enough for the run.
    const baselineMs = Math.max(5000, Math.min(10_000, options.achPayouts / 10));
    await new Promise((r) => setTimeout(r, baselineMs));
    const baselineTo = performance.now();

    const rss = watchRss(server.pid);
    const transactions = watcherDb ? watchTransactions(watcherDb) : undefined;
    const serverCpu = countCpu(() => [server.pid]);
    const dataDir = ctx.postgresDataDir;
    const postgresCpu = dataDir ? countCpu(() => postgresPids(dataDir)) : undefined;
    const cutFrom = performance.now();
    const cut = await expectApi(201, server.url, key, 'POST', '/ach/files');
    const cutTo = performance.now();
    const cpuSeconds = { server: round(serverCpu.stop() / 1000, 1), ...(postgresCpu ? { postgres: round(postgresCpu.stop() / 1000, 1) } : {}) };
    const rssFigures = rss.stop();
    const longestTransactions = await transactions?.stop();
    const afterFrom = performance.now();
    await new Promise((r) => setTimeout(r, baselineMs));
    const afterTo = performance.now();
    await load.stop();
    const file = (cut.json as { data: AchFile }).data;
    if (file.payoutCount !== options.achPayouts) throw new Error(`the file has ${file.payoutCount} payouts, not the ${options.achPayouts} seeded`);

    const before = summarize(load.between(baselineFrom, baselineTo));
    const after = summarize(load.between(afterFrom, afterTo));
    const baseline = before.p99 <= after.p99 ? before : after;
    const duringCut = summarize(load.between(cutFrom, cutTo));
    const got = await download(server, key, file);
    const parsed = parseNachaFile(got.text);
    const cutSeconds = round(cut.ms / 1000, 2);
    return {
      payouts: options.achPayouts,
      seedSeconds,
      cutSeconds,
      payoutsPerSecond: Math.round(file.payoutCount / (cut.ms / 1000)),
      cpuSeconds,
      fileEntries: file.entryCount,
      rss: rssFigures,
      api: {
        rate: options.achRate,
        before,
        after,
        baseline,
        duringCut,
        p50Ratio: round(duringCut.p50 / baseline.p50, 2),
        p99Ratio: round(duringCut.p99 / baseline.p99, 2),
      },
      ...(longestTransactions ? { longestTransactions } : {}),
      download: {
        seconds: got.seconds,
        bytes: got.bytes,
        sha256Matches: got.sha256Matches,
        parsedEntries: parsed.batches.reduce((n, b) => n + b.entries.length, 0),
        rss: got.rss,
      },
    };
  } finally {
    await load.stop();
    await watcherDb?.close();
    await server.stop();
  }
}

/** The newest `created` file with at least `entries` payouts none of which has had a return applied. */
async function returnableFile(ctx: ScenarioContext, entries: number): Promise<string | undefined> {
  const db = await openBenchDatabase(ctx.target);
  try {
    const [row] = await db.query<{ id: string }>(
      `select f.id from ach_files f where f.status = 'created' and f.payout_count >= $1
         and not exists (select 1 from ach_entries e join ach_return_entries r on r.original_trace = e.trace_number where e.file_id = f.id)
       order by f.id desc limit 1`,
      [entries],
    );
    return row?.id;
  } finally {
    await db.close();
  }
}

const num = (value: bigint | number, width: number) => String(value).padStart(width, '0');

/**
 * The bank's return file for `count` of the file's credit entries, each returned R01: entry
 * records written by NachaWriter (fields, hash and totals), turned into returns (transaction code
 * 21/31, addenda indicator 1) each followed by its addenda 99 with the original trace; the
 * control records' counts then include the addenda, as NACHA counts them.
 */
export function returnFileFor(sent: ReturnType<typeof parseNachaFile>, count: number, code = 'R01'): string {
  const credits = sent.batches.flatMap((b) =>
    b.entries.filter((e) => e.transactionCode === 22 || e.transactionCode === 32).map((e) => ({ ...e, sec: b.secCode })),
  );
  if (credits.length < count) throw new Error(`the file has ${credits.length} credit entries, fewer than the ${count} to return`);
  const odfi = BANK_SETTINGS.odfiRouting.slice(0, 8);
  const rdfiOdfi = '01100001'; // the returning bank (the payees' RDFI)
  const writer = new NachaWriter({
    immediateDestination: BANK_SETTINGS.odfiRouting,
    immediateOrigin: ' 011000015',
    immediateDestinationName: 'ACME PAYOUTS',
    immediateOriginName: 'PAYEE BANK',
    creationDate: sent.header.creationDate,
    creationTime: '0600',
    fileIdModifier: 'R',
  });
  const lines: string[] = [writer.start()];
  let addenda = 0;
  const bySec = new Map<string, typeof credits>();
  for (const entry of credits.slice(0, count)) bySec.set(entry.sec, [...(bySec.get(entry.sec) ?? []), entry]);
  let batchNumber = 0;
  let trace = 1;
  for (const [sec, entries] of bySec) {
    lines.push(
      writer.startBatch({
        serviceClassCode: 220,
        companyName: 'ACME PAYOUTS',
        companyId: BANK_SETTINGS.companyId,
        secCode: sec as 'PPD' | 'CCD',
        companyEntryDescription: 'PAYOUT',
        effectiveEntryDate: sent.batches[0]!.effectiveEntryDate,
        odfiIdentification: rdfiOdfi,
        batchNumber: ++batchNumber,
      }),
    );
    for (const entry of entries) {
      const returnTrace = `${rdfiOdfi}${num(trace++, 7)}`;
      const record = writer.entry({
        transactionCode: entry.transactionCode as 22 | 32,
        rdfiRouting: BANK_SETTINGS.odfiRouting,
        accountNumber: entry.accountNumber,
        amount: entry.amount,
        individualId: entry.individualId,
        individualName: entry.individualName,
        traceNumber: returnTrace,
      });
      // 22 → 21, 32 → 31 (automated return of a credit); addenda record indicator 1.
      lines.push(`${record.slice(0, 2)}1${record.slice(3, 78)}1${record.slice(79)}`);
      lines.push(`799${code}${entry.traceNumber}${' '.repeat(6)}${odfi}${' '.repeat(44)}${returnTrace}\n`);
      addenda++;
    }
    const control = writer.endBatch();
    lines.push(`${control.slice(0, 4)}${num(entries.length * 2, 6)}${control.slice(10)}`);
  }
  const [fileControl] = writer.finish().split('\n');
  const records = lines.length + 1;
  const blocks = Math.ceil(records / 10);
  const fileCount = Number(fileControl!.slice(13, 21)) + addenda;
  lines.push(`${fileControl!.slice(0, 7)}${num(blocks, 6)}${num(fileCount, 8)}${fileControl!.slice(21)}\n`);
  lines.push(`${'9'.repeat(94)}\n`.repeat(blocks * 10 - records));
  return lines.join('');
}

export async function achReturns(ctx: ScenarioContext, options: AchOptions): Promise<AchReturnsResult> {
  const key = await productionKey(ctx.target);
  const count = options.achReturns;
  const setupStarted = performance.now();
  let fileId = await returnableFile(ctx, count);
  const reused = fileId !== undefined;
  if (!reused) await seeded(ctx, count);
  const server = await startPayoutsServer(ctx.target, ctx.port, SERVER_ENV, `${ctx.backend}-ach-returns`);
  try {
    if (!fileId) fileId = ((await expectApi(201, server.url, key, 'POST', '/ach/files')).json as { data: AchFile }).data.id;
    const setupSeconds = round((performance.now() - setupStarted) / 1000, 1);
    const file = ((await expectApi(200, server.url, key, 'GET', `/ach/files/${fileId}`)).json as { data: AchFile }).data;
    const text = returnFileFor(parseNachaFile((await download(server, key, file)).text), count);
    parseNachaFile(text); // a file our own parser refuses would measure the refusal

    const rss = watchRss(server.pid);
    const started = performance.now();
    const response = await fetch(`${server.url}/ach/returns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' },
      body: text,
    });
    const answer = await response.text();
    const seconds = (performance.now() - started) / 1000;
    const rssFigures = rss.stop();
    if (response.status !== 200) throw new Error(`POST /ach/returns answered ${response.status}: ${answer.slice(0, 300)}`);
    // The contract's report; the route may wrap it in the API's usual `data` envelope.
    type Report = { returns: { outcome: string }[]; unmatched: unknown[] };
    const parsed = JSON.parse(answer) as Report | { data: Report };
    const report = 'data' in parsed ? parsed.data : parsed;
    const outcomes: Record<string, number> = {};
    for (const r of report.returns) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    return {
      entries: count,
      fileBytes: Buffer.byteLength(text),
      setupSeconds: reused ? 0 : setupSeconds,
      importSeconds: round(seconds, 2),
      entriesPerSecond: Math.round(count / seconds),
      outcomes,
      unmatched: report.unmatched.length,
      rss: rssFigures,
    };
  } finally {
    await server.stop();
  }
}
