import { APP_FILTER } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { MetricsErrorsFilter } from '../../../lib/errors/errors.filter';
import { KafkaHandlersExplorer } from '../../../lib/kafka/kafka-handlers.explorer';
import { countingProviders } from '../../../lib/kafka/kafka-counting.providers';
import { KAFKA_COUNTING_OPTIONS } from '../../../lib/kafka/kafka.constants';

describe('countingProviders', () => {
  it('registers the errors filter globally and the explorer counting consumed messages by default', () => {
    expect(countingProviders(true, true)).toEqual([
      { provide: KAFKA_COUNTING_OPTIONS, useValue: { countConsumed: true } },
      KafkaHandlersExplorer,
      { provide: APP_FILTER, useClass: MetricsErrorsFilter },
    ]);
  });

  it('leaves the filter out with errorFilter: false and tells the explorer not to count consumed messages', () => {
    expect(countingProviders(false, false)).toEqual([
      { provide: KAFKA_COUNTING_OPTIONS, useValue: { countConsumed: false } },
      KafkaHandlersExplorer,
    ]);
  });
});
