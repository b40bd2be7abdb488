import type { ExecutionContext } from '@nestjs/common';

/** The part of @nestjs/microservices' `KafkaContext` read here; duck-typed to avoid the import. */
interface TopicSource {
  getTopic(): unknown;
}

/**
 * Topic of the message a Kafka handler runs for, or `undefined` outside the Kafka transport
 * (HTTP, another RPC transport). Reads the context argument as is: no allocation.
 */
export function kafkaTopicOf(context: ExecutionContext): string | undefined {
  if (context.getType() !== 'rpc') return undefined;
  return kafkaTopicOfArg(context.getArgByIndex(1));
}

/**
 * Topic of `arg` when it is a `KafkaContext` (what `@Ctx()` gives a Kafka handler), else
 * `undefined` (the context of another transport, or no context).
 */
export function kafkaTopicOfArg(arg: unknown): string | undefined {
  if (arg === null || typeof arg !== 'object') return undefined;
  const getTopic = (arg as Partial<TopicSource>).getTopic;
  if (typeof getTopic !== 'function') return undefined;
  const topic: unknown = getTopic.call(arg);
  return typeof topic === 'string' ? topic : undefined;
}
