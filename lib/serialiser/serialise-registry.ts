import { Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, Summary, type Metric } from 'prom-client';
import { SERIES_PER_SLICE, yieldToEventLoop } from '../event-loop';
import { LOGGER_CONTEXT } from '../metrics.constants';
import { editLabels, effectiveEdit, type LabelEdit, type MetricData } from './label-edit';
import { serialiseWhole, writerData } from './serialise-whole';
import { slicedSerialiserFallback } from './serialiser.messages';

type Snapshot = { get(): Promise<MetricData> };
type Collectable = Metric & { name: string; getForPromString?(): Promise<MetricData> };
// prom-client formats one metric with this method (it backs `metrics()` and `getSingleMetricAsString`); untyped.
type Formatter = { getMetricsAsString(metric: Snapshot): Promise<string> };

/** How a registry is serialised: the size of a slice, and the label edit of every series. */
export interface SerialiseOptions {
  /** Lines written between two yields to the event loop; `SERIES_PER_SLICE` unless given. */
  readonly seriesPerSlice?: number;
  /** The change made to every series' labels (none unless given). */
  readonly labels?: LabelEdit;
}

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

/** An error of the app's own code (a collect callback, a metric's own `get()`), thrown as is. */
class AppCodeError extends Error {
  constructor(readonly error: unknown) {
    super("the app's own code failed");
  }
}

/** prom-client's internals are not what the sliced path reads. */
class InternalsChanged extends Error {}

const logger = new Logger(LOGGER_CONTEXT);
/** The registries whose fallback was logged: once per registry, so once per module instance. */
const warned = new WeakSet<Registry>();

/**
 * The registry in Prometheus text format, byte for byte what `registry.metrics()` returns, but
 * read and formatted `seriesPerSlice` series at a time with a yield to the event loop in
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
 * `labels` edits every series on prom-client's data, before prom-client formats it (label-edit.ts):
 * the pull side sets the push's grouping key, the vmagent push drops it. The registry's default
 * labels are added by prom-client's writer after the edit, as it adds them to a series' own.
 *
 * The slices read prom-client's internals. When they are not what this reads (a reader that
 * throws, a label hash missing or of another shape), the text comes from `registry.metrics()`
 * instead, with the same edit (serialise-whole.ts) and one warning per registry. An error of the
 * app's own code (a collect callback) rejects, as `registry.metrics()` would with the same error.
 * A registry in another format than Prometheus text (OpenMetrics) is written by that same path,
 * in one go, on purpose.
 */
export async function serialiseRegistry(
  registry: Registry,
  options: SerialiseOptions = {},
): Promise<string> {
  const edit = effectiveEdit(options.labels);
  if (registry.contentType !== Registry.PROMETHEUS_CONTENT_TYPE)
    return serialiseWhole(registry, edit);
  try {
    return await serialiseInSlices(registry, options.seriesPerSlice ?? SERIES_PER_SLICE, edit);
  } catch (e) {
    if (e instanceof AppCodeError) throw e.error;
    if (!warned.has(registry)) {
      warned.add(registry);
      logger.warn(slicedSerialiserFallback((e as Error)?.message ?? String(e)));
    }
    return serialiseWhole(registry, edit);
  }
}

async function serialiseInSlices(
  registry: Registry,
  seriesPerSlice: number,
  edit: LabelEdit | undefined,
): Promise<string> {
  const formatter = registry as unknown as Partial<Formatter>;
  if (typeof formatter.getMetricsAsString !== 'function')
    throw new InternalsChanged('the registry has no getMetricsAsString()');
  const format = (data: MetricData): Promise<string> =>
    (formatter as Formatter).getMetricsAsString({
      get: () => Promise.resolve(edit ? editLabels(data, edit) : data),
    });
  // Every reader is chosen before any collect callback runs: a registry the slices cannot read
  // falls back before the app's callbacks have run once for nothing.
  const plan = (registry.getMetricsAsArray() as unknown as Collectable[]).map(
    (metric) => [metric, standardReader(metric)] as const,
  );
  const out: string[] = [];
  for (const [metric, reader] of plan) {
    await yieldToEventLoop();
    // A metric the app removed from the registry meanwhile is left out, as registry.metrics()
    // would leave it out now.
    if (registry.getSingleMetric(metric.name) !== metric) continue;
    if (out.length > 0) out.push('\n\n');
    const slices = reader
      ? readInSlices(metric as unknown as StandardInternals, reader, seriesPerSlice)
      : valuesInSlices(metric, seriesPerSlice);
    let header: string | undefined;
    for await (const data of slices) {
      const text = await format(data);
      if (header === undefined) {
        header = text.slice(0, headerEnd(text));
        out.push(text);
        continue;
      }
      // Every slice comes with the metric's HELP and TYPE lines; only the first keeps them.
      if (headerEnd(text) !== header.length || !text.startsWith(header))
        throw new InternalsChanged(`a slice of ${metric.name} has other HELP and TYPE lines`);
      if (data.values.length > 0) out.push(text.slice(header.length));
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

/** Where the HELP and TYPE lines end: the offset of the line break after them, or the end. */
function headerEnd(text: string): number {
  const end = text.indexOf('\n', text.indexOf('\n') + 1);
  return end < 0 ? text.length : end;
}

/** Whether a label hash is what prom-client 15 keeps: a plain object of series. */
function isLabelHash(hash: unknown): hash is Record<string, unknown> {
  if (typeof hash !== 'object' || hash === null) return false;
  const prototype: unknown = Object.getPrototypeOf(hash);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The method `registry.metrics()` would read `metric` with, when it is prom-client's own for one
 * of the standard classes; otherwise undefined. A standard class read with prom-client's own
 * method but without a label hash to slice is a prom-client this does not know: it throws.
 */
function standardReader(metric: Collectable): Reader | undefined {
  // What registry.getMetricsAsString() calls: a subclass or an instance with a reader of its
  // own is read with it, whole.
  const own = metric as unknown as Record<string, unknown>;
  const used = typeof own.getForPromString === 'function' ? own.getForPromString : own.get;
  for (const [standard, name] of READERS) {
    if (!(metric instanceof standard)) continue;
    const method = (standard.prototype as Record<string, unknown>)[name];
    if (used !== method) return undefined;
    if (!isLabelHash((metric as unknown as Partial<StandardInternals>).hashMap))
      throw new InternalsChanged(`${metric.name} has no label hash (hashMap) of prom-client 15`);
    return method as Reader;
  }
  return undefined;
}

/** The app's own code, its errors marked as the app's. */
async function appCode<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new AppCodeError(error);
  }
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
  const collect = metric.collect;
  if (collect) {
    const async = await appCode(async () => {
      const pending = collect.call(metric);
      await pending;
      return pending instanceof Promise;
    });
    // A callback that works in slices (the module's folding) ends a turn of its own.
    if (async) await yieldToEventLoop();
  }
  // Read after the callback: it may replace the hash (a reset).
  const hash = metric.hashMap;
  if (!isLabelHash(hash)) throw new InternalsChanged('the label hash changed shape');
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
    // A summary's reader drops the series whose time window emptied, before its first await:
    // they go from the metric too, in the same turn.
    const taken = read === Summary.prototype.get ? Object.keys(part) : [];
    const data = read.call(view(metric, part));
    for (const key of taken) if (!Object.hasOwn(part, key)) delete hash[key];
    yield await data;
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
  // The same data prom-client's own formatting reads.
  const data = await appCode(() => writerData(metric));
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
