import { Counter, Gauge, Histogram, Registry, Summary, type Metric } from 'prom-client';
import { SERIES_PER_SLICE, yieldToEventLoop } from '../event-loop';

// The shape `Metric.get()` resolves with (prom-client does not export its name).
type MetricData = Awaited<ReturnType<Metric['get']>>;
type Snapshot = { get(): Promise<MetricData> };
// prom-client formats one metric with this method (it backs `metrics()` and `getSingleMetricAsString`); untyped.
type Formatter = { getMetricsAsString(metric: Snapshot): Promise<string> };
type Collectable = Metric & { getForPromString?(): Promise<MetricData> };

/**
 * What prom-client 15's standard metric classes keep (untyped): the series by label hash, the
 * callback `get()` runs first, and what tells how many lines one series writes.
 */
interface StandardInternals {
  hashMap: Record<string, unknown>;
  collect?: () => unknown;
  upperBounds?: readonly unknown[];
  percentiles?: readonly unknown[];
}

/** How prom-client reads one standard metric's data, with no collect callback on `this`. */
type Reader = (this: StandardInternals) => Promise<MetricData>;

/**
 * The standard classes and the method `registry.metrics()` reads each with (a histogram's
 * `getForPromString()` keeps its labels unsplayed).
 */
const READERS: readonly (readonly [abstract new (...args: never[]) => object, string])[] = [
  [Histogram, 'getForPromString'],
  [Summary, 'get'],
  [Counter, 'get'],
  [Gauge, 'get'],
];

/**
 * The registry in Prometheus text format, byte for byte what `registry.metrics()` returns, but
 * read and formatted `SERIES_PER_SLICE` series at a time with a yield to the event loop in
 * between: `registry.metrics()` does it all in one go, which stalls the app for tens of
 * milliseconds at 10k series. prom-client still builds every value and writes every line; this
 * only cuts the work up.
 *
 * The metric's own `get()` builds all of its series at once (a histogram's buckets, a summary's
 * quantiles), so for prom-client's standard classes (the module's metrics and the app's own) the
 * serialiser runs the collect callback once as `get()` does, then has the class's own `get()` (or
 * `getForPromString()`) read a slice of the label hash at a time. Any other metric is read with
 * one `get()` and only its formatting is cut up.
 *
 * `labels`, when given, are set on every series, replacing a label of the same name, as the
 * Pushgateway sets a group's grouping labels on what it serves: the pull side serves this pod's
 * series with the labels they have in the cache. (A registry in another format than Prometheus
 * text is written by prom-client in one go, without them.)
 */
export async function serialiseRegistry(
  registry: Registry,
  seriesPerSlice = SERIES_PER_SLICE,
  labels?: Readonly<Record<string, string>>,
): Promise<string> {
  const formatter = registry as unknown as Partial<Formatter>;
  if (
    registry.contentType !== Registry.PROMETHEUS_CONTENT_TYPE ||
    typeof formatter.getMetricsAsString !== 'function'
  ) {
    return registry.metrics();
  }
  const format = (data: MetricData): Promise<string> =>
    (formatter as Formatter).getMetricsAsString({
      get: () => Promise.resolve(labels ? withLabels(data, labels) : data),
    });
  const out: string[] = [];
  for (const metric of registry.getMetricsAsArray() as unknown as Collectable[]) {
    await yieldToEventLoop();
    if (out.length > 0) out.push('\n\n');
    const reader = standardReader(metric);
    const slices = reader
      ? readInSlices(metric as unknown as StandardInternals, reader, seriesPerSlice)
      : valuesInSlices(metric, seriesPerSlice);
    let first = true;
    for await (const data of slices) {
      const text = await format(data);
      if (first) out.push(text);
      // Every slice comes with the metric's HELP and TYPE lines; only the first keeps them.
      else if (data.values.length > 0) out.push('\n', text.slice(afterHeader(text)));
      first = false;
    }
  }
  out.push('\n');
  // Joined in a turn of its own, into one flat string: the caller's encoding of it (and sending)
  // then copies it in one pass, in the next turn, instead of flattening pieces first.
  await yieldToEventLoop();
  const text = out.join('');
  await yieldToEventLoop();
  return text;
}

/** One value as prom-client writes it: a histogram's labels shared by its bucket lines apart. */
type Value = MetricData['values'][number] & { sharedLabels?: Record<string, string | number> };

/**
 * `data` with `labels` set on every value. prom-client writes a value's `sharedLabels` (a
 * histogram series' own labels, one object for all its lines) in place of its `labels` of the
 * same name, so they go there when it has them, merged once per object.
 */
