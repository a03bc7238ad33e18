import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { ROOT } from './processes.js';

const run = promisify(execFile);

/** A private PostgreSQL for the run, started as `.ci/run` does; a fresh data directory each time. */
export async function startPostgres(dir: string, port: number): Promise<{ url: string; version: string; stop(): Promise<void> }> {
  await run('scripts/pg-server.sh', ['stop', dir], { cwd: ROOT }).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
  const { stdout } = await run('scripts/pg-server.sh', ['start', dir, String(port)], { cwd: ROOT });
  const url = stdout.trim().split('\n').pop()!;
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const version = ((await client.query('show server_version')).rows[0] as { server_version: string }).server_version;
  await client.end();
  return {
    url,
    version,
    async stop() {
      await run('scripts/pg-server.sh', ['stop', dir], { cwd: ROOT });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
