import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { MetricsOptionsError } from '../options/metrics-options.error';
import * as messages from './metrics-health.messages';
import {
  METRICS_HEALTH_INDICATOR_SERVICE,
  METRICS_HEALTH_OPTIONS,
} from './metrics-health.constants';
import type {
  HealthIndicatorServiceLike,
  MetricsHealthOptions,
} from '../interfaces/metrics-health.interface';
import { MetricsHealthIndicator } from './metrics.health';

/**
 * Provides {@link MetricsHealthIndicator}. @nestjs/terminus is an optional peer: it is loaded
 * only when this module is imported, so apps that never use the indicator need not install it.
 * Import it beside `TerminusModule` in the app's health module; the metrics module must be
 * global (the default) or imported there too. Import the class as it is for `minTargets: 1`.
 */
@Module({ providers: healthProviders({}), exports: [MetricsHealthIndicator] })
export class MetricsHealthModule {
  /** The indicator with `minTargets` (default 1) pods that must accept each push. */
  static forRoot(options: MetricsHealthOptions = {}): DynamicModule {
    return {
      module: MetricsHealthModule,
      providers: healthProviders(options),
      exports: [MetricsHealthIndicator],
    };
  }
}

/** The module's providers, for the class imported as it is and for `forRoot` alike. */
function healthProviders(options: MetricsHealthOptions): Provider[] {
  const minTargets = options.minTargets ?? 1;
  if (!Number.isInteger(minTargets) || minTargets < 1) {
    throw new MetricsOptionsError(
      'minTargets',
      undefined,
      messages.badMinTargets(options.minTargets),
      'code',
    );
  }
  return [
    { provide: METRICS_HEALTH_OPTIONS, useValue: { minTargets } },
    { provide: METRICS_HEALTH_INDICATOR_SERVICE, useFactory: loadHealthIndicatorService },
    MetricsHealthIndicator,
  ];
}

async function loadHealthIndicatorService(): Promise<HealthIndicatorServiceLike> {
  try {
    const terminus = await import('@nestjs/terminus');
    return new terminus.HealthIndicatorService();
  } catch (error) {
    throw new Error(messages.terminusMissing((error as Error).message));
  }
}
