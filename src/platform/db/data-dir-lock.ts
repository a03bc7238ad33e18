import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';

export class DataDirInUseError extends Error {
  constructor(
    message: string,
    /** The pid of the running process that holds the lock, when known. */
    readonly owner?: number,
  ) {
    super(message);
  }
}

/**
 * The embedded database is a set of files that one process may own at a time; a second writer
 * would corrupt it. A lock file holding the owner's pid keeps a second process out; a lock left by
 * a process that no longer runs is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lockPath = join(dir, 'payouts.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => releaseLock(lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(lockPath);
      if (owner !== undefined && owner !== process.pid && isRunning(owner)) {
        throw new DataDirInUseError(
          `The embedded database in ${dir} is in use by another process (pid ${owner}). ` +
            'Only one process can open it: stop that process first, or set DATABASE_URL to use PostgreSQL, ' +
            'which any number of processes can share.',
          owner,
        );
      }
      try {
        unlinkSync(lockPath); // stale: its owner is gone
      } catch {
        /* another process removed it first; the next attempt decides */
      }
    }
  }
  throw new DataDirInUseError(`Could not lock the embedded database in ${dir}: another process is starting on it.`);
}

function readOwner(lockPath: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockPath, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseLock(lockPath: string): void {
  if (readOwner(lockPath) !== process.pid) return;
  try {
    unlinkSync(lockPath);
  } catch {
    /* already gone */
  }
}
