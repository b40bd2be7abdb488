import { ConfigurableModuleBuilder } from '@nestjs/common';
import { countingProviders, producedClientsProviders } from './kafka/kafka-counting.providers';
import type { MetricsModuleOptions } from './metrics.options';

/** Extras of `forRoot` / `forRootAsync` beside the options themselves. */
export interface MetricsModuleExtras {
  /** Register the module globally (default), so any module can inject `MetricsManager`. */
  isGlobal?: boolean;
  /** Count `messages_consumed` in every Kafka handler of the Nest Kafka transport. Default true. */
  countKafkaConsumed?: boolean;
  /**
   * Count `messages_produced` for every message a `ClientKafka` provider of the app sends
   * (`emit`, `send`, `emitBatch`), when the broker acknowledges it. Default true.
   */
  countKafkaProduced?: boolean;
  /** Register {@link MetricsErrorsFilter} as a global filter counting `messages_errors`. Default true. */
  errorFilter?: boolean;
}

export const {
  ConfigurableModuleClass: ConfigurableMetricsModule,
  MODULE_OPTIONS_TOKEN: METRICS_MODULE_OPTIONS,
  OPTIONS_TYPE: METRICS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: METRICS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MetricsModuleOptions>({ moduleName: 'NubiumMetrics' })
  .setClassMethodName('forRoot')
  .setExtras<MetricsModuleExtras>(
    { isGlobal: true, countKafkaConsumed: true, countKafkaProduced: true, errorFilter: true },
    (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
      providers: [
        ...(definition.providers ?? []),
        ...countingProviders(extras.countKafkaConsumed !== false, extras.errorFilter !== false),
        ...producedClientsProviders(extras.countKafkaProduced !== false),
      ],
    }),
  )
  .build();
