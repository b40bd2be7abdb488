import { Logger, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { Registry } from 'prom-client';
import { MetricsPortServer } from './endpoint/metrics-port.server';
import { MetricsEndpoint } from './endpoint/metrics.endpoint';
import { registerDefaultMetrics } from './manager/default-metrics';
import { MetricsManager } from './manager/metrics.manager';
import { LOGGER_CONTEXT, METRICS_REGISTRY, RESOLVED_METRICS_OPTIONS } from './metrics.constants';
import * as messages from './options/options.messages';
import {
  ConfigurableMetricsModule,
  METRICS_MODULE_OPTIONS,
  METRICS_OPTIONS_FROM_FACTORY,
} from './metrics.module-definition';
import {
  resolveMetricsOptions,
  unknownOptions,
  type ResolvedMetricsOptions,
} from './metrics.options';
import type { MetricsModuleOptions } from './interfaces/metrics-options.interface';
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
      useFactory: (options: MetricsModuleOptions, fromFactory: boolean | undefined) => {
        const factory = fromFactory === true;
        const resolved = resolveMetricsOptions(options, undefined, undefined, factory);
        warnOfUnknownOptions(options, resolved, factory);
        return resolved;
      },
      inject: [METRICS_MODULE_OPTIONS, { token: METRICS_OPTIONS_FROM_FACTORY, optional: true }],
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

/** One warning per key the module does not read (with `strictOptions`, the resolver threw). */
function warnOfUnknownOptions(
  options: MetricsModuleOptions,
  resolved: ResolvedMetricsOptions,
  fromFactory: boolean,
): void {
  const logger = new Logger(LOGGER_CONTEXT);
  const origin = messages.optionOrigin(undefined, 'code', fromFactory);
  for (const unknown of unknownOptions(options, resolved)) {
    const reason = messages.unknownOption(unknown.closest, unknown.extra === true);
    logger.warn(messages.unknownOptionIgnored(unknown.key, origin, reason));
  }
}

/** Alias of {@link NubiumMetricsModule}. */
export const MetricsModule = NubiumMetricsModule;
