import { chmodSync, lstatSync, mkdirSync, readdirSync, type Stats } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// The embedded database holds personal data and balances: its folder is the owner's alone.

export class DataDirPermissionError extends Error {}

/** Name pg gives a Unix socket in a directory (host=<dir>, port 5432). */
export const SOCKET_NAME = '.s.PGSQL.5432';
/** sun_path is 108 bytes on Linux, with the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

const currentUid = () => (typeof process.getuid === 'function' ? process.getuid() : undefined);

/**
 * Makes files this process creates owner-only, creates DATA_DIR (and missing parents) 0700, and
 * refuses a DATA_DIR that another user owns or that group or others may write: someone who can
 * write there could already have replaced the database.
 */
export function prepareDataDir(dataDir: string): string {
  const dir = resolve(dataDir);
  try {
    process.umask(0o077);
  } catch {
    /* worker threads cannot change the umask; the walk in tightenDataDir still applies */
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stats = lstatSync(dir);
  if (!stats.isDirectory()) throw new DataDirPermissionError(`DATA_DIR ${dir} is not a directory.`);
  checkOwner(dir, stats);
  if ((stats.mode & 0o022) !== 0) {
    throw new DataDirPermissionError(
      `DATA_DIR ${dir} is writable by ${describeWriters(stats.mode)} (mode ${octal(stats.mode)}): anyone on this machine could ` +
        `read or change the payouts database. Make it yours alone, then start again: chmod 700 ${shellQuote(dir)}`,
    );
  }
  return dir;
}

/**
 * Makes every folder in DATA_DIR 0700 and every file 0600 (PGlite creates its files 0666).
 * Symbolic links are left alone and not followed.
 */
export function tightenDataDir(dir: string): void {
  const visit = (path: string, stats: Stats) => {
    if (stats.isSymbolicLink()) return;
    checkOwner(path, stats);
    const wanted = stats.isDirectory() ? 0o700 : 0o600;
    if ((stats.mode & 0o777) !== wanted && (stats.isDirectory() || stats.isFile() || stats.isSocket())) chmodSync(path, wanted);
    if (!stats.isDirectory()) return;
    for (const name of readdirSync(path)) {
      const child = join(path, name);
      let childStats: Stats;
      try {
        childStats = lstatSync(child);
      } catch {
        continue; // removed meanwhile (PGlite's temporary files)
      }
      visit(child, childStats);
    }
  };
  visit(dir, lstatSync(dir));
}

/**
 * The path a process uses to reach the shared socket of the server running on `dir`, or an
 * explanation when the path is too long for a Unix socket (then a relative path from the current
 * folder is tried, which each process computes for itself).
 */
export function socketPathFor(dir: string): { path: string } | { problem: string } {
  const absolute = join(dir, SOCKET_NAME);
  if (Buffer.byteLength(absolute) <= MAX_SOCKET_PATH_BYTES) return { path: absolute };
  const fromHere = relative(process.cwd(), absolute);
  if (Buffer.byteLength(fromHere) <= MAX_SOCKET_PATH_BYTES) return { path: fromHere };
  return {
    problem:
      `DATA_DIR ${dir} is too long a path for a Unix socket (${Buffer.byteLength(absolute)} bytes with the socket name, at most ` +
      `${MAX_SOCKET_PATH_BYTES}), so the server cannot share the embedded database with the CLI. Use a shorter DATA_DIR, ` +
      'or run the CLI from a folder close to it.',
  };
}

function checkOwner(path: string, stats: Stats): void {
  const uid = currentUid();
  if (uid === undefined || stats.uid === uid) return;
  throw new DataDirPermissionError(
    `${path} in DATA_DIR belongs to another user (uid ${stats.uid}); payouts runs as uid ${uid}. ` +
      `Run payouts as that user, or give the folder to this one: chown -R ${uid} ${shellQuote(path)}`,
  );
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;
const describeWriters = (mode: number) =>
  (mode & 0o020) !== 0 && (mode & 0o002) !== 0 ? 'its group and by others' : (mode & 0o002) !== 0 ? 'others' : 'its group';
const shellQuote = (path: string) => (/^[\w./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`);
