import type { TargetResult } from '../../lib/interfaces/push-report.interface';
import type { Child } from './children';
import { CACHE_ADDRESSES, cacheInstance } from './config';
import type { Fleet, RecordedReport } from './fleet';
import { cacheContents, sampleProcess, type CacheContents, type ProcSample } from './measure';
import { scrapeFigures, type ScrapeFigures } from './prometheus';
import type { AppFigures, CachePodFigures } from './results';
import { mean, quantile, sleep } from '../support/stats';

/** Raw readings of one measurement window. */
export interface WindowReadings {
  readonly startMs: number;
  readonly endMs: number;
  readonly seconds: number;
  /** This process's CPU over the window. */
  readonly appCpu: NodeJS.CpuUsage;
  /** One reading a second per cache pod, in CACHE_ADDRESSES order, from t = 0. */
  readonly cacheSamples: readonly ProcSample[][];
  /** CPU seconds of the extra process (the sweeper sidecar, or the store), if one was given. */
  readonly extraCpuSeconds: number | null;
  /** Its resident memory at the end of the window, MB. */
  readonly extraRssMb: number | null;
}

/** What to watch over a window. */
export interface WindowOptions {
  /** The Pushgateways in CACHE_ADDRESSES order, or the vmagents in VMAGENT_ADDRESSES order. */
  readonly cachePods: readonly Child[];
  /** Another process whose CPU is measured (the sweeper sidecar, or VictoriaMetrics). */
  readonly extra?: Child;
  readonly seconds: number;
  /** Runs at the start of each second of the window (0-based), before it is sampled: churn. */
  readonly onSecond?: (second: number) => Promise<void>;
}

/**
 * Samples every cache pod's CPU and memory once a second for `seconds` (the loop is bounded
 * by that count), and this process's CPU over the whole window.
 */
export async function measureWindow(options: WindowOptions): Promise<WindowReadings> {
  const { cachePods, extra, seconds, onSecond } = options;
  const startMs = Date.now();
  const appStart = process.cpuUsage();
  const cacheSamples = cachePods.map((c) => [sampleProcess(c.pid, startMs)]);
  const extraStart = extra ? sampleProcess(extra.pid, startMs).cpuSeconds : NaN;
  for (let s = 0; s < seconds; s++) {
    if (onSecond) await onSecond(s);
    await sleep(startMs + (s + 1) * 1000 - Date.now());
    cachePods.forEach((c, i) => cacheSamples[i].push(sampleProcess(c.pid, startMs)));
  }
  const endMs = Date.now();
  const appCpu = process.cpuUsage(appStart);
  const extraEnd = extra ? sampleProcess(extra.pid, startMs) : undefined;
  return {
    startMs,
    endMs,
    seconds: (endMs - startMs) / 1000,
    appCpu,
    cacheSamples,
    extraCpuSeconds: extraEnd ? extraEnd.cpuSeconds - extraStart : null,
    extraRssMb: extraEnd?.rssMb ?? null,
  };
}

/**
 * Turns a window's readings and the push reports that ended in it into figures per cache pod
 * and for the app process. Reads what needs the Pushgateways and Prometheus after the window:
 * call it once the pods have stopped, so the expensive listing of groups competes with nothing.
 * With `vmagents`, the pods are the vmagents at those addresses, which hold no groups and which
 * Prometheus does not scrape.
 */
export async function windowFigures(
  readings: WindowReadings,
  fleet: Fleet,
  podsLive: number,
  pushRateSeconds: number,
  vmagents?: readonly string[],
): Promise<{ cache: CachePodFigures[]; app: AppFigures }> {
  const reports = fleet.reportsBetween(readings.startMs, readings.endMs);
  const instances = CACHE_ADDRESSES.map(cacheInstance);
  const scrapes = vmagents
    ? new Map<string, ScrapeFigures>()
    : await scrapeFigures(instances, readings.seconds, readings.endMs);
  const cache: CachePodFigures[] = [];
  for (const [i, address] of (vmagents ?? CACHE_ADDRESSES).entries()) {
    // One at a time: three listings at once would compete for the same core.
    const contents = vmagents
      ? undefined
      : await cacheContents(address).catch((): CacheContents | undefined => undefined);
    const scrape = scrapes.get(cacheInstance(address));
    const handled = (scrape?.handledPerSecond ?? 0) * readings.seconds;
    const pushes = pushFigures(address, reports, readings.seconds);
    const cpu = cpuFigures(readings.cacheSamples[i], readings.seconds);
    cache.push({
      ...pushes,
      ...cpu,
      cpuMsPerPush: pushes.accepted > 0 ? (cpu.cpuSeconds * 1000) / pushes.accepted : null,
      groups: contents?.groups ?? null,
      series: contents?.series ?? null,
      scrapeMaxSeconds: scrape?.scrapeMaxSeconds ?? null,
      scrapesFailed: scrape?.scrapesFailed ?? null,
      handledPerSecond: scrape?.handledPerSecond ?? null,
      cpuMsPerHandledPush: handled > 0 ? (cpu.cpuSeconds * 1000) / handled : null,
      samples: readings.cacheSamples[i],
    });
  }
  return { cache, app: appFigures(readings, reports, podsLive, pushRateSeconds) };
}

type PushPart = Pick<
  CachePodFigures,
  'address' | 'accepted' | 'acceptedPerSecond' | 'failed' | 'failedByReason' | 'p50Ms' | 'p99Ms'
>;

function pushFigures(
  address: string,
  reports: readonly RecordedReport[],
  seconds: number,
): PushPart {
  const results: TargetResult[] = reports.flatMap((r) =>
    r.report.targets.filter((t) => t.address === address),
  );
  const failedByReason: Record<string, number> = {};
  let accepted = 0;
  for (const t of results) {
    if (t.ok) accepted++;
    else failedByReason[t.reason ?? 'error'] = (failedByReason[t.reason ?? 'error'] ?? 0) + 1;
  }
  // Failed pushes count too: a push that times out is what the app waited for.
  const durations = results.map((t) => t.durationMs);
  return {
    address,
    accepted,
    acceptedPerSecond: accepted / seconds,
    failed: results.length - accepted,
    failedByReason,
    p50Ms: durations.length > 0 ? quantile(durations, 0.5) : null,
    p99Ms: durations.length > 0 ? quantile(durations, 0.99) : null,
  };
}

type CpuPart = Pick<CachePodFigures, 'cpuSeconds' | 'cpuCores' | 'rssMb' | 'rssMaxMb'>;

function cpuFigures(samples: readonly ProcSample[], seconds: number): CpuPart {
  const first = samples[0];
  const last = samples[samples.length - 1];
  const cpuSeconds = last.cpuSeconds - first.cpuSeconds;
  return {
    cpuSeconds,
    cpuCores: cpuSeconds / seconds,
    rssMb: last.rssMb,
    rssMaxMb: Math.max(...samples.map((s) => s.rssMb)),
  };
}

function appFigures(
  readings: WindowReadings,
  reports: readonly RecordedReport[],
  podsLive: number,
  pushRateSeconds: number,
): AppFigures {
  const cpuMs = (readings.appCpu.user + readings.appCpu.system) / 1000;
  const pushes = reports.filter((r) => r.report.kind === 'push');
  return {
    cycles: pushes.length,
    cyclesExpected: Math.round((podsLive * readings.seconds) / pushRateSeconds),
    cpuCores: cpuMs / 1000 / readings.seconds,
    cpuMsPerCycle: pushes.length > 0 ? cpuMs / pushes.length : null,
    bytesPerPush: pushes.length > 0 ? mean(pushes.map((r) => r.report.bytes)) : null,
  };
}
