// Looks for secrets in clear where they must never be: every text-like column of every table
// (found through information_schema, so a table added tomorrow is scanned too), every file under
// the given folders (DATA_DIR: stored files, and the embedded database's own pages), and log text.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../src/platform/db/database.js';

export interface Finding {
  /** `table.column`, a file path, or `logs`. */
  where: string;
  needle: string;
}

/** Column types whose text a needle can sit in (arrays and json are read as their text form). */
const TEXT_TYPES = ['text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED'];

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Every column of every table of the current schema whose text holds one of the needles. */
export async function scanDatabase(db: Database, needles: readonly string[]): Promise<Finding[]> {
  const columns = await db.query<{ table_name: string; column_name: string }>(
    `select c.table_name, c.column_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
     where c.table_schema = current_schema() and c.data_type = any($1::text[])
     order by c.table_name, c.ordinal_position`,
    [TEXT_TYPES],
  );
  if (columns.length === 0) throw new Error('No text column found: the scan would prove nothing.');
  const findings: Finding[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const found = await db.query<{ needle: string }>(
      `select n as needle from unnest($1::text[]) as n
       where exists (select 1 from ${quoteIdent(table)} where strpos(${quoteIdent(column)}::text, n) > 0)`,
      [needles],
    );
    for (const f of found) findings.push({ where: `${table}.${column}`, needle: f.needle });
  }
  return findings;
}

/** Every file under the folders whose bytes hold one of the needles (as UTF-8). */
export function scanFiles(folders: readonly string[], needles: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const visit = (path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
      return;
    }
    if (!stat.isFile()) return; // sockets and the like
    const bytes = readFileSync(path);
    for (const needle of needles) if (bytes.includes(Buffer.from(needle, 'utf8'))) findings.push({ where: path, needle });
  };
  for (const folder of folders) visit(folder);
  return findings;
}

/** The needles found in log text. */
export const scanText = (where: string, text: string, needles: readonly string[]): Finding[] =>
  needles.filter((needle) => text.includes(needle)).map((needle) => ({ where, needle }));

/** Everything at once: the database, the folders and the logs. */
export async function scanForSensitive(options: { db: Database; folders?: readonly string[]; logs?: string; needles: readonly string[] }): Promise<Finding[]> {
  if (options.needles.some((n) => n.length < 4)) throw new Error('A needle under 4 characters would match by chance.');
  return [
    ...(await scanDatabase(options.db, options.needles)),
    ...scanFiles(options.folders ?? [], options.needles),
    ...(options.logs === undefined ? [] : scanText('logs', options.logs, options.needles)),
  ];
}
