import { Registry, type Metric } from 'prom-client';
import { SERIES_PER_SLICE, yieldToEventLoop } from '../event-loop';

// The shape `Metric.get()` resolves with (prom-client does not export its name).
type MetricData = Awaited<ReturnType<Metric['get']>>;
type Snapshot = { get(): Promise<MetricData> };
// prom-client formats one metric with this method (it backs `metrics()` and `getSingleMetricAsString`); untyped.
type Formatter = { getMetricsAsString(metric: Snapshot): Promise<string> };
type Collectable = Metric & { getForPromString?(): Promise<MetricData> };

/**
 * The registry in Prometheus text format, byte for byte what `registry.metrics()` returns, but
 * formatted metric by metric and `SERIES_PER_SLICE` series at a time with a yield to the event loop
 * in between: `registry.metrics()` formats everything in one go, which stalls the app for tens of
 * milliseconds at 10k series. prom-client still writes every line; this only cuts the work up.
 */
export async function serialiseRegistry(
  registry: Registry,
  seriesPerSlice = SERIES_PER_SLICE,
): Promise<string> {
  const formatter = registry as unknown as Partial<Formatter>;
  if (
    registry.contentType !== Registry.PROMETHEUS_CONTENT_TYPE ||
    typeof formatter.getMetricsAsString !== 'function'
  ) {
    return registry.metrics();
  }
  const format = (data: MetricData, values: MetricData['values']): Promise<string> =>
    (formatter as Formatter).getMetricsAsString({
      get: () => Promise.resolve({ ...data, values }),
    });
  const texts: string[] = [];
  for (const metric of registry.getMetricsAsArray() as unknown as Collectable[]) {
    await yieldToEventLoop();
    // The same data prom-client's own formatting reads (histograms keep their labels unsplayed).
    const data = await (typeof metric.getForPromString === 'function'
      ? metric.getForPromString()
      : metric.get());
    const values = data.values ?? [];
    if (values.length <= seriesPerSlice) {
      texts.push(await format(data, values));
      continue;
    }
    const parts: string[] = [];
    for (let start = 0; start < values.length; start += seriesPerSlice) {
      if (start > 0) await yieldToEventLoop();
      const text = await format(data, values.slice(start, start + seriesPerSlice));
      // Every slice comes with the metric's HELP and TYPE lines; only the first keeps them.
      parts.push(start === 0 ? text : text.slice(text.indexOf('\n', text.indexOf('\n') + 1) + 1));
    }
    texts.push(parts.join('\n'));
  }
  return `${texts.join('\n\n')}\n`;
}
