import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { Registry } from 'prom-client';
import { MetricsPortServer } from './endpoint/metrics-port.server';
import { MetricsEndpoint } from './endpoint/metrics.endpoint';
import { registerDefaultMetrics } from './manager/default-metrics';
import { MetricsManager } from './manager/metrics.manager';
import { METRICS_REGISTRY, RESOLVED_METRICS_OPTIONS } from './metrics.constants';
import { ConfigurableMetricsModule, METRICS_MODULE_OPTIONS } from './metrics.module-definition';
import {
  resolveMetricsOptions,
  type MetricsModuleOptions,
  type ResolvedMetricsOptions,
} from './metrics.options';
import { MetricsPusher } from './pusher/metrics.pusher';

/**
 * The metrics module: `NubiumMetricsModule.forRoot(options)` or `forRootAsync({ useFactory, inject })`.
 * Options are validated when the app starts, so a missing or malformed one fails start-up with
 * a message naming the option and its env var, before anything is pushed.
 */
@Module({
  imports: [ScheduleModule.forRoot(), DiscoveryModule],
  providers: [
    {
      provide: RESOLVED_METRICS_OPTIONS,
      useFactory: (options: MetricsModuleOptions) => resolveMetricsOptions(options),
      inject: [METRICS_MODULE_OPTIONS],
    },
    {
      provide: METRICS_REGISTRY,
      useFactory: (options: ResolvedMetricsOptions) => {
        const registry = options.registry ?? new Registry();
        if (options.defaultMetrics) {
          registerDefaultMetrics(registry, {
            ...options.defaultMetrics,
            app: options.app,
            job: options.job,
          });
        }
        return registry;
      },
      inject: [RESOLVED_METRICS_OPTIONS],
    },
    MetricsManager,
    MetricsPusher,
    MetricsEndpoint,
    MetricsPortServer,
  ],
  exports: [MetricsManager, MetricsPusher, METRICS_REGISTRY, RESOLVED_METRICS_OPTIONS],
})
export class NubiumMetricsModule extends ConfigurableMetricsModule {}

/** Alias of {@link NubiumMetricsModule}. */
export const MetricsModule = NubiumMetricsModule;
