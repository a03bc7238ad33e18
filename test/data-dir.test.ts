import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createOrganization } from '../src/modules/organizations/organizations.service.js';
import { DataDirPermissionError, prepareDataDir, SOCKET_NAME, socketPathFor } from '../src/platform/db/data-dir.js';
import { openAndMigrate } from '../src/runtime.js';
import { onPostgres } from './harness.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'bin', 'payouts.js');

/** Every file and folder under `dir` whose mode is not 0600 (files) or 0700 (folders). */
function looseModes(dir: string): string[] {
  const loose: string[] = [];
  const visit = (path: string) => {
    const stats = statSync(path);
    const wanted = stats.isDirectory() ? 0o700 : 0o600;
    if ((stats.mode & 0o777) !== wanted) loose.push(`${path} ${(stats.mode & 0o777).toString(8)}`);
    if (stats.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
  return loose;
}

// The embedded database's folder holds personal data and balances: its owner's alone.
describe.skipIf(onPostgres)('DATA_DIR permissions', () => {
  const root = mkdtempSync(join(tmpdir(), 'payouts-perm-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the folder and its missing parents 0700, and every file of a run 0600', async () => {
    const dataDir = join(root, 'fresh', 'nested', 'data');
    const db = await openAndMigrate(loadConfig({ DATA_DIR: dataDir }), { share: true });
    await createOrganization(db, 'Acme');
    expect(statSync(join(dataDir, SOCKET_NAME)).mode & 0o777).toBe(0o600);
    await db.close();
    expect(statSync(join(root, 'fresh')).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, 'fresh', 'nested')).mode & 0o777).toBe(0o700);
    expect(readdirSync(dataDir).length).toBeGreaterThan(5);
    expect(looseModes(dataDir)).toEqual([]);
  }, 120_000);

  it('tightens a folder left readable by a previous version', async () => {
    const dataDir = join(root, 'old');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'left-behind'), 'x', { mode: 0o666 });
    chmodSync(join(dataDir, 'left-behind'), 0o666);
    const db = await openAndMigrate(loadConfig({ DATA_DIR: dataDir }));
    await db.close();
    expect(looseModes(dataDir)).toEqual([]);
  }, 120_000);

  it('refuses a folder that group or others can write, saying how to fix it', () => {
    for (const mode of [0o777, 0o770, 0o702]) {
      const dataDir = join(root, `open-${mode.toString(8)}`);
      mkdirSync(dataDir);
      chmodSync(dataDir, mode);
      expect(() => prepareDataDir(dataDir)).toThrow(DataDirPermissionError);
      expect(() => prepareDataDir(dataDir)).toThrow(`chmod 700 ${dataDir}`);
    }
  });

  it.runIf(process.getuid?.() === 0)('refuses a folder that belongs to another user', () => {
    const dataDir = join(root, 'theirs');
    mkdirSync(dataDir, { mode: 0o700 });
    chownSync(dataDir, 4242, 4242);
    expect(() => prepareDataDir(dataDir)).toThrow(/belongs to another user \(uid 4242\)/);
  });

  it('refuses it from the CLI and from the server, with the fix and no stack trace', async () => {
    const dataDir = join(root, 'world-writable');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o777);
    const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1' };
    for (const args of [['keys', 'list'], ['serve']]) {
      const failure = await run('node', [CLI, ...args], { env }).catch((error) => error);
      expect(failure.code).toBe(1);
      expect(failure.stderr).toContain(`DATA_DIR ${dataDir} is writable by its group and by others (mode 0777)`);
      expect(failure.stderr).toContain(`chmod 700 ${dataDir}`);
      expect(failure.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readdirSync(dataDir)).toEqual([]);
  }, 120_000);

  it('finds a socket path for a DATA_DIR too long for a Unix socket, or says why not', () => {
    const long = join(process.cwd(), 'x'.repeat(90));
    expect(Buffer.byteLength(join(long, SOCKET_NAME))).toBeGreaterThan(107);
    // From the current folder the relative path is short enough.
    expect(socketPathFor(long)).toEqual({ path: join('x'.repeat(90), SOCKET_NAME) });
    const far = join('/', 'y'.repeat(200));
    expect(socketPathFor(far)).toMatchObject({ problem: expect.stringContaining('too long a path for a Unix socket') });
  });
});
