import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (user + system) a process has used so far, in ms; 0 once it is gone. */
export function cpuTimeMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND; // utime, stime
  } catch {
    return 0;
  }
}

/** The PostgreSQL server's processes (postmaster and its backends), from its data directory. */
export function postgresPids(dataDir: string): number[] {
  const postmaster = Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster; // ppid
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

/** Starts counting the CPU time of some processes; `stop()` answers the ms they used meanwhile. */
export function countCpu(pids: () => number[]): { stop(): number } {
  const before = new Map(pids().map((pid) => [pid, cpuTimeMs(pid)]));
  return {
    stop: () => pids().reduce((sum, pid) => sum + cpuTimeMs(pid) - (before.get(pid) ?? 0), 0),
  };
}
