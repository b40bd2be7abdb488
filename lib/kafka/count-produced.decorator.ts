import { SetMetadata } from '@nestjs/common';
import { COUNT_PRODUCED_METADATA } from './kafka.constants';

/**
 * Counts `messages_produced` for what a handler (HTTP route or Kafka handler) produced, when it
 * completes without an exception. With a topic: 1 message to it per completion, or the length of
 * the array the handler returns. Without: the handler returns what it sent (a kafkajs
 * `ProducerRecord`, an array of them, or a `ProducerBatch`), counted per topic.
 */
export const CountProduced = (topic?: string): MethodDecorator =>
  SetMetadata(COUNT_PRODUCED_METADATA, topic ?? null);
