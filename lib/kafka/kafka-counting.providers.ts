/**
 * Entry of `lib/kafka/`: the providers of the Kafka counting. Where each count is made (at most
 * two files a path: the file that hooks in, and the one that counts):
 *
 * Consumed (`messages_consumed`; with it `seconds_behind`, the lag gauge and processing time,
 * through `consumed-meters.ts`):
 * - Nest Kafka transport, no code: `kafka-handlers.binder.ts` wraps each handler with
 *   `consumed-handler.wrapper.ts`, which counts with `countConsumedOutcome` (`consumed-outcome.ts`).
 * - `KafkaConsumedInterceptor` fallback: `consumed.interceptor.ts` counts with `countOnComplete`
 *   (`consumed-outcome.ts`).
 * - kafkajs `instrumentConsumer`: `kafkajs.instrument.ts` (`countingEachMessage` / `ResolvedCounter`).
 *
 * Produced (`messages_produced`):
 * - `ClientKafka`: `client-kafka.binder.ts` hooks the client's producer with `countProducer`
 *   (`kafkajs-producer.instrument.ts`), which counts each send when the broker acknowledges it.
 * - `@CountProduced`: `count-produced.interceptor.ts` counts with `countProducedResult` (`produced-count.ts`).
 * - kafkajs `instrumentProducer`: `kafkajs.instrument.ts` calls `countProducer`
 *   (`kafkajs-producer.instrument.ts`).
 *
 * Errors (`messages_errors`): the app's exceptions in `lib/filter/errors.filter.ts`; a kafkajs
 * handler's in `kafkajs.instrument.ts`. Lag: `consumer-lag.ts`. `seconds_behind`:
 * `seconds-behind.gauge.ts`. Processing time: `processing-time.histogram.ts`.
 *
 * Shared: the label cap is `lib/manager/capped-series.ts`, lookup-or-create of the module's own
 * metrics `lib/metrics/own-metric.ts`, "is the result a promise" `isThenable` in `consumed-outcome.ts`.
 */
import type { Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { MetricsErrorsFilter } from '../filter/errors.filter';
import { RESOLVED_METRICS_OPTIONS } from '../metrics.constants';
import type { ResolvedMetricsOptions } from '../metrics.options';
import { ClientKafkaBinder } from './client-kafka.binder';
import { KafkaConsumedInterceptor } from './consumed.interceptor';
import { CountedClients } from './counted-clients';
import { KafkaHandlersBinder } from './kafka-handlers.binder';
import { KafkaHandlersExplorer } from './kafka-handlers.explorer';
import { KafkaMetadataAccessor } from './kafka-metadata.accessor';
import type { KafkaCountingOptions } from '../interfaces/kafka-counting-options.interface';
import { KAFKA_COUNTING_OPTIONS } from './kafka.constants';
import { ProducedClientsExplorer } from './produced-clients.explorer';

/** The Kafka counting switches: the module's extra, and the processing-time option. */
export function kafkaCountingOptions(
  countConsumed: boolean,
  resolved: ResolvedMetricsOptions,
): KafkaCountingOptions {
  const buckets = resolved.processingTime?.buckets;
  return {
    countConsumed,
    processingTime: buckets && { buckets },
  };
}

/** Providers of the automatic counting, chosen by the module's extras. */
export function countingProviders(countKafkaConsumed: boolean, errorFilter: boolean): Provider[] {
  return [
    {
      provide: KAFKA_COUNTING_OPTIONS,
      useFactory: (resolved: ResolvedMetricsOptions) =>
        kafkaCountingOptions(countKafkaConsumed, resolved),
      inject: [RESOLVED_METRICS_OPTIONS],
    },
    KafkaMetadataAccessor,
    KafkaHandlersExplorer,
    KafkaConsumedInterceptor,
    // Binds the handlers when it is created (see its constructor).
    KafkaHandlersBinder,
    ...(errorFilter ? [{ provide: APP_FILTER, useClass: MetricsErrorsFilter }] : []),
  ];
}

/**
 * Providers of the ClientKafka counting; {@link CountedClients} in any case, as the
 * `@CountProduced` interceptors read it.
 */
export function producedClientsProviders(countKafkaProduced: boolean): Provider[] {
  return [
    CountedClients,
    ...(countKafkaProduced ? [ProducedClientsExplorer, ClientKafkaBinder] : []),
  ];
}
