import { readFileSync } from 'node:fs';

export interface MemoryPeak {
  /** Highest VmRSS seen while polling, in MiB. */
  peakRssMb: number;
  /** The kernel's own high-water mark (VmHWM) at the last poll, in MiB: catches spikes between polls. */
  hwmMb: number;
}

function readStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined; // the process has exited
  }
}

const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

/** Polls /proc/<pid>/status until stopped; `stop()` answers the peaks seen. */
export function watchMemory(pid: number, everyMs = 100): { stop(): MemoryPeak; current(): MemoryPeak } {
  let peakKb = 0;
  let hwmKb = 0;
  const sample = () => {
    peakKb = Math.max(peakKb, readStatusKb(pid, 'VmRSS') ?? 0);
    hwmKb = Math.max(hwmKb, readStatusKb(pid, 'VmHWM') ?? 0);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  const current = () => ({ peakRssMb: mb(peakKb), hwmMb: mb(hwmKb) });
  return {
    current,
    stop() {
      sample();
      clearInterval(timer);
      return current();
    },
  };
}
