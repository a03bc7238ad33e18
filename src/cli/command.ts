// What every CLI command is, and how a command gets a database it always closes again.
import type { ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import type { Database } from '../platform/db/database.js';
import { openAndMigrate } from '../runtime.js';

export interface CommandContext {
  config: Readonly<Config>;
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  run(ctx: CommandContext): Promise<number>;
}

/** Runs `fn` on a migrated database and always closes it (releasing the embedded database lock). */
export async function withDatabase<T>(config: Readonly<Config>, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openAndMigrate(config);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
