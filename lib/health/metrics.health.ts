import { Inject, Injectable, Optional } from '@nestjs/common';
import { RESOLVED_METRICS_OPTIONS } from '../metrics.constants';
import type { ResolvedMetricsOptions } from '../metrics.options';
import { MetricsPusher } from '../pusher/metrics.pusher';
import {
  DEFAULT_HEALTH_KEY,
  METRICS_HEALTH_INDICATOR_SERVICE,
  METRICS_HEALTH_OPTIONS,
} from './metrics-health.constants';
import type {
  HealthIndicatorServiceLike,
  MetricsHealthDetails,
  MetricsHealthOptions,
  MetricsHealthResult,
} from '../interfaces/metrics-health.interface';

/**
 * @nestjs/terminus health indicator of the pushes: up while at least `minTargets` metrics cache
 * pods accepted the last push, and before the first push (an app is not unhealthy for having
 * just started) or when pushing is disabled; down otherwise, with every pod's outcome in the
 * details. Provided by {@link MetricsHealthModule}.
 */
@Injectable()
export class MetricsHealthIndicator {
  private readonly minTargets: number;

  constructor(
    private readonly pusher: MetricsPusher,
    @Inject(RESOLVED_METRICS_OPTIONS) private readonly options: ResolvedMetricsOptions,
    @Inject(METRICS_HEALTH_INDICATOR_SERVICE) private readonly health: HealthIndicatorServiceLike,
    @Optional() @Inject(METRICS_HEALTH_OPTIONS) healthOptions?: MetricsHealthOptions,
  ) {
    this.minTargets = healthOptions?.minTargets ?? 1;
  }

  /** The push state under `key`, for `HealthCheckService.check([() => indicator.isHealthy()])`. */
  isHealthy(
    key: string = DEFAULT_HEALTH_KEY,
    options: MetricsHealthOptions = {},
  ): Promise<MetricsHealthResult> {
    const minTargets = options.minTargets ?? this.minTargets;
    const report = this.pusher.lastReport;
    const details: MetricsHealthDetails = {
      pushEnabled: this.options.pushEnabled,
      minTargets,
      succeeded: report?.succeeded ?? 0,
      ...(report
        ? { lastPushAt: report.startedAt.toISOString(), discovery: report.discovery.source }
        : {}),
      targets: (report?.targets ?? []).map((t) => ({
        address: t.address,
        ok: t.ok,
        ...(t.error ? { error: t.error } : {}),
      })),
    };
    const session = this.health.check(key);
    const up = !this.options.pushEnabled || report === undefined || report.succeeded >= minTargets;
    return Promise.resolve(
      (up ? session.up(details) : session.down(details)) as MetricsHealthResult,
    );
  }
}