function withLabels(data: MetricData, labels: Readonly<Record<string, string>>): MetricData {
  const merged = new Map<object, Record<string, string | number>>();
  const values = (data.values as Value[]).map((value): Value => {
    const shared = value.sharedLabels;
    if (shared === undefined) return { ...value, labels: { ...value.labels, ...labels } };
    let sharedLabels = merged.get(shared);
    if (sharedLabels === undefined) {
      sharedLabels = { ...shared, ...labels };
      merged.set(shared, sharedLabels);
    }
    return { ...value, sharedLabels };
  });
  return { ...data, values };
}

/** Offset of the first line after the HELP and TYPE lines. */
function afterHeader(text: string): number {
  return text.indexOf('\n', text.indexOf('\n') + 1) + 1;
}

/**
 * The method `registry.metrics()` would read `metric` with, when it is prom-client's own for one
 * of the standard classes and the metric keeps its series in a label hash; otherwise undefined.
 */
function standardReader(metric: Collectable): Reader | undefined {
  const internals = metric as unknown as Partial<StandardInternals>;
  if (typeof internals.hashMap !== 'object' || internals.hashMap === null) return undefined;
  // What registry.getMetricsAsString() calls: a subclass or an instance with a reader of its
  // own is read with it, whole.
  const own = metric as unknown as Record<string, unknown>;
  const used = typeof own.getForPromString === 'function' ? own.getForPromString : own.get;
  for (const [standard, name] of READERS) {
    if (!(metric instanceof standard)) continue;
    const method = (standard.prototype as Record<string, unknown>)[name];
    return used === method ? (method as Reader) : undefined;
  }
  return undefined;
}

/**
 * A standard metric's data, a slice of its label hash at a time: the collect callback once, as
 * `get()` runs it, then the class's own reader on a view of the metric that holds the slice.
 * Listing the hash's keys is the one step left whole (about 0.1 µs a series).
 */
async function* readInSlices(
  metric: StandardInternals,
  read: Reader,
  seriesPerSlice: number,
): AsyncGenerator<MetricData> {
  if (metric.collect) {
    const pending = metric.collect();
    // A callback that works in slices (the module's folding) ends a turn of its own.
    if (pending instanceof Promise) {
      await pending;
      await yieldToEventLoop();
    }
  }
  // Read after the callback: it may replace the hash (a reset).
  const hash = metric.hashMap;
  const keys = Object.keys(hash);
  const linesPerSeries = metric.upperBounds
    ? metric.upperBounds.length + 3 // buckets, +Inf, _sum, _count
    : metric.percentiles
      ? metric.percentiles.length + 2 // quantiles, _sum, _count
      : 1;
  const perSlice = Math.max(1, Math.floor(seriesPerSlice / linesPerSeries));
  if (keys.length <= perSlice) {
    yield await read.call(view(metric, hash));
    return;
  }
  for (let start = 0; start < keys.length; start += perSlice) {
    // From the first slice on: listing 10k keys is about a slice's work of its own.
    await yieldToEventLoop();
    const part: Record<string, unknown> = {};
    const end = Math.min(start + perSlice, keys.length);
    // A series the app removed meanwhile is left out, as a later `get()` would leave it out.
    for (let i = start; i < end; i++)
      if (Object.hasOwn(hash, keys[i])) part[keys[i]] = hash[keys[i]];
    // A summary's reader drops the series whose time window emptied: from the metric too.
    const taken = read === Summary.prototype.get ? { ...part } : undefined;
    yield await read.call(view(metric, part));
    for (const key in taken)
      if (!Object.hasOwn(part, key) && hash[key] === taken[key]) delete hash[key];
  }
}

/** The metric as its reader sees it, with `hash` as its series and no collect callback. */
function view(metric: StandardInternals, hash: Record<string, unknown>): StandardInternals {
  return Object.create(metric, {
    hashMap: { value: hash, writable: true },
    collect: { value: undefined },
  }) as StandardInternals;
}

/** Any other metric: read whole with its own `get()`, then handed on a slice of values at a time. */
async function* valuesInSlices(
  metric: Collectable,
  seriesPerSlice: number,
): AsyncGenerator<MetricData> {
  // The same data prom-client's own formatting reads (histograms keep their labels unsplayed).
  const data = await (typeof metric.getForPromString === 'function'
    ? metric.getForPromString()
    : metric.get());
  const values = data.values ?? [];
  if (values.length <= seriesPerSlice) {
    yield { ...data, values };
    return;
  }
  for (let start = 0; start < values.length; start += seriesPerSlice) {
    if (start > 0) await yieldToEventLoop();
    yield { ...data, values: values.slice(start, start + seriesPerSlice) };
  }
}
