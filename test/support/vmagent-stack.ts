// Test helpers for the vmagent part of the local stack (scripts/stack-vmagent.sh): stop and start
// a vmagent, put that part back, and read the two stores behind the vmagents.
import { parseTextFormat } from './text-format';
import { findSample, queryPrometheus, stackCommand, stackStatus, waitFor } from './stack';
import {
  REMOTE_WRITE_PROMETHEUS_URL,
  VICTORIA_METRICS_URL,
  VMAGENT_ADDRS,
  VMAGENT_HEADLESS_NAME,
} from './stack-config';

const HTTP_TIMEOUT_MS = 5_000;

/** The stores behind the vmagents, by the name test messages give them. */
export const STORES = {
  VictoriaMetrics: VICTORIA_METRICS_URL,
  'the remote-write Prometheus': REMOTE_WRITE_PROMETHEUS_URL,
} as const;

/** Stops vmagent i (0-based); what it had not sent yet stays in its queue on disk. */
export async function stopVmagent(i: number): Promise<void> {
  await stackCommand('vmagent-stop', String(i + 1));
}

/** Starts vmagent i (0-based), with the queue it had, and waits until it is healthy. */
export async function startVmagent(i: number): Promise<void> {
  await stackCommand('vmagent-start', String(i + 1));
}

const SERVERS = [
  ...VMAGENT_ADDRS.map((_, i) => `vmagent-${i + 1}`),
  'victoria-metrics',
  'prometheus-rw',
];

/**
 * Puts the vmagent part of the stack back: every server running and dnsmasq answering the vmagent
 * name (a dnsmasq started by an older stack.sh does not). Runs `stack.sh up` only when something
 * is off.
 */
export async function restoreVmagentStack(): Promise<void> {
  const lines = (await stackStatus()).split('\n');
  const line = (name: string): string => lines.find((l) => l.startsWith(`${name} `)) ?? '';
  const running = SERVERS.every((name) => line(name).includes('running'));
  const answered = line('dnsmasq').includes(
    `${VMAGENT_HEADLESS_NAME} -> ${VMAGENT_ADDRS.join(' ')}`,
  );
  if (!running || !answered) await stackCommand('up');
}

/** One series of a store as an instant query returns it: its labels (`__name__` included), its value. */
export interface StoredSeries {
  metric: Record<string, string>;
  value: number;
}

/** The series `selector` matches in the store at `server`, now. */
export function seriesIn(server: string, selector: string): Promise<StoredSeries[]> {
  return queryPrometheus(selector, { server });
}

/**
 * Polls until the one series `selector` matches in each store has the value `expected`; returns
 * each store's series. Fails naming the store that did not get there.
 */
export async function waitForValueInStores(
  selector: string,
  expected: number,
  stores: readonly (keyof typeof STORES)[] = ['VictoriaMetrics', 'the remote-write Prometheus'],
): Promise<StoredSeries[]> {
  return Promise.all(
    stores.map((store) =>
      waitFor(
        async () => {
          const found = await seriesIn(STORES[store], selector);
          if (found.length > 1) throw new Error(`${found.length} series match`);
          return found[0]?.value === expected ? found[0] : undefined;
        },
        { timeoutMs: 20_000, what: `${store} to show ${selector} = ${expected}` },
      ),
    ),
  );
}

/** What `/api/v1/export` gives for one series: every sample VictoriaMetrics keeps (de-duplicated). */
export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** The samples VictoriaMetrics keeps for every series `selector` matches, however recent. */
export async function exportFromVictoriaMetrics(selector: string): Promise<ExportedSeries[]> {
  const url = `${VICTORIA_METRICS_URL}/api/v1/export?match[]=${encodeURIComponent(selector)}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${text.trim()}`);
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ExportedSeries);
}

/**
 * Samples VictoriaMetrics has taken in by remote write since it started, and whether all it took
 * in is searchable yet (no rows pending), from its own metrics.
 */
export async function victoriaMetricsIntake(): Promise<{ written: number; settled: boolean }> {
  const response = await fetch(`${VICTORIA_METRICS_URL}/metrics`, {
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const samples = parseTextFormat(await response.text());
  const pending = ['storage', 'indexdb'].map((type) =>
    findSample(samples, 'vm_pending_rows', { type }),
  );
  return {
    written: findSample(samples, 'vm_rows_inserted_total', { type: 'promremotewrite' }) ?? 0,
    settled: pending.every((rows) => rows === 0),
  };
}
