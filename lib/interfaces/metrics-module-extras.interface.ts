/** Extras of `forRoot` / `forRootAsync` beside the options themselves. */
export interface MetricsModuleExtras {
  /** Register the module globally (default), so any module can inject `MetricsManager`. */
  isGlobal?: boolean;
  /** Count `messages_consumed` in every Kafka handler of the Nest Kafka transport. Default true. */
  countKafkaConsumed?: boolean;
  /**
   * Count `messages_produced` for every message a `ClientKafka` provider of the app sends
   * (`emit`, `send`, `emitBatch`), when the broker acknowledges it. Default true.
   */
  countKafkaProduced?: boolean;
  /** Register {@link MetricsErrorsFilter} as a global filter counting `messages_errors`. Default true. */
  errorFilter?: boolean;
}
