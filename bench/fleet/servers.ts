import { spawnSync } from 'node:child_process';
import { promises as dns } from 'node:dns';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { logTail, startChild, stopChild, type Child } from './children';
import {
  CACHE_ADDRESSES,
  DNS_HOST,
  DNS_PORT,
  DNSMASQ_BIN,
  FLEET_DIR,
  PROMETHEUS_BIN,
  PROMETHEUS_HOST,
  PROMETHEUS_PORT,
  PUSHGATEWAY_BIN,
  SCRAPE_INTERVAL_SECONDS,
  SCRAPE_JOB,
  SERVICE_NAME,
  VICTORIA_METRICS_BIN,
  VICTORIA_METRICS_HOST,
  VICTORIA_METRICS_PORT,
  VMAGENT_ADDRESSES,
  VMAGENT_BIN,
  VMAGENT_SERVICE_NAME,
  cacheInstance,
  vmagentInstance,
} from './config';
import { answersOk } from './http';
import { sleep } from '../support/stats';

const READY_TIMEOUT_MS = 30_000;

/** Fails with what to run when a server binary is missing. */
export function assertBinaries(): void {
  const missing = [
    PUSHGATEWAY_BIN,
    PROMETHEUS_BIN,
    DNSMASQ_BIN,
    VMAGENT_BIN,
    VICTORIA_METRICS_BIN,
  ].filter((b) => !existsSync(b));
  if (missing.length > 0)
    throw new Error(
      `${missing.join(', ')} missing: run \`bash scripts/stack.sh install\` (as root)`,
    );
}

/** First line of each server's `--version`. */
export interface Versions {
  readonly pushgateway: string;
  readonly prometheus: string;
  /** vmagent and victoria-metrics print no version: the Debian package's. */
  readonly victoriaMetrics: string;
}

/** The servers' versions, for the header of the results. */
export function serverVersions(): Versions {
  const first = (bin: string): string => {
    // The Pushgateway prints its version on stderr, Prometheus on stdout.
    const run = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return `${run.stdout}${run.stderr}`.split('\n')[0].trim();
  };
  const pkg = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'victoria-metrics'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return {
    pushgateway: first(PUSHGATEWAY_BIN),
    prometheus: first(PROMETHEUS_BIN),
    victoriaMetrics: `vmagent and victoria-metrics ${pkg.stdout.trim() || '(version unknown)'}`,
  };
}

/**
 * Starts the three cache pods, empty (no persistence file: Debian's default is one file they
 * would share), with or without the consistency check every push is run through.
 */
