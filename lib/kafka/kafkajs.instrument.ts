import { Logger } from '@nestjs/common';
import type {
  Batch,
  Consumer,
  ConsumerRunConfig,
  EachBatchHandler,
  EachMessageHandler,
  Producer,
} from 'kafkajs';
import { LOGGER_CONTEXT } from '../metrics.constants';
import type { MetricsManager } from '../manager/metrics.manager';
import { ConsumedMeters } from './consumed-meters';
import { isThenable } from './consumed-outcome';
import { ConsumerLagGauge } from './consumer-lag';
import { DEFAULT_LAG_METRIC_NAME, INSTRUMENTED } from './kafka.constants';
import { alreadyInstrumented, producerOfCountedClient } from './kafka.messages';
import { countProducer } from './kafkajs-producer.instrument';
import type { InstrumentConsumerOptions } from '../interfaces/kafka-counting-options.interface';
import { resolveProcessingTime } from '../options/processing-time.option';

/**
 * Counts what a kafkajs consumer consumes: wraps the handler given to `run()`.
 * `eachMessage`: a message counts in `messages_consumed` once its handler returns; each throw
 * counts once in `messages_errors` (by class name) and kafkajs delivers the message again.
 * `eachBatch`: a message counts when its offset is resolved (`resolveOffset`, or kafkajs's
 * auto-resolve at the end of the batch), never twice; each throw of the batch handler counts one
 * error. Also reports consumer lag, `seconds_behind` and, when on, processing time (see
 * {@link InstrumentConsumerOptions}). Returns the consumer.
 */
export function instrumentConsumer<C extends Consumer>(
  consumer: C,
  metrics: MetricsManager,
  options: InstrumentConsumerOptions = {},
): C {
  if (!markInstrumented(consumer, 'consumer')) return consumer;
  const processingTime =
    options.processingTime === undefined
      ? undefined
      : (resolveProcessingTime(options.processingTime, 'instrumentConsumer processingTime') ??
        false);
  const meters = new ConsumedMeters(metrics, {
    secondsBehind: options.secondsBehind,
    lag: false,
    processingTime,
  });
  const run = consumer.run.bind(consumer);
  consumer.run = (config?: ConsumerRunConfig) =>
    run(config && countingRunConfig(config, metrics, meters));
  if (options.lag !== false)
    ConsumerLagGauge.of(metrics, options.lagMetricName ?? DEFAULT_LAG_METRIC_NAME)?.report(
      consumer,
    );
  return consumer;
}

/**
 * Counts what a kafkajs producer produces: `messages_produced{topic}` grows by the messages of a
 * `send` / `sendBatch` once it resolves, i.e. the broker acknowledged them (with `acks: 0`, once
 * they were written to the socket). A send that rejects counts nothing. In a transaction
 * (`producer.transaction()`), the messages count when `commit()` resolves; an abort counts none.
 * Returns the producer.
 */
export function instrumentProducer<P extends Producer>(producer: P, metrics: MetricsManager): P {
  if (markInstrumented(producer, 'producer')) countProducer(producer, metrics);
  return producer;
}

/** Marks `client` as instrumented; `false` (and a warning) when it was already. */
function markInstrumented(client: object, what: 'consumer' | 'producer'): boolean {
  if (INSTRUMENTED in client) {
    const by: unknown = (client as Record<typeof INSTRUMENTED, unknown>)[INSTRUMENTED];
    // The module's ClientKafka counting marks a client's producer with the client's name.
    new Logger(LOGGER_CONTEXT).warn(
      typeof by === 'string' ? producerOfCountedClient(by) : alreadyInstrumented(what),
    );
    return false;
  }
  Object.defineProperty(client, INSTRUMENTED, { value: true });
  return true;
}

function countingRunConfig(
  config: ConsumerRunConfig,
  metrics: MetricsManager,
  meters: ConsumedMeters,
): ConsumerRunConfig {
  const { eachMessage, eachBatch } = config;
  // kafkajs calls eachMessage when both are given.
  if (eachMessage)
    return { ...config, eachMessage: countingEachMessage(eachMessage, metrics, meters) };
  if (eachBatch)
    return {
      ...config,
      eachBatch: countingEachBatch(
        eachBatch,
        metrics,
        meters,
        config.eachBatchAutoResolve !== false,
      ),
    };
  return config;
}

function countingEachMessage(
  handler: EachMessageHandler,
  metrics: MetricsManager,
  meters: ConsumedMeters,
): EachMessageHandler {
  // kafkajs awaits the handler's own promise: counting hangs off it instead of wrapping it in
  // another async function, which would put one more promise between kafkajs and every message.
  return (payload) => {
    const topic = payload.topic;
    const start = meters.beginMessage(payload.message.timestamp);
    let result: Promise<void>;
    try {
      result = handler(payload);
    } catch (error) {
      metrics.incMessageErrors(error);
      meters.end(topic, start);
      throw error;
    }
    if (!isThenable(result)) {
      metrics.incMessagesConsumed(topic);
      meters.end(topic, start);
      return result;
    }
    result.then(
      () => {
        metrics.incMessagesConsumed(topic);
        meters.end(topic, start);
      },
      (error: unknown) => {
        metrics.incMessageErrors(error);
        meters.end(topic, start);
      },
    );
    return result;
  };
}

function countingEachBatch(
  handler: EachBatchHandler,
  metrics: MetricsManager,
  meters: ConsumedMeters,
  autoResolve: boolean,
): EachBatchHandler {
  return async (payload) => {
    const counter = new ResolvedCounter(payload.batch, metrics, meters);
    try {
      await handler({
        ...payload,
        resolveOffset: (offset: string) => {
          payload.resolveOffset(offset);
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

/**
 * Counts the messages of one batch up to the highest offset resolved so far, each once; the
 * batch handler's time between two resolutions is the processing time of the messages the second
 * one resolved, in equal shares.
 */
class ResolvedCounter {
  private next = 0;
  private since: number;

  constructor(
    private readonly batch: Batch,
    private readonly metrics: MetricsManager,
    private readonly meters: ConsumedMeters,
  ) {
    this.since = meters.beginMessage(undefined);
  }

  resolvedUpTo(offset: string): void {
    const messages = this.batch.messages;
    let i = this.next;
    while (i < messages.length && offsetAtMost(messages[i].offset, offset)) i++;
    this.add(i);
  }

  resolvedAll(): void {
    this.add(this.batch.messages.length);
  }

  private add(upTo: number): void {
    if (upTo <= this.next) return;
    const n = upTo - this.next;
    this.metrics.incMessagesConsumed(this.batch.topic, n);
    const last = this.batch.messages[upTo - 1].timestamp;
    this.since = this.meters.endMany(this.batch.topic, this.since, n, last);
    this.next = upTo;
  }
}

/** Compares two decimal offsets (int64 as text) without parsing them. */
function offsetAtMost(a: string, b: string): boolean {
  return a.length !== b.length ? a.length < b.length : a <= b;
}
