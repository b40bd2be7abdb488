// Helpers for the serialiser's tests: an app's own metrics labelled like the module's, and hooks
// into a metric's label hash that see which slice of it is read in which turn of the event loop.
import { Counter, Gauge, Histogram, Summary, type Registry } from 'prom-client';
import { vi } from 'vitest';

/** Label names of the module's standard metrics, for an app's own metrics labelled alike. */
export const MODULE_LABELS = ['app', 'job', 'topic'];

/** The label set of series `i`: one topic each. */
export const labelsOf = (i: number) => ({
  app: 'orders',
  job: 'pod-1',
  topic: `orders.events.v1-part-${i}`,
});

/** An app's own metric of each standard class, labelled like the module's, empty, in `registry`. */
export function appMetricsIn(registry: Registry) {
  const labelled = { labelNames: MODULE_LABELS, registers: [registry] };
  return {
    gauge: new Gauge({ name: 'app_lag', help: 'lag', ...labelled }),
    counter: new Counter({ name: 'app_handled', help: 'handled', ...labelled }),
    histogram: new Histogram({
      name: 'app_handle_seconds',
      help: 'time',
      buckets: [0.001, 0.01, 0.1, 1],
      ...labelled,
    }),
    summary: new Summary({
      name: 'app_batch_size',
      help: 'sizes',
      percentiles: [0.5, 0.9, 0.99],
      ...labelled,
    }),
  };
}

type WithHash = { hashMap: Record<string, unknown> };

/** Wraps a metric's label hash (prom-client's `hashMap`) so that each read of a series calls `onRead`. */
function watchHash(metric: object, onRead: () => void): void {
  const internals = metric as WithHash;
  internals.hashMap = new Proxy(internals.hashMap, {
    get(target, key, receiver) {
      onRead();
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

/**
 * Counts the series read from `metric`'s label hash in each turn of the event loop while `run`
 * runs: the counts of the turns that read any, in order. The serialiser reads each series of a
 * slice once (prom-client's reader then reads the slice, not the hash).
 */
export async function readsPerTurn(metric: object, run: () => Promise<unknown>): Promise<number[]> {
  let reads = 0;
  const turns: number[] = [];
  watchHash(metric, () => reads++);
  let done = false;
  const turn = () => {
    if (reads > 0) turns.push(reads);
    reads = 0;
    if (!done) setImmediate(turn);
  };
  setImmediate(turn);
  await run();
  done = true;
  if (reads > 0) turns.push(reads);
  return turns;
}

/**
 * Runs `change` once, in a turn of its own right after the serialiser takes the first slice of
 * `metric`'s series: between the first slice and the second.
 */
export function betweenSlices(metric: object, change: () => void): void {
  let armed = true;
  watchHash(metric, () => {
    if (!armed) return;
    armed = false;
    setImmediate(change);
  });
}

/**
 * A prom-client that keeps the gauge `name`'s series under another name than `hashMap`, as a
 * future release might: its `get()` still reads them, the sliced serialiser finds no label hash.
 * Restored by `vi.restoreAllMocks()`.
 */
export function gaugeWithoutHashMap(registry: Registry, name = 'app_lag'): void {
  const gauge = registry.getSingleMetric(name) as unknown as { hashMap?: object };
  const series = gauge.hashMap;
  delete gauge.hashMap;
  const get = Gauge.prototype.get;
  vi.spyOn(Gauge.prototype, 'get').mockImplementation(function (this: Gauge) {
    const moved = !Object.hasOwn(this, 'hashMap');
    return get.call(moved ? (Object.create(this, { hashMap: { value: series } }) as Gauge) : this);
  });
}

/**
 * A prom-client whose histogram reader throws on the serialiser's view of the metric, as a reader
 * that reads a private field no longer fitting would. Restored by `vi.restoreAllMocks()`.
 */
export function histogramReaderThrows(): void {
  type Readable = { getForPromString(): Promise<unknown> };
  const read = (Histogram.prototype as unknown as Readable).getForPromString;
  vi.spyOn(Histogram.prototype as unknown as Readable, 'getForPromString').mockImplementation(
    function (this: Histogram) {
      if (Object.getPrototypeOf(this) === Histogram.prototype) return read.call(this);
      return Promise.reject(new TypeError('Cannot read private member #series from an object'));
    },
  );
}
