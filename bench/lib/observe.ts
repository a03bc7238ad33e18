// What a long server-side operation costs everyone else, watched from outside while it runs: a
// steady (open-loop) API load with each answer's latency, the server's resident memory, and on
// PostgreSQL the longest-open transactions (pg_stat_activity sampled).
import { readFileSync } from 'node:fs';
import type { Database } from '../../src/platform/db/database.js';
import { percentile, round } from './api.js';

export interface LatencySummary {
  requests: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samples: { ms: number; ok: boolean }[]): LatencySummary {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  return {
    requests: samples.length,
    failed: samples.filter((s) => !s.ok).length,
    p50: round(percentile(sorted, 50), 1),
    p99: round(percentile(sorted, 99), 1),
    max: round(sorted.at(-1) ?? NaN, 1),
  };
}

/**
 * `rate` requests a second, sent on schedule whether or not earlier ones have answered (a slow
 * server shows as latency, not as fewer requests), cycling through `paths`. Each answer is kept
 * with the time it was sent, so a window (e.g. while a cut runs) can be cut out afterwards.
 */
export function steadyLoad(baseUrl: string, key: string, rate: number, paths: string[]) {
  const samples: { sentAt: number; ms: number; ok: boolean }[] = [];
  const inFlight = new Set<Promise<void>>();
  let n = 0;
  const send = () => {
    const path = paths[n++ % paths.length]!;
    const sentAt = performance.now();
    const request = fetch(baseUrl + path, { headers: { authorization: `Bearer ${key}` } })
      .then(async (response) => {
        await response.arrayBuffer();
        samples.push({ sentAt, ms: performance.now() - sentAt, ok: response.ok });
      })
      .catch(() => void samples.push({ sentAt, ms: performance.now() - sentAt, ok: false }))
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };
  const started = performance.now();
  // Catch up on schedule from a fine timer: setInterval alone drifts under load.
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (n < due) send();
  }, 5);
  return {
    /** Answers to requests sent between `from` and `to` (performance.now() times). */
    between: (from: number, to: number) => samples.filter((s) => s.sentAt >= from && s.sentAt < to),
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}

const statusKb = (pid: number, field: string): number => {
  try {
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // exited
  }
};

/** Resident memory of a process from now on: where it started and the highest it went (MiB). */
export function watchRss(pid: number, everyMs = 25) {
  const startKb = statusKb(pid, 'VmRSS');
  let peakKb = startKb;
  const timer = setInterval(() => (peakKb = Math.max(peakKb, statusKb(pid, 'VmRSS'))), everyMs);
  const mb = (kb: number) => round(kb / 1024, 1);
  return {
    stop() {
      clearInterval(timer);
      const endKb = statusKb(pid, 'VmRSS');
      peakKb = Math.max(peakKb, endKb);
      return { startMb: mb(startKb), peakMb: mb(peakKb), endMb: mb(endKb), growthMb: mb(peakKb - startKb), hwmMb: mb(statusKb(pid, 'VmHWM')) };
    },
  };
}

export interface LongTransaction {
  ms: number;
  /** The statement the transaction was running (or had last run) when last seen. */
  query: string;
}

/**
 * Samples pg_stat_activity every `everyMs`: for each transaction seen open (backend + xact_start),
 * how long it had been open at the last sighting. Lower bound with `everyMs` resolution. Client
 * backends only: autovacuum's own transactions (it vacuums the tables the cut writes) hold no
 * lock an API request waits for.
 */
export function watchTransactions(db: Database, everyMs = 20) {
  const seen = new Map<string, LongTransaction>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const rows = await db.query<{ id: string; ms: number; query: string }>(
        `select pid || '@' || xact_start as id, (extract(epoch from clock_timestamp() - xact_start) * 1000)::float8 as ms, left(query, 160) as query
         from pg_stat_activity
         where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid() and xact_start is not null`,
      );
      for (const row of rows) seen.set(row.id, { ms: round(Number(row.ms), 0), query: row.query.replace(/\s+/g, ' ') });
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    /** The longest transactions seen, longest first. */
    async stop(top = 3): Promise<LongTransaction[]> {
      running = false;
      await loop;
      return [...seen.values()].sort((a, b) => b.ms - a.ms).slice(0, top);
    },
  };
}
