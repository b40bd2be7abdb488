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
  const kafkaContext = context.getArgByIndex(1) as Partial<TopicSource> | null | undefined;
  if (
    kafkaContext === null ||
    typeof kafkaContext !== 'object' ||
    typeof kafkaContext.getTopic !== 'function'
  ) {
    return undefined;
  }
  const topic = kafkaContext.getTopic();
  return typeof topic === 'string' ? topic : undefined;
}
