import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cacheInstance } from './config';
import { getJson } from './http';

let clockTicks: number | undefined;

/** Clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
export function ticksPerSecond(): number {
  clockTicks ??= Number(
    execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim(),
  );
  if (!Number.isFinite(clockTicks) || clockTicks <= 0)
    throw new Error('getconf CLK_TCK gave no tick rate');
  return clockTicks;
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name, in parentheses, may hold spaces: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5) (utime, stime) are the 12th and 13th after the name.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/** Resident memory of a process, in MB (VmRSS). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb === undefined ? NaN : Number(kb) / 1024;
}

/** One reading of a process. */
export interface ProcSample {
  /** Seconds since the window began. */
  readonly t: number;
  readonly cpuSeconds: number;
  readonly rssMb: number;
}

/** Reads a process now; NaN figures when it is gone. */
export function sampleProcess(pid: number, windowStartMs: number): ProcSample {
  const t = (Date.now() - windowStartMs) / 1000;
  try {
    return { t, cpuSeconds: cpuSeconds(pid), rssMb: rssMb(pid) };
  } catch {
    return { t, cpuSeconds: NaN, rssMb: NaN };
  }
}

/** What a cache pod holds: groups (one per job) and series in them. */
export interface CacheContents {
  readonly groups: number;
  readonly series: number;
}

interface ApiMetrics {
  data?: Record<string, unknown>[];
}

/**
 * Counts the groups and series a Pushgateway holds, from its /api/v1/metrics: one `data` entry
 * per group, one `metrics` entry per series (the Pushgateway's own push_time_seconds and
 * push_failure_time_seconds included). Expensive for the Pushgateway at thousands of groups, so
 * called after a measurement window, never during one.
 */
export async function cacheContents(address: string, timeoutMs = 60_000): Promise<CacheContents> {
  const body = (await getJson(
    `http://${cacheInstance(address)}/api/v1/metrics`,
    timeoutMs,
  )) as ApiMetrics;
  const groups = body.data ?? [];
  let series = 0;
  for (const group of groups) {
    for (const family of Object.values(group)) {
      const metrics = (family as { metrics?: unknown } | null)?.metrics;
      if (Array.isArray(metrics)) series += metrics.length;
    }
  }
  return { groups: groups.length, series };
}
