import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import { countingProviders, producedClientsProviders } from './kafka/kafka-counting.providers';
import { METRICS_MODULE_EXTRAS } from './metrics.constants';
import type { MetricsModuleExtras } from './interfaces/metrics-module-extras.interface';
import type { MetricsModuleOptions } from './interfaces/metrics-options.interface';

/**
 * Injection token of `true` when the options come from a `forRootAsync` factory (`useFactory`,
 * `useClass` or `useExisting`), `false` for `forRoot`: option messages name where a value came from.
 */
export const METRICS_OPTIONS_FROM_FACTORY = Symbol('NUBIUM_METRICS_OPTIONS_FROM_FACTORY');

export const {
  ConfigurableModuleClass: ConfigurableMetricsModule,
  MODULE_OPTIONS_TOKEN: METRICS_MODULE_OPTIONS,
  OPTIONS_TYPE: METRICS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: METRICS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MetricsModuleOptions>({ moduleName: 'NubiumMetrics' })
  .setClassMethodName('forRoot')
  .setExtras<MetricsModuleExtras>(
    METRICS_MODULE_EXTRAS satisfies Required<MetricsModuleExtras>,
    (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
      providers: [
        ...(definition.providers ?? []),
        optionsFromFactory(definition.providers ?? []),
        ...countingProviders(extras.countKafkaConsumed !== false, extras.errorFilter !== false),
        ...producedClientsProviders(extras.countKafkaProduced !== false),
      ],
    }),
  )
  .build();

/** forRoot provides the options as a value; every form of forRootAsync, by a factory. */
function optionsFromFactory(providers: readonly Provider[]): Provider {
  const options = providers.find(
    (p) => typeof p === 'object' && 'provide' in p && p.provide === METRICS_MODULE_OPTIONS,
  );
  return {
    provide: METRICS_OPTIONS_FROM_FACTORY,
    useValue: options !== undefined && 'useFactory' in options,
  };
}
