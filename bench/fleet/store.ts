import { getJson, getText } from './http';
import { VICTORIA_METRICS_URL } from './servers';
import { sleep } from '../support/stats';

/** Samples VictoriaMetrics took in by remote write (from the vmagents), from its /metrics. */
export async function rowsInserted(): Promise<number> {
  const text = await getText(`${VICTORIA_METRICS_URL}/metrics`, 10_000);
  const value = /^vm_rows_inserted_total\{type="promremotewrite"\} (\S+)$/m.exec(text)?.[1];
  if (value === undefined) throw new Error('VictoriaMetrics /metrics has no remote-write rows');
  return Number(value);
}

/** Series VictoriaMetrics holds (its /api/v1/series/count). */
export async function seriesStored(): Promise<number> {
  const body = (await getJson(`${VICTORIA_METRICS_URL}/api/v1/series/count`, 30_000)) as {
    data?: number[];
  };
  const n = body.data?.[0];
  if (typeof n !== 'number') throw new Error('VictoriaMetrics gave no series count');
  return n;
}

/**
 * Waits until the vmagents have forwarded what they hold: the rows VictoriaMetrics took in stay
 * the same over two seconds (at most `limitMs`). Returns the last count.
 */
export async function rowsWhenDrained(limitMs = 30_000): Promise<number> {
  const deadline = Date.now() + limitMs;
  let last = await rowsInserted();
  let still = 0;
  while (Date.now() < deadline && still < 2) {
    await sleep(1000);
    const now = await rowsInserted();
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return last;
}
