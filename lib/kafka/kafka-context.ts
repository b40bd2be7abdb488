/**
 * The part of @nestjs/microservices' `KafkaContext` read here; duck-typed to avoid the import.
 * Every method is optional: other transports' contexts have some of them (MQTT's `getTopic`,
 * RabbitMQ's `getMessage`) and none has them all.
 */
interface KafkaContextLike {
  // Function-typed properties rather than methods: each is read once and called with `.call(arg)`.
  getTopic?: (this: object) => unknown;
  getMessage?: (this: object) => { timestamp?: unknown } | null | undefined;
  getConsumer?: (this: object) => unknown;
}

/**
 * Topic of `arg` when it is a `KafkaContext` (what `@Ctx()` gives a Kafka handler), else
 * `undefined` (the context of another transport, or no context).
 */
export function kafkaTopicOfArg(arg: unknown): string | undefined {
  if (arg === null || typeof arg !== 'object') return undefined;
  const getTopic = (arg as KafkaContextLike).getTopic;
  if (typeof getTopic !== 'function') return undefined;
  const topic: unknown = getTopic.call(arg);
  return typeof topic === 'string' ? topic : undefined;
}

/**
 * The kafkajs timestamp of the message in a `KafkaContext` argument: milliseconds since the
 * epoch as decimal text, kept as text (parsed only when the gauge is read). `undefined` when the
 * argument is not a Kafka context.
 */
export function kafkaTimestampOfArg(arg: unknown): string | undefined {
  if (arg === null || typeof arg !== 'object') return undefined;
  const getMessage = (arg as KafkaContextLike).getMessage;
  if (typeof getMessage !== 'function') return undefined;
  const timestamp: unknown = getMessage.call(arg)?.timestamp;
  return typeof timestamp === 'string' ? timestamp : undefined;
}

/** The kafkajs consumer in a `KafkaContext` argument (what Nest's `ServerKafka` consumes with). */
export function kafkaConsumerOfArg(arg: unknown): unknown {
  if (arg === null || typeof arg !== 'object') return undefined;
  const getConsumer = (arg as KafkaContextLike).getConsumer;
  return typeof getConsumer === 'function' ? getConsumer.call(arg) : undefined;
}
