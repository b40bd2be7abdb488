import { Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { MetricsManager } from '../manager/metrics.manager';
import { ownMetric } from '../metrics/own-metric';
import { LABEL, LOGGER_CONTEXT } from '../metrics.constants';
import { SECONDS_BEHIND_HELP, SECONDS_BEHIND_METRIC } from './kafka.constants';
import { metricClash } from './kafka.messages';

/**
 * `seconds_behind{app, job}`: the time elapsed since the most recently consumed message was
 * produced, i.e. the registry's read time minus that message's Kafka timestamp. A consumed
 * message only stores its timestamp ({@link latest}); the subtraction happens when the registry
 * is collected, once per push or scrape. The timestamp is the producer's (or the broker's, for a
 * topic with `LogAppendTime`), so clock skew between hosts shows in the value; a timestamp in the
 * future reads 0. While no message comes, the value keeps growing: it is the age of the last one.
 */
export class SecondsBehindGauge extends Gauge<string> {
  /** Kafka timestamp of the message consumed last (ms since the epoch, as kafkajs gives it: text). */
  latest: string | undefined = undefined;

  private constructor(metrics: MetricsManager) {
    const fixed = { [LABEL.app]: metrics.app, [LABEL.job]: metrics.job };
    super({
      name: SECONDS_BEHIND_METRIC,
      help: SECONDS_BEHIND_HELP,
      labelNames: [LABEL.app, LABEL.job],
      registers: [metrics.registry],
      collect(this: Gauge<string>) {
        const timestamp = Number((this as SecondsBehindGauge).latest);
        if (timestamp > 0) this.set(fixed, Math.max(0, (Date.now() - timestamp) / 1000));
      },
    });
  }

  /**
   * The gauge of `metrics`' registry, created on first use; `undefined` (and a warning) when
   * another metric has its name.
   */
  static of(metrics: MetricsManager): SecondsBehindGauge | undefined {
    return ownMetric(
      metrics.registry,
      SECONDS_BEHIND_METRIC,
      (m): m is SecondsBehindGauge => m instanceof SecondsBehindGauge,
      () => new SecondsBehindGauge(metrics),
      () => void new Logger(LOGGER_CONTEXT).warn(metricClash(SECONDS_BEHIND_METRIC)),
    );
  }
}
