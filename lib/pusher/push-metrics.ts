import { Counter, Gauge, type Registry } from 'prom-client';
import { SELF_METRIC_PREFIX } from '../metrics.constants';
import type { PushReport } from '../interfaces/push-report.interface';

/**
 * The pusher's own health, in the same registry so it reaches the metrics cache with the
 * app's metrics (one cycle late: a cycle reports on the one before it).
 */
export class PushMetrics {
  private readonly targets: Gauge<'app'>;
  private readonly failures: Counter<'app' | 'target' | 'reason'>;
  private readonly lastSuccess: Gauge<'app' | 'target'>;
  private readonly cycleDuration: Gauge<'app'>;
  private readonly skipped: Counter<'app'>;
  private readonly dnsFailures: Counter<'app' | 'reason'>;

  constructor(
    registry: Registry,
    private readonly app: string,
    pushRateSeconds: number,
  ) {
    const registers = [registry];
    // Set from the start, so that every group this module pushes carries one of its own metrics
    // (the sweeper recognises the module's groups by them) and says how often it is refreshed.
    new Gauge({
      name: `${SELF_METRIC_PREFIX}push_interval_seconds`,
      help: 'Seconds between pushes of this group',
      labelNames: ['app'],
      registers,
    }).set({ app }, pushRateSeconds);
    this.targets = new Gauge({
      name: `${SELF_METRIC_PREFIX}push_targets`,
      help: 'Metrics cache pods pushed to in the last cycle',
      labelNames: ['app'],
      registers,
    });
    this.failures = new Counter({
      name: `${SELF_METRIC_PREFIX}push_failures_total`,
      help: 'Failed pushes, by cache pod and reason',
      labelNames: ['app', 'target', 'reason'],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: `${SELF_METRIC_PREFIX}push_last_success_timestamp_seconds`,
      help: 'Time of the last push a cache pod accepted',
      labelNames: ['app', 'target'],
      registers,
    });
    this.cycleDuration = new Gauge({
      name: `${SELF_METRIC_PREFIX}push_cycle_duration_seconds`,
      help: 'Wall time of the last push cycle',
      labelNames: ['app'],
      registers,
    });
    this.skipped = new Counter({
      name: `${SELF_METRIC_PREFIX}push_cycles_skipped_total`,
      help: 'Push cycles skipped because the previous one was still running',
      labelNames: ['app'],
      registers,
    });
    this.dnsFailures = new Counter({
      name: `${SELF_METRIC_PREFIX}dns_failures_total`,
      help: 'Failed resolutions of the metrics cache service, by reason',
      labelNames: ['app', 'reason'],
      registers,
    });
  }

  /** Records the outcome of a push cycle. */
  recordCycle(report: PushReport, dnsReason: string | undefined): void {
    const app = this.app;
    if (dnsReason) this.dnsFailures.inc({ app, reason: dnsReason });
    this.targets.set({ app }, report.targets.length);
    this.cycleDuration.set({ app }, report.durationMs / 1000);
    const now = Date.now() / 1000;
    for (const target of report.targets) {
      if (target.ok) this.lastSuccess.set({ app, target: target.address }, now);
      else this.failures.inc({ app, target: target.address, reason: target.reason ?? 'error' });
    }
  }

  /** Counts a cycle skipped because the previous one was still running. */
  recordSkipped(): void {
    this.skipped.inc({ app: this.app });
  }
}
