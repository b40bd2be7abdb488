/** What the module counts on its own in Kafka handlers (the Kafka counting providers' options). */
export interface KafkaCountingOptions {
  /** Count `messages_consumed` (and report lag and `seconds_behind`) in every discovered Kafka handler. */
  readonly countConsumed: boolean;
  /** The processing-time histogram's buckets and most topics, when the option turns it on. */
  readonly processingTime?: { readonly buckets: readonly number[] };
}

/** The `processingTime` option: `true` for the default buckets, or the buckets' upper bounds in seconds. */
export type ProcessingTimeOption = boolean | { readonly buckets?: readonly number[] };

/** Options of `instrumentConsumer`. */
export interface InstrumentConsumerOptions {
  /** Report the consumer lag gauge per topic and partition. Default true. */
  lag?: boolean;
  /** Name of the lag gauge. Default `kafka_consumer_offset_lag`. */
  lagMetricName?: string;
  /** Keep `seconds_behind{app, job}` from the consumed messages' timestamps. Default true. */
  secondsBehind?: boolean;
  /**
   * Record `message_processing_seconds{app, job, topic}`: `true` (default buckets) or
   * `{ buckets }` turns it on for this consumer, `false` off. Default: on when the module's
   * `processingTime` option is.
   */
  processingTime?: ProcessingTimeOption;
}
