import type { MemoryPeak } from '../lib/rss.js';
import type { ProfileOptions, Target } from '../lib/processes.js';

/** What every scenario needs: where the database is, a sandbox key on it, and the run's knobs. */
export interface ScenarioContext {
  backend: 'postgres' | 'pglite';
  target: Target;
  apiKey: string;
  port: number;
  ceilingPort: number;
  poolSize: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  batchItems: number;
  lifecyclePayouts: number;
  /** The PostgreSQL server's data directory, to count its CPU time (PostgreSQL runs only). */
  postgresDataDir?: string;
  /** Set by `--cpu-prof`: the servers under test write CPU profiles there. */
  profile?: ProfileOptions;
}

export type { MemoryPeak };

/** Sandbox payouts created by the load scenarios wait this long, so the worker leaves them alone. */
export const PARKED_DELAY_MS = '3600000';
