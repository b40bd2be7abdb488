// A test's own Prometheus, which scrapes one app's metrics port as deploy/pull/scrape-config.yaml
// scrapes a pod: honor_labels, the same job name, `instance` set to the pod's name, a static
// target instead of kubernetes_sd_configs. It runs Debian's /usr/bin/prometheus on a loopback
// port of its own, from a temporary directory that stop() removes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectTo } from './metrics-port';
import { terminate } from './processes';
import { waitFor } from './wait-for';

const PROMETHEUS_BIN = '/usr/bin/prometheus';
const ADDR = '127.0.0.1';
/** Clear of the stack's Prometheus (19090), the remote-write one (19091), Kafka and the fleet bench. */
export const SCRAPE_PROMETHEUS_PORT = 19490;
const START_TIMEOUT_MS = 20_000;

/** The test's own Prometheus: its query URL, and stop(), which also removes its directory. */
export interface ScrapePrometheus {
  url: string;
  stop(): Promise<void>;
}

/** The scrape job of deploy/pull/scrape-config.yaml, for one static target named `pod`. */
function config(target: string, pod: string): string {
  return `# The test's own Prometheus: deploy/pull/scrape-config.yaml's job, static target.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: nubium-metrics-pods
    honor_labels: true
    scrape_interval: 1s
    scrape_timeout: 1s
    metrics_path: /metrics
    static_configs:
      - targets: ['${target}']
    relabel_configs:
      - target_label: instance
        replacement: '${pod}'
`;
}

/**
 * Starts the test's own Prometheus scraping `http://<target>/metrics` every second, with
 * `instance` set to `pod`, and waits until it answers ready. Fails when its port is taken or it
 * is not ready within START_TIMEOUT_MS (it is stopped and its directory removed first).
 */
export async function startScrapePrometheus(
  target: string,
  pod: string,
): Promise<ScrapePrometheus> {
  if ((await connectTo(SCRAPE_PROMETHEUS_PORT, ADDR)) === 'open') {
    throw new Error(
      `port ${ADDR}:${SCRAPE_PROMETHEUS_PORT} is taken: the test's own Prometheus cannot start`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'scrape-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), config(target, pod));
  const log = openSync(join(dir, 'prometheus.log'), 'w');
  let child: ChildProcess;
  try {
    child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=${ADDR}:${SCRAPE_PROMETHEUS_PORT}`,
      ],
      { stdio: ['ignore', log, log] },
    );
  } finally {
    closeSync(log);
  }
  const url = `http://${ADDR}:${SCRAPE_PROMETHEUS_PORT}`;
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined) await terminate(child.pid, PROMETHEUS_BIN);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
        const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
        return response.ok ? true : undefined;
      },
      { timeoutMs: START_TIMEOUT_MS, what: "the test's own Prometheus to be ready" },
    );
  } catch (error) {
    const tail = readFileSync(join(dir, 'prometheus.log'), 'utf8').split('\n').slice(-5).join('\n');
    await stop();
    throw new Error(`${(error as Error).message}\n${tail}`);
  }
  return { url, stop };
}
