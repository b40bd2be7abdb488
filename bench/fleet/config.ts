import * as path from 'node:path';

/** Repository root: this file runs compiled from .run/bench/bench/fleet/. */
export const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
/** Everything the run writes besides its results: server data, logs, pid files. */
export const FLEET_DIR = path.join(ROOT, '.run', 'fleet');
/** Every server's log, and the app pods' one (pods.log). */
export const LOG_DIR = path.join(FLEET_DIR, 'logs');
/** One pid file per running server, for scripts/bench-fleet.sh to clean up after a killed run. */
export const PID_DIR = path.join(FLEET_DIR, 'pids');

/** Debian's binaries, as scripts/stack.sh installs them. */
export const PUSHGATEWAY_BIN = '/usr/bin/prometheus-pushgateway';
export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const DNSMASQ_BIN = '/usr/sbin/dnsmasq';
/** Debian's victoria-metrics package, which ships both. */
export const VMAGENT_BIN = '/usr/bin/vmagent';
export const VICTORIA_METRICS_BIN = '/usr/bin/victoria-metrics';

// Clear of the test stack (127.0.0.2-4:9091, 127.0.0.1:5353, 127.0.0.1:19090-19091, vmagents on
// 127.0.0.41-42:8429, VictoriaMetrics on 127.0.0.1:18428), which other people's tests use while
// this runs.
/** The three cache pods (Pushgateways) of the simulated metrics cache. */
export const CACHE_ADDRESSES: readonly string[] = ['127.0.0.12', '127.0.0.13', '127.0.0.14'];
/** Port of every cache pod (`podPort` of the app pods). */
export const CACHE_PORT = 9191;
/** dnsmasq, answering the headless name. */
export const DNS_HOST = '127.0.0.1';
export const DNS_PORT = 5354;
/** Headless name the app pods resolve to find every cache pod. */
export const SERVICE_NAME = 'fleet-cache.nubium.test';
/** The two vmagents, behind a headless name of their own, and the port of each. */
export const VMAGENT_ADDRESSES: readonly string[] = ['127.0.0.15', '127.0.0.16'];
export const VMAGENT_PORT = 9429;
export const VMAGENT_SERVICE_NAME = 'fleet-vmagent.nubium.test';
/** The VictoriaMetrics single node both vmagents remote-write to. */
export const VICTORIA_METRICS_HOST = '127.0.0.1';
export const VICTORIA_METRICS_PORT = 18528;
/** Prometheus, scraping the cache pods as the real one does. */
export const PROMETHEUS_HOST = '127.0.0.1';
export const PROMETHEUS_PORT = 19290;
/** Prometheus's scrape job of the cache pods, and how often it scrapes them. */
export const SCRAPE_JOB = 'fleet-cache';
export const SCRAPE_INTERVAL_SECONDS = 5;

/** `host:port` of a cache pod, as Prometheus names it in `instance`. */
export function cacheInstance(address: string): string {
  return `${address}:${CACHE_PORT}`;
}

/** `host:port` of a vmagent. */
export function vmagentInstance(address: string): string {
  return `${address}:${VMAGENT_PORT}`;
}

/** Where a fleet's app pods push, and how. */
export interface PushTarget {
  readonly serviceName: string;
  readonly podPort: number;
  readonly pushProtocol: 'pushgateway' | 'victoriametrics';
}

/** The three Pushgateways. */
export const CACHE_TARGET: PushTarget = {
  serviceName: SERVICE_NAME,
  podPort: CACHE_PORT,
  pushProtocol: 'pushgateway',
};

/** The two vmagents. */
export const VMAGENT_TARGET: PushTarget = {
  serviceName: VMAGENT_SERVICE_NAME,
  podPort: VMAGENT_PORT,
  pushProtocol: 'victoriametrics',
};

/** What one run does: push interval, windows, fleet sizes, churn, time limits. */
export interface Plan {
  readonly mode: 'quick' | 'full';
  /** R: seconds between two pushes of one app pod. */
  readonly pushRateSeconds: number;
  /** From the last pod created to the window: one interval and a margin, so every group exists. */
  readonly warmupSeconds: number;
  /** Measurement window of a steady scenario, in push intervals. */
  readonly windowIntervals: number;
  /** Fleet sizes run with the consistency check on and off. */
  readonly sizes: readonly number[];
  /** Sizes run last, and only when the budget still has room for them. */
  readonly optionalSizes: readonly number[];
  /** Fleet sizes pushing to the two vmagents, and the optional ones, run like `optionalSizes`. */
  readonly vmagentSizes: readonly number[];
  readonly optionalVmagentSizes: readonly number[];
  /** Rollouts: `pods` live, `share` of them replaced every interval, for `intervals` intervals. */
  readonly churn: { readonly pods: number; readonly intervals: number; readonly share: number };
  /** Wall time the run aims at; optional sizes are skipped past it. */
  readonly budgetSeconds: number;
  /** Past this, everything is killed and the run exits non-zero. */
  readonly hardLimitSeconds: number;
}

const QUICK: Plan = {
  mode: 'quick',
  pushRateSeconds: 5,
  warmupSeconds: 6,
  windowIntervals: 2,
  sizes: [50, 200],
  optionalSizes: [],
  vmagentSizes: [50, 200],
  optionalVmagentSizes: [],
  churn: { pods: 100, intervals: 3, share: 0.2 },
  budgetSeconds: 170,
  hardLimitSeconds: 300,
};

const FULL: Plan = {
  mode: 'full',
  pushRateSeconds: 10,
  warmupSeconds: 12,
  windowIntervals: 3,
  // 100 and 200 are sizes three cache pods on one core keep up with, check on: the fit per
  // accepted push needs at least two.
  sizes: [100, 200, 300, 1000, 2000],
  optionalSizes: [3000],
  vmagentSizes: [300, 1000, 3000],
  // Each pod keeps a connection to each vmagent and a DNS socket: 10,000 pods need about 30,000
  // descriptors in this process, which the run skips with a note where the limit is lower.
  optionalVmagentSizes: [10_000],
  // 300 pods with the check on is already all the one core of the three cache pods can take
  // (see the steady rows), so rollouts on top of them would measure only timeouts.
  churn: { pods: 150, intervals: 6, share: 0.2 },
  // The vmagent sizes added about five minutes to the Pushgateway's fifteen.
  budgetSeconds: 20 * 60,
  hardLimitSeconds: 25 * 60,
};

/**
 * The plan for `--quick` or a full run; `--sizes=a,b` replaces the fleet sizes of both the
 * Pushgateway and the vmagent rows (for trying things out).
 */
export function planFor(quick: boolean, sizes: readonly number[] | undefined): Plan {
  const plan = quick ? QUICK : FULL;
  return sizes
    ? { ...plan, sizes, optionalSizes: [], vmagentSizes: sizes, optionalVmagentSizes: [] }
    : plan;
}