export async function startPushgateways(consistencyCheck: boolean): Promise<Child[]> {
  const started: Child[] = [];
  try {
    for (const [i, address] of CACHE_ADDRESSES.entries()) {
      const args = [
        `--web.listen-address=${cacheInstance(address)}`,
        '--web.enable-admin-api',
        '--persistence.file=',
      ];
      if (!consistencyCheck) args.push('--push.disable-consistency-check');
      started.push(startChild(`pushgateway-${i + 1}`, PUSHGATEWAY_BIN, args));
    }
    await Promise.all(
      started.map((child, i) =>
        waitReady(child, `http://${cacheInstance(CACHE_ADDRESSES[i])}/-/ready`),
      ),
    );
    return started;
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/** Stops servers together. */
export async function stopAll(children: readonly Child[], graceMs?: number): Promise<void> {
  await Promise.all(children.map((c) => stopChild(c, graceMs)));
}

/**
 * Stops the cache pods. They hold nothing worth keeping, and one that could not keep up drains
 * its whole backlog of pushes on TERM: give it two seconds, then KILL.
 */
export function stopPushgateways(children: readonly Child[]): Promise<void> {
  return stopAll(children, 2000);
}

/**
 * dnsmasq answering the cache's headless name with the three cache pods and the vmagents' one
 * with the two vmagents, as scripts/stack.sh runs it.
 */
export async function startDns(): Promise<Child> {
  const hosts = path.join(FLEET_DIR, 'dns', 'hosts');
  mkdirSync(path.dirname(hosts), { recursive: true });
  const names = [
    ...CACHE_ADDRESSES.map((a) => `${a} ${SERVICE_NAME}\n`),
    ...VMAGENT_ADDRESSES.map((a) => `${a} ${VMAGENT_SERVICE_NAME}\n`),
  ];
  writeFileSync(hosts, names.join(''));
  // The flags of scripts/stack.sh's dns_start (see there why each): authority for nubium.test
  // from the hosts file only, no cache, no upstream, no system config.
  const child = startChild('dnsmasq', DNSMASQ_BIN, [
    '--keep-in-foreground',
    '--log-facility=-',
    '--conf-file=/dev/null',
    '--pid-file=',
    '--user=root',
    '--no-resolv',
    '--no-hosts',
    '--local=/nubium.test/',
    '--cache-size=0',
    '--local-ttl=0',
    '--bind-interfaces',
    `--listen-address=${DNS_HOST}`,
    `--port=${DNS_PORT}`,
    `--addn-hosts=${hosts}`,
  ]);
  for (const [name, addresses] of [
    [SERVICE_NAME, CACHE_ADDRESSES],
    [VMAGENT_SERVICE_NAME, VMAGENT_ADDRESSES],
  ] as const) {
    const want = [...addresses].sort().join(' ');
    await waitFor(child, `the answer ${want} for ${name}`, async () => {
      const resolver = new dns.Resolver({ timeout: 500, tries: 1 });
      resolver.setServers([`${DNS_HOST}:${DNS_PORT}`]);
      const got = await resolver.resolve4(name).catch(() => []);
      return got.sort().join(' ') === want;
    });
  }
  return child;
}

/** Base URL of the bench's VictoriaMetrics. */
export const VICTORIA_METRICS_URL = `http://${VICTORIA_METRICS_HOST}:${VICTORIA_METRICS_PORT}`;

/**
 * A VictoriaMetrics single node, empty, with scripts/stack-vmagent.sh's flags: copies from the
 * two vmagents within a second of each other are one sample, and queries see samples a second
 * after they arrive.
 */
export async function startVictoriaMetrics(): Promise<Child> {
  const dir = path.join(FLEET_DIR, 'victoria-metrics');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const child = startChild('victoria-metrics', VICTORIA_METRICS_BIN, [
    `-httpListenAddr=${VICTORIA_METRICS_HOST}:${VICTORIA_METRICS_PORT}`,
    `-storageDataPath=${path.join(dir, 'data')}`,
    '-retentionPeriod=1d',
    '-dedup.minScrapeInterval=1s',
    '-search.latencyOffset=1s',
  ]);
  await waitReady(child, `${VICTORIA_METRICS_URL}/health`).catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  return child;
}

/** The two vmagents, each with an empty queue of its own, remote-writing to VictoriaMetrics. */
export async function startVmagents(): Promise<Child[]> {
  const started: Child[] = [];
  try {
    for (const [i, address] of VMAGENT_ADDRESSES.entries()) {
      const queue = path.join(FLEET_DIR, `vmagent-${i + 1}`, 'remote-write');
      rmSync(queue, { recursive: true, force: true });
      started.push(
        startChild(`vmagent-${i + 1}`, VMAGENT_BIN, [
          `-httpListenAddr=${vmagentInstance(address)}`,
          `-remoteWrite.url=${VICTORIA_METRICS_URL}/api/v1/write`,
          `-remoteWrite.tmpDataPath=${queue}`,
          '-remoteWrite.flushInterval=1s',
        ]),
      );
    }
    await Promise.all(
      started.map((child, i) =>
        waitReady(child, `http://${vmagentInstance(VMAGENT_ADDRESSES[i])}/health`),
      ),
    );
    return started;
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/** Prometheus scraping the three cache pods every 5 s, keeping the pushed job labels. */
export async function startPrometheus(): Promise<Child> {
  const dir = path.join(FLEET_DIR, 'prometheus');
  const data = path.join(dir, 'data');
  // Each run starts with no history, so no query sees an earlier run's series.
  rmSync(data, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'prometheus.yml');
  const targets = CACHE_ADDRESSES.map((a) => `'${cacheInstance(a)}'`).join(', ');
  writeFileSync(
    config,
    [
      '# Written by bench/fleet/servers.ts at every run.',
      'global:',
      `  scrape_interval: ${SCRAPE_INTERVAL_SECONDS}s`,
      `  scrape_timeout: ${SCRAPE_INTERVAL_SECONDS}s`,
      `  evaluation_interval: ${SCRAPE_INTERVAL_SECONDS}s`,
      'scrape_configs:',
      `  - job_name: ${SCRAPE_JOB}`,
      '    honor_labels: true',
      '    static_configs:',
      `      - targets: [${targets}]`,
      '',
    ].join('\n'),
  );
  const child = startChild('prometheus', PROMETHEUS_BIN, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${data}`,
    `--web.listen-address=${PROMETHEUS_HOST}:${PROMETHEUS_PORT}`,
  ]);
  await waitReady(child, `http://${PROMETHEUS_HOST}:${PROMETHEUS_PORT}/-/ready`);
  return child;
}

function waitReady(child: Child, url: string): Promise<void> {
  return waitFor(child, `a ready answer on ${url}`, () => answersOk(url));
}

/** Polls `check` until it holds; fails with the child's log when it exits or time runs out. */
async function waitFor(child: Child, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (let i = 0; Date.now() < deadline; i++) {
    if (child.hasExited) throw new Error(`${child.name} exited before ${what}:\n${logTail(child)}`);
    if (await check()) return;
    await sleep(Math.min(500, 50 * (i + 1)));
  }
  throw new Error(
    `${child.name}: no ${what} within ${READY_TIMEOUT_MS / 1000} s:\n${logTail(child)}`,
  );
}
