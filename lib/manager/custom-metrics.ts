import { Logger } from '@nestjs/common';
import { validateMetricName, type Registry } from 'prom-client';
import { LABEL, LOGGER_CONTEXT, SELF_METRIC_PREFIX } from '../metrics.constants';
import type { MetricType } from '../interfaces/metrics-options.interface';
import { EXTERNAL_REQUESTS_METRIC } from './external-requests';
import { LabelCounts, type CountCell } from './label-counts';
import {
  customDescriptionEmpty,
  customNameInvalid,
  customNameOwn,
  customNameReserved,
  customNameTaken,
  invalidCustomMetric,
  unregisteredCustomMetric,
  unregisteredCustomMetricsCapped,
} from './manager.messages';

// Unregistered names warned about, at most: names built from data must not flood the log.
const MAX_UNREGISTERED_WARNINGS = 100;

/**
 * The original's custom metrics (`register_custom_metric` / `inc_custom_metric`): one series per
 * metric, labelled `app`, `job` and `topic` = the metric's own name, counted like the standard
 * metrics (a cell folded into prom-client when the registry is collected).
 */
export class CustomMetrics {
  private readonly metrics = new Map<string, LabelCounts>();
  private readonly unregistered = new Set<unknown>();

  constructor(
    private readonly registry: Registry,
    private readonly type: MetricType,
    private readonly fixed: Readonly<Record<string, string>>,
  ) {}

  /**
   * Adds the metric to the registry; registering a name again keeps the first one and its count.
   * Throws for a malformed name or description, or a name another metric of the registry has:
   * registration is set-up code, where a mistake should stop the app rather than lose counts.
   */
  register(name: unknown, description: unknown): void {
    // prom-client's check of Prometheus' name syntax; names starting with `__` are reserved for
    // Prometheus' internal use.
    if (typeof name !== 'string' || !validateMetricName(name)) {
      throw new Error(invalidCustomMetric(name, customNameInvalid()));
    }
    if (name.startsWith('__') || name.startsWith(SELF_METRIC_PREFIX)) {
      throw new Error(invalidCustomMetric(name, customNameReserved(SELF_METRIC_PREFIX)));
    }
    if (typeof description !== 'string' || description.trim() === '') {
      throw new Error(invalidCustomMetric(name, customDescriptionEmpty()));
    }
    if (this.metrics.has(name)) return;
    if (name === EXTERNAL_REQUESTS_METRIC) {
      // Added to the registry on its first count only: the name is not free before.
      throw new Error(invalidCustomMetric(name, customNameOwn()));
    }
    if (this.registry.getSingleMetric(name) !== undefined) {
      throw new Error(invalidCustomMetric(name, customNameTaken()));
    }
    this.metrics.set(
      name,
      new LabelCounts(name, description, this.type, this.fixed, LABEL.topic, 1, this.registry),
    );
  }

  /**
   * The cell of a registered metric, created on its first count as the original's series were.
   * An unregistered name is logged once (up to a bound of names) and gets no cell.
   */
  cell(name: string): CountCell | undefined {
    const metric = this.metrics.get(name);
    if (metric !== undefined) return metric.cell(name);
    this.warnUnregistered(name);
    return undefined;
  }

  /** Counted so far in a registered metric; 0 for any other name. */
  valueOf(name: string): number {
    return this.metrics.get(name)?.valueOf(name) ?? 0;
  }

  private warnUnregistered(name: unknown): void {
    if (this.unregistered.has(name) || this.unregistered.size > MAX_UNREGISTERED_WARNINGS) return;
    this.unregistered.add(name);
    new Logger(LOGGER_CONTEXT).warn(
      this.unregistered.size > MAX_UNREGISTERED_WARNINGS
        ? unregisteredCustomMetricsCapped(MAX_UNREGISTERED_WARNINGS)
        : unregisteredCustomMetric(name),
    );
  }
}
