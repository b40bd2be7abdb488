import { Module, type DynamicModule } from '@nestjs/common';
import {
  METRICS_HEALTH_INDICATOR_SERVICE,
  METRICS_HEALTH_OPTIONS,
} from './metrics-health.constants';
import type { HealthIndicatorServiceLike, MetricsHealthOptions } from './metrics-health.interfaces';
import { MetricsHealthIndicator } from './metrics.health';

/**
 * Provides {@link MetricsHealthIndicator}. @nestjs/terminus is an optional peer: it is loaded
 * only when this module is imported, so apps that never use the indicator need not install it.
 * Import it beside `TerminusModule` in the app's health module; the metrics module must be
 * global (the default) or imported there too. Import the class as it is for `minTargets: 1`.
 */
@Module({
  providers: [
    { provide: METRICS_HEALTH_OPTIONS, useValue: { minTargets: 1 } },
    { provide: METRICS_HEALTH_INDICATOR_SERVICE, useFactory: loadHealthIndicatorService },
    MetricsHealthIndicator,
  ],
  exports: [MetricsHealthIndicator],
})
export class MetricsHealthModule {
  /** The indicator with `minTargets` (default 1) pods that must accept each push. */
  static forRoot(options: MetricsHealthOptions = {}): DynamicModule {
    const minTargets = options.minTargets ?? 1;
    if (!Number.isInteger(minTargets) || minTargets < 1) {
      throw new Error(
        `MetricsHealthModule: option "minTargets" must be a whole number >= 1, got ${JSON.stringify(options.minTargets)}`,
      );
    }
    return {
      module: MetricsHealthModule,
      providers: [
        { provide: METRICS_HEALTH_OPTIONS, useValue: { minTargets } },
        { provide: METRICS_HEALTH_INDICATOR_SERVICE, useFactory: loadHealthIndicatorService },
        MetricsHealthIndicator,
      ],
      exports: [MetricsHealthIndicator],
    };
  }
}

async function loadHealthIndicatorService(): Promise<HealthIndicatorServiceLike> {
  try {
    const terminus = await import('@nestjs/terminus');
    return new terminus.HealthIndicatorService() as unknown as HealthIndicatorServiceLike;
  } catch (error) {
    throw new Error(
      `MetricsHealthModule needs @nestjs/terminus (>= 11) installed: ${(error as Error).message}`,
    );
  }
}
