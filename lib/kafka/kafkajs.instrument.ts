import { Logger } from '@nestjs/common';
import type {
  Batch,
  Consumer,
  ConsumerRunConfig,
  EachBatchHandler,
  EachMessageHandler,
  Producer,
  ProducerBatch,
  ProducerRecord,
  Transaction,
} from 'kafkajs';
import type { MetricsManager } from '../manager/metrics.manager';
import { DEFAULT_LAG_METRIC_NAME } from './kafka.constants';
import { alreadyInstrumented } from './kafka.messages';
import { reportConsumerLag } from './consumer-lag';

/** Options of {@link instrumentConsumer}. */
export interface InstrumentConsumerOptions {
  /** Report the consumer lag gauge per topic and partition. Default true. */
  lag?: boolean;
  /** Name of the lag gauge. Default `kafka_consumer_offset_lag`. */
  lagMetricName?: string;
}

const instrumented = new WeakSet<object>();
const logger = new Logger('NubiumMetrics');

/**
 * Counts what a kafkajs consumer consumes: wraps the handler given to `run()`.
 * `eachMessage`: a message counts in `messages_consumed` once its handler returns; each throw
 * counts once in `messages_errors` (by class name) and kafkajs delivers the message again.
 * `eachBatch`: a message counts when its offset is resolved (`resolveOffset`, or kafkajs's
 * auto-resolve at the end of the batch), never twice; each throw of the batch handler counts one
 * error. Also reports consumer lag (see {@link InstrumentConsumerOptions}). Returns the consumer.
 */
export function instrumentConsumer<C extends Consumer>(
  consumer: C,
  metrics: MetricsManager,
  options: InstrumentConsumerOptions = {},
): C {
  if (instrumented.has(consumer)) {
    logger.warn(alreadyInstrumented('consumer'));
    return consumer;
  }
  instrumented.add(consumer);
  const run = consumer.run.bind(consumer);
  consumer.run = (config?: ConsumerRunConfig) => run(config && countingRunConfig(config, metrics));
  if (options.lag !== false)
    reportConsumerLag(consumer, metrics, options.lagMetricName ?? DEFAULT_LAG_METRIC_NAME);
  return consumer;
}

function countingRunConfig(config: ConsumerRunConfig, metrics: MetricsManager): ConsumerRunConfig {
  const { eachMessage, eachBatch } = config;
  // kafkajs calls eachMessage when both are given.
  if (eachMessage) return { ...config, eachMessage: countingEachMessage(eachMessage, metrics) };
  if (eachBatch)
    return {
      ...config,
      eachBatch: countingEachBatch(eachBatch, metrics, config.eachBatchAutoResolve !== false),
    };
  return config;
}

function countingEachMessage(
  handler: EachMessageHandler,
  metrics: MetricsManager,
): EachMessageHandler {
  const countError = (error: unknown): void => metrics.incMessageErrors(error);
  // kafkajs awaits the handler's own promise: counting hangs off it instead of wrapping it in
  // another async function, which would put one more promise between kafkajs and every message.
  return (payload) => {
    let result: Promise<void>;
    try {
      result = handler(payload);
    } catch (error) {
      countError(error);
      throw error;
    }
    if (!isThenable(result)) {
      metrics.incMessagesConsumed(payload.topic);
      return result;
    }
    result.then(() => metrics.incMessagesConsumed(payload.topic), countError);
    return result;
  };
}

function isThenable(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | undefined)?.then === 'function';
}

function countingEachBatch(
  handler: EachBatchHandler,
  metrics: MetricsManager,
  autoResolve: boolean,
): EachBatchHandler {
  return async (payload) => {
    const counter = new ResolvedCounter(payload.batch, metrics);
    const resolveOffset = payload.resolveOffset;
    try {
      await handler({
        ...payload,
        resolveOffset: (offset: string) => {
          resolveOffset(offset);
          counter.resolvedUpTo(offset);
        },
      });
    } catch (error) {
      metrics.incMessageErrors(error);
      throw error;
    }
    if (autoResolve) counter.resolvedAll();
  };
}

/** Counts the messages of one batch up to the highest offset resolved so far, each once. */
class ResolvedCounter {
  private next = 0;

  constructor(
    private readonly batch: Batch,
    private readonly metrics: MetricsManager,
  ) {}

  resolvedUpTo(offset: string): void {
    const messages = this.batch.messages;
    let i = this.next;
    while (i < messages.length && offsetAtMost(messages[i]!.offset, offset)) i++;
    this.add(i);
  }

  resolvedAll(): void {
    this.add(this.batch.messages.length);
  }

  private add(upTo: number): void {
    if (upTo <= this.next) return;
    this.metrics.incMessagesConsumed(this.batch.topic, upTo - this.next);
    this.next = upTo;
  }
}

/** Compares two decimal offsets (int64 as text) without parsing them. */
function offsetAtMost(a: string, b: string): boolean {
  return a.length !== b.length ? a.length < b.length : a <= b;
}

/**
 * Counts what a kafkajs producer produces: `messages_produced{topic}` grows by the messages of a
 * `send` / `sendBatch` once it resolves, i.e. the broker acknowledged them (with `acks: 0`, once
 * they were written to the socket). A send that rejects counts nothing. In a transaction
 * (`producer.transaction()`), the messages count when `commit()` resolves; an abort counts none.
 * Returns the producer.
 */
export function instrumentProducer<P extends Producer>(producer: P, metrics: MetricsManager): P {
  if (instrumented.has(producer)) {
    logger.warn(alreadyInstrumented('producer'));
    return producer;
  }
  instrumented.add(producer);
  const count = (topic: string, n: number) => metrics.incMessagesProduced(topic, n);
  countSends(producer, count);
  const transaction = producer.transaction.bind(producer);
  producer.transaction = async () => countTransaction(await transaction(), count);
  return producer;
}

type Count = (topic: string, n: number) => void;

function countSends(sender: Pick<Producer, 'send' | 'sendBatch'>, count: Count): void {
  const send = sender.send.bind(sender);
  const sendBatch = sender.sendBatch.bind(sender);
  sender.send = async (record: ProducerRecord) => {
    const result = await send(record);
    count(record.topic, record.messages.length);
    return result;
  };
  sender.sendBatch = async (batch: ProducerBatch) => {
    const result = await sendBatch(batch);
    for (const { topic, messages } of batch.topicMessages ?? []) count(topic, messages.length);
    return result;
  };
}

function countTransaction(transaction: Transaction, count: Count): Transaction {
  const pending = new Map<string, number>();
  countSends(transaction, (topic, n) => pending.set(topic, (pending.get(topic) ?? 0) + n));
  const commit = transaction.commit.bind(transaction);
  const abort = transaction.abort.bind(transaction);
  transaction.commit = async () => {
    await commit();
    for (const [topic, n] of pending) count(topic, n);
    pending.clear();
  };
  transaction.abort = async () => {
    pending.clear();
    await abort();
  };
  return transaction;
}
