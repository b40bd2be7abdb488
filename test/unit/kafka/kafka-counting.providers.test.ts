import type { FactoryProvider, Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { MetricsErrorsFilter } from '../../../lib/filter/errors.filter';
import { KafkaHandlersBinder } from '../../../lib/kafka/kafka-handlers.binder';
import { KafkaHandlersExplorer } from '../../../lib/kafka/kafka-handlers.explorer';
import { countingProviders } from '../../../lib/kafka/kafka-counting.providers';
import { KAFKA_COUNTING_OPTIONS } from '../../../lib/kafka/kafka.constants';
import { resolveMetricsOptions } from '../../../lib/metrics.options';

/** What the options provider gives the binder, for the options given to forRoot. */
function countingOptions(providers: Provider[], given: Record<string, unknown> = {}): unknown {
  const provider = providers.find(
    (p): p is FactoryProvider => typeof p === 'object' && p.provide === KAFKA_COUNTING_OPTIONS,
  );
  const resolved = resolveMetricsOptions(
    { job: 'pod-1', app: 'orders', pushEnabled: false, ...given },
    {},
  );
  return provider?.useFactory(resolved);
}

const filters = (providers: Provider[]) =>
  providers.filter((p) => typeof p === 'object' && p.provide === APP_FILTER);

describe('countingProviders', () => {
  it('registers the errors filter globally and the explorer counting consumed messages by default', () => {
    const providers = countingProviders(true, true);
    expect(providers).toContain(KafkaHandlersExplorer);
    expect(providers).toContain(KafkaHandlersBinder);
    expect(filters(providers)).toEqual([{ provide: APP_FILTER, useClass: MetricsErrorsFilter }]);
    expect(countingOptions(providers)).toEqual({ countConsumed: true, processingTime: undefined });
  });

  it('leaves the filter out with errorFilter: false and tells the explorer not to count consumed messages', () => {
    const providers = countingProviders(false, false);
    expect(providers).toContain(KafkaHandlersExplorer);
    expect(filters(providers)).toEqual([]);
    expect(countingOptions(providers)).toEqual({ countConsumed: false, processingTime: undefined });
  });

  it('turns processing time on with the default buckets, or the buckets given', () => {
    const providers = countingProviders(true, true);
    expect(countingOptions(providers, { processingTime: true })).toEqual({
      countConsumed: true,
      processingTime: {
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      },
    });
    expect(countingOptions(providers, { processingTime: { buckets: [0.1, 1] } })).toEqual({
      countConsumed: true,
      processingTime: { buckets: [0.1, 1] },
    });
    expect(() => countingOptions(providers, { processingTime: { buckets: [1, 0.1] } })).toThrow(
      /option "processingTime.buckets".*increasing.*\[1,0.1\]/,
    );
    expect(() => countingOptions(providers, { processingTime: 'yes' })).toThrow(
      /option "processingTime".*must be true, false or \{ buckets/,
    );
  });
});
