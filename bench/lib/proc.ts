// What a server process costs, read from /proc: CPU time (user + system, every thread, including
// threads that have exited) and resident memory. Linux only, like the rest of the benchmark.
import { readFileSync } from 'node:fs';

const CLK_TCK = 100;

/** CPU ms the process has used so far. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Resident set size in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round((Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024) * 10) / 10;
}

/** The 1-minute load average: how busy the shared machine was while a figure was taken. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/**
 * Wait until the process is idle — under `maxPct` % of a core over `windowMs` — so a measurement
 * starts after its start-up work (validators compiling, Prism loading), whatever the build does.
 */
export async function untilIdle(pid: number, o: { windowMs?: number; maxPct?: number; timeoutMs?: number } = {}): Promise<number> {
  const { windowMs = 500, maxPct = 5, timeoutMs = 60_000 } = o;
  const t0 = performance.now();
  for (;;) {
    const c0 = cpuMs(pid);
    await new Promise((r) => setTimeout(r, windowMs));
    if (((cpuMs(pid) - c0) / windowMs) * 100 <= maxPct || performance.now() - t0 > timeoutMs) return performance.now() - t0;
  }
}
