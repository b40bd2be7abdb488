/** Metadata key of {@link CountProduced}: the topic it names, or `null` for "what the handler returns". */
export const COUNT_PRODUCED_METADATA = 'nubium-metrics:count-produced';

/** Injection token of the Kafka counting switches taken from the module's extras. */
export const KAFKA_COUNTING_OPTIONS = Symbol('NUBIUM_KAFKA_COUNTING_OPTIONS');

/** What the module counts on its own in Kafka handlers. */
export interface KafkaCountingOptions {
  /** Count `messages_consumed` in every discovered Kafka handler. */
  readonly countConsumed: boolean;
}

// @nestjs/microservices' metadata keys and Transport.KAFKA, repeated here (they are stable since
// Nest 8) so that apps without @nestjs/microservices can use the module.
export const MS_PATTERN_METADATA = 'microservices:pattern';
export const MS_TRANSPORT_METADATA = 'microservices:transport';
export const MS_TRANSPORT_KAFKA = 6;
/** `RpcParamtype.CONTEXT`: the parameter `@Ctx()` fills, keyed `6:<index>` in the route arguments. */
export const MS_PARAM_CONTEXT = 6;

/** Default name of the consumer lag gauge set by {@link instrumentConsumer}. */
export const DEFAULT_LAG_METRIC_NAME = 'kafka_consumer_offset_lag';
