import type { Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { MetricsErrorsFilter } from '../errors/errors.filter';
import { KafkaHandlersExplorer } from './kafka-handlers.explorer';
import { KAFKA_COUNTING_OPTIONS, type KafkaCountingOptions } from './kafka.constants';

/** Providers of the automatic counting, chosen by the module's extras. */
export function countingProviders(countKafkaConsumed: boolean, errorFilter: boolean): Provider[] {
  const options: KafkaCountingOptions = { countConsumed: countKafkaConsumed };
  return [
    { provide: KAFKA_COUNTING_OPTIONS, useValue: options },
    KafkaHandlersExplorer,
    ...(errorFilter ? [{ provide: APP_FILTER, useClass: MetricsErrorsFilter }] : []),
  ];
}
