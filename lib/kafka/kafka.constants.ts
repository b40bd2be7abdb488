/** Metadata key of {@link CountProduced}: the topic it names, or `null` for "what the handler returns". */
export const COUNT_PRODUCED_METADATA = 'nubium-metrics:count-produced';

/** Injection token of the Kafka counting switches taken from the module's extras. */
export const KAFKA_COUNTING_OPTIONS = Symbol('NUBIUM_KAFKA_COUNTING_OPTIONS');

// @nestjs/microservices' metadata keys and Transport.KAFKA, repeated here (they are stable since
// Nest 8) so that apps without @nestjs/microservices can use the module.
export const MS_PATTERN_METADATA = 'microservices:pattern';
export const MS_TRANSPORT_METADATA = 'microservices:transport';
export const MS_TRANSPORT_KAFKA = 6;
/** `RpcParamtype.PAYLOAD`: the parameter `@Payload()` fills, keyed `3:<index>` in the route arguments. */
export const MS_PARAM_PAYLOAD = 3;
/** `RpcParamtype.CONTEXT`: the parameter `@Ctx()` fills, keyed `6:<index>` in the route arguments. */
export const MS_PARAM_CONTEXT = 6;

/** Default name of the consumer lag gauge. */
export const DEFAULT_LAG_METRIC_NAME = 'kafka_consumer_offset_lag';

/**
 * The time-behind gauge `{app, job}`: name, type and help as the original library's later
 * versions push it, so that a fleet mixing both shares one metric.
 */
export const SECONDS_BEHIND_METRIC = 'seconds_behind';
/** Its help text, word for word the original's. */
export const SECONDS_BEHIND_HELP =
  'elapsed time, in seconds, since the most recently consumed message was produced';

/** The opt-in histogram `{app, job, topic}` of the time a consumed message's handler takes. */
export const PROCESSING_TIME_METRIC = 'message_processing_seconds';
// Marks the module leaves on objects it shares with the app or with other apps of the process,
// instead of module-level registries: each mark lives and dies with the object it is on.
/** On an interceptor the binder bound (a second app replaces it rather than stacking on it). */
export const BOUND_BY_MODULE = Symbol('nubium-metrics bound interceptor');
/** On a route argument the binder declared (a `KafkaContext` the app did not ask for). */
export const DECLARED_BY_MODULE = Symbol('nubium-metrics declared argument');
/**
 * On a kafkajs consumer or producer already instrumented: `true`, or, on the producer of a
 * `ClientKafka` the module counts, the client's name.
 */
export const INSTRUMENTED = Symbol('nubium-metrics instrumented');
