import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));
const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// Any constant works; it only has to be the same in every process of this service.
const MIGRATION_LOCK_ID = 7_270_001;

export class MigrationError extends Error {}

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .map((file) => MIGRATION_FILE.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ version: Number(match[1]), name: match[2]!, sql: readFileSync(`${dir}/${match[0]}`, 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

/**
 * Applies the migrations the database lacks, all in one transaction under an advisory lock, so
 * several processes starting together apply each migration exactly once. Returns the versions
 * applied now.
 */
export async function migrate(db: Database, migrations: Migration[] = readMigrations()): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await tx.exec(`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`);
    const applied = await tx.query<{ version: number; name: string }>('select version, name from schema_migrations order by version');
    const known = new Map(migrations.map((m) => [m.version, m.name]));
    const unknown = applied.filter((row) => known.get(row.version) !== row.name);
    if (unknown.length > 0) {
      const names = unknown.map((row) => `${String(row.version).padStart(4, '0')}_${row.name}`).join(', ');
      throw new MigrationError(
        `The database has migrations this version of the code does not know (${names}); ` +
          'it was migrated by a newer or different version. Run that version, or point this one at another database.',
      );
    }
    const done = new Set(applied.map((row) => row.version));
    const appliedNow: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
      appliedNow.push(migration.version);
    }
    return appliedNow;
  });
}
