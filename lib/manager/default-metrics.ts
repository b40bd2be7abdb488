import { Logger } from '@nestjs/common';
import { collectDefaultMetrics, type Registry } from 'prom-client';
import { LABEL, LOGGER_CONTEXT } from '../metrics.constants';
import { defaultMetricsFailed, defaultMetricsPresent } from './manager.messages';

// The first metric collectDefaultMetrics registers: if present, another module already collects them.
const FIRST_DEFAULT_METRIC = 'process_cpu_user_seconds_total';

/**
 * Adds prom-client's default process metrics to `registry`, labelled `app` and `job` like the
 * standard metrics so one selector finds both. When the registry already holds them (a registry
 * shared with @willsoto/nestjs-prometheus' `defaultMetrics`), keeps those: registering twice
 * would throw prom-client's duplicate-registration error. Returns whether it added them.
 */
export function registerDefaultMetrics(
  registry: Registry,
  options: { readonly prefix: string; readonly app: string; readonly job: string },
): boolean {
  const logger = new Logger(LOGGER_CONTEXT);
  if (registry.getSingleMetric(options.prefix + FIRST_DEFAULT_METRIC) !== undefined) {
    logger.log(defaultMetricsPresent(options.prefix));
    return false;
  }
  try {
    collectDefaultMetrics({
      register: registry,
      prefix: options.prefix,
      labels: { [LABEL.app]: options.app, [LABEL.job]: options.job },
    });
    return true;
  } catch (error) {
    logger.warn(defaultMetricsFailed((error as Error)?.message ?? String(error)));
    return false;
  }
}
