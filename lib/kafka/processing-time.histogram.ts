import { Logger } from '@nestjs/common';
import type { Histogram, Metric } from 'prom-client';
import type { MetricsManager } from '../manager/metrics.manager';
import { ownMetric } from '../metrics/own-metric';
import { LABEL, LOGGER_CONTEXT, OVERFLOW_LABEL_VALUE } from '../metrics.constants';
import { CappedSeries } from '../manager/capped-series';
import { PROCESSING_TIME_METRIC } from './kafka.constants';
import { metricClash } from './kafka.messages';

// What the registry reads from a metric (prom-client exports the type under no name).
type MetricData = Awaited<ReturnType<Histogram<string>['get']>>;
type Value = MetricData['values'][number];

/** One topic's series: its labels, and its counts (one per bucket, one past the last bound, then the sum). */
interface TopicTimes {
  readonly labels: Readonly<Record<string, string>>;
  readonly counts: Float64Array;
}

/**
 * `message_processing_seconds{app, job, topic}`: how long the handler of a consumed message took,
 * from its call to its outcome. Not a prom-client `Histogram`: `observe()` validates and hashes
 * the labels on every call, so each topic keeps its bucket counts in a typed array instead (a
 * message costs a map lookup, a bucket search and two adds, no allocation), and the registry reads
 * them as a histogram through {@link get}, once per push or scrape, in the shape prom-client's
 * own histograms give (the text format, the pusher and `Registry.merge` read it unchanged). Only
 * the module records into it; what the registry returns for its name is this object.
 */
export class ProcessingTimeHistogram {
  /** Read by the registry. */
  readonly name = PROCESSING_TIME_METRIC;
  readonly help =
    "Time a consumed message's handler took, from its call to its outcome, in seconds";
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  private readonly topics: CappedSeries<TopicTimes>;
  private readonly fixed: Readonly<Record<string, string>>;

  private constructor(
    metrics: MetricsManager,
    /** Upper bounds of the buckets, increasing; `+Inf` is implied. */
    readonly buckets: readonly number[],
    maxTopics: number,
  ) {
    this.topics = new CappedSeries(PROCESSING_TIME_METRIC, LABEL.topic, maxTopics);
    this.fixed = { [LABEL.app]: metrics.app, [LABEL.job]: metrics.job };
    metrics.registry.registerMetric(this as unknown as Metric);
  }

  /**
   * The histogram of `metrics`' registry. With `create`, it is made when absent (an existing one
   * keeps its buckets) with the module's `maxTopics` cap (every path that creates it shares the
   * cap); without, only an existing one is returned. `undefined` (and a warning
   * when asked to create) when another metric has its name.
   */
  static of(
    metrics: MetricsManager,
    create?: { readonly buckets: readonly number[] },
  ): ProcessingTimeHistogram | undefined {
    const isOurs = (m: unknown): m is ProcessingTimeHistogram =>
      m instanceof ProcessingTimeHistogram;
    if (create === undefined) {
      const existing: unknown = metrics.registry.getSingleMetric(PROCESSING_TIME_METRIC);
      return isOurs(existing) ? existing : undefined;
    }
    return ownMetric(
      metrics.registry,
      PROCESSING_TIME_METRIC,
      isOurs,
      () => new ProcessingTimeHistogram(metrics, create.buckets, metrics.maxTopics),
      () => void new Logger(LOGGER_CONTEXT).warn(metricClash(PROCESSING_TIME_METRIC)),
    );
  }

  /** One message of `topic` took `seconds`. */
  record(topic: string, seconds: number): void {
    this.recordMany(topic, seconds, 1);
  }

  /** `n` messages of `topic` took `seconds` each. */
  recordMany(topic: string, seconds: number, n: number): void {
    const counts = (this.topics.get(topic) ?? this.add(topic)).counts;
    const buckets = this.buckets;
    let i = 0;
    // A value equal to a bound belongs to that bucket (`le`), as in prom-client.
    while (i < buckets.length && seconds > buckets[i]) i++;
    counts[i] += n;
    counts[buckets.length + 1] += seconds * n;
  }

  /**
   * The series as prom-client's `Histogram.get()` gives them: cumulative buckets, `+Inf`, sum, count.
   * Computed synchronously; a promise only because the registry awaits every metric's `get()`.
   */
  get(): Promise<MetricData> {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, counts } of this.allTopics()) {
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += counts[i];
        values.push({
          labels: { le: this.buckets[i], ...labels },
          value: cumulative,
          metricName: bucket,
        });
      }
      cumulative += counts[this.buckets.length];
      values.push({
        labels: { le: '+Inf', ...labels },
        value: cumulative,
        metricName: bucket,
      });
      values.push({
        labels: { ...labels },
        value: counts[this.buckets.length + 1],
        metricName: `${this.name}_sum`,
      });
      values.push({
        labels: { ...labels },
        value: cumulative,
        metricName: `${this.name}_count`,
      });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    } as unknown as MetricData);
  }

  /** `Registry.resetMetrics()`: every series starts again from 0. */
  reset(): void {
    for (const { counts } of this.allTopics()) counts.fill(0);
  }

  private add(topic: string): TopicTimes {
    return this.topics.add(
      topic,
      () => this.newTopic(topic),
      () => this.newTopic(OVERFLOW_LABEL_VALUE),
    );
  }

  private newTopic(topic: string): TopicTimes {
    return {
      labels: { ...this.fixed, [LABEL.topic]: topic },
      counts: new Float64Array(this.buckets.length + 2),
    };
  }

  private *allTopics(): Iterable<TopicTimes> {
    yield* this.topics.all();
  }
}
