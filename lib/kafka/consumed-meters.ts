import { performance } from 'node:perf_hooks';
import type { MetricsManager } from '../manager/metrics.manager';
import { ConsumerLagGauge, isKafkajsConsumer } from './consumer-lag';
import { DEFAULT_LAG_METRIC_NAME } from './kafka.constants';
import { kafkaConsumerOfArg, kafkaTimestampOfArg } from './kafka-context';
import { ProcessingTimeHistogram } from './processing-time.histogram';
import { SecondsBehindGauge } from './seconds-behind.gauge';

/** What a caller of {@link ConsumedMeters} reports besides the consumed count. */
export interface ConsumedMetersOptions {
  /** Keep `seconds_behind` from the messages' timestamps. Default true. */
  readonly secondsBehind?: boolean;
  /** `false`: no lag gauge for the consumers seen in a `KafkaContext`. Default: `kafka_consumer_offset_lag`. */
  readonly lag?: false;
  /**
   * Processing time: buckets to create the histogram with when the registry has none yet;
   * `undefined`: the registry's histogram if the module made one (the option is on), else none;
   * `false`: none.
   */
  readonly processingTime?: { readonly buckets: readonly number[] } | false;
}

/** {@link ConsumedMeters.begin}'s answer when processing time is off. */
export const NOT_TIMED = -1;

/**
 * What a consumed message feeds besides `messages_consumed`: `seconds_behind` (its timestamp is
 * stored), the lag gauge (its consumer is reported, once) and, when on, the processing-time
 * histogram. One per app and caller (the Nest handlers' binder, an interceptor, an instrumented
 * consumer); the metrics behind it are the registry's, shared by every caller of the app. They are
 * looked up by {@link resolve}, else on the first message, when every provider of the app exists,
 * so the order in which Nest creates the callers does not matter.
 */
export class ConsumedMeters {
  private resolved = false;
  private age: SecondsBehindGauge | undefined;
  private lag: ConsumerLagGauge | undefined;
  private times: ProcessingTimeHistogram | undefined;
  private lastConsumer: unknown = undefined;
  private readonly watched = new WeakSet<object>();
  private readonly stops: Array<() => void> = [];

  constructor(
    private readonly metrics: MetricsManager,
    private readonly options: ConsumedMetersOptions = {},
  ) {}

  /** Finds or creates the metrics now (logging any name clash at start-up rather than on a message). */
  resolve(): this {
    if (this.resolved) return this;
    this.resolved = true;
    const { secondsBehind, lag, processingTime } = this.options;
    if (secondsBehind !== false) this.age = SecondsBehindGauge.of(this.metrics);
    if (lag !== false) this.lag = ConsumerLagGauge.of(this.metrics, DEFAULT_LAG_METRIC_NAME);
    if (processingTime !== false)
      this.times = ProcessingTimeHistogram.of(this.metrics, processingTime);
    return this;
  }

  /**
   * A handler is called for a message; `context` is its `KafkaContext` (or another transport's,
   * or nothing). Stores the message's timestamp, reports its consumer's lag the first time that
   * consumer is seen, and returns the start time to hand to {@link end}, or {@link NOT_TIMED}.
   */
  begin(context: unknown): number {
    if (!this.resolved) this.resolve();
    if (context !== undefined && context !== null) {
      if (this.age !== undefined) {
        const timestamp = kafkaTimestampOfArg(context);
        if (timestamp !== undefined) this.age.latest = timestamp;
      }
      if (this.lag !== undefined) {
        const consumer = kafkaConsumerOfArg(context);
        if (consumer !== this.lastConsumer && consumer !== undefined) this.consumerSeen(consumer);
      }
    }
    return this.start();
  }

  /**
   * A kafkajs consumer hands a message with this Kafka timestamp (or a batch, `undefined`) to its
   * handler: as {@link begin}, with no consumer to report (the consumer is reported once, where
   * it is instrumented).
   */
  beginMessage(timestamp: unknown): number {
    if (!this.resolved) this.resolve();
    this.stamp(timestamp);
    return this.start();
  }

  /** The handler of a message of `topic`, started at `start`, has settled (either way). */
  end(topic: string, start: number): void {
    if (start !== NOT_TIMED) this.times!.record(topic, (performance.now() - start) / 1000);
  }

  /**
   * `n` messages of `topic`, the last with Kafka timestamp `lastTimestamp`, were handled between
   * `start` and now: the timestamp is stored as {@link beginMessage} stores it, and each message
   * is recorded with an equal share of the time. Returns now (the start of what comes next), or
   * {@link NOT_TIMED}.
   */
  endMany(topic: string, start: number, n: number, lastTimestamp: unknown): number {
    this.stamp(lastTimestamp);
    if (start === NOT_TIMED) return NOT_TIMED;
    const now = performance.now();
    if (n > 0) this.times!.recordMany(topic, (now - start) / 1000 / n, n);
    return now;
  }

  /** Stops listening to the consumers whose lag this caller reported. */
  close(): void {
    for (const stop of this.stops.splice(0)) stop();
    this.lastConsumer = undefined;
  }

  /** A kafkajs message with this Kafka timestamp was consumed (the latest so far). */
  private stamp(timestamp: unknown): void {
    if (this.age !== undefined && typeof timestamp === 'string') this.age.latest = timestamp;
  }

  /** Now, as a start time for {@link end}; {@link NOT_TIMED} when processing time is off. */
  private start(): number {
    return this.times === undefined ? NOT_TIMED : performance.now();
  }

  private consumerSeen(consumer: unknown): void {
    this.lastConsumer = consumer;
    // Two consumers taking turns (two Kafka servers in one app) are each reported once.
    if (typeof consumer !== 'object' || consumer === null || this.watched.has(consumer)) return;
    this.watched.add(consumer);
    if (isKafkajsConsumer(consumer)) this.stops.push(this.lag!.report(consumer));
  }
}
