import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
import {
  LABEL,
  METRICS_REGISTRY,
  RESOLVED_METRICS_OPTIONS,
  LOGGER_CONTEXT,
} from '../metrics.constants';
import { rejectedCount } from './manager.messages';
import type { ResolvedMetricsOptions } from '../metrics.options';
import { CustomMetrics } from './custom-metrics';
import type { ExternalRequestLabels } from '../interfaces/external-request-labels.interface';
import { EXTERNAL_REQUESTS_METRIC, ExternalRequests } from './external-requests';
import { CountCell, LabelCounts } from './label-counts';
import { rejectedLabelValue } from './manager.messages';

/**
 * The app's metrics: a prom-client registry the app may add its own metrics to, the three
 * standard metrics of every Kafka app, and the original's later `external_requests` and custom
 * metrics, counted by methods that add the `app` and `job` labels.
 * Counting never throws: a bad increment is logged and ignored.
 */
@Injectable()
export class MetricsManager {
  /** The registry that is pushed: the standard metrics, the pusher's own and any the app adds. */
  readonly registry: Registry;
  /** `app` label of the standard metrics. */
  readonly app: string;
  /** `job` label and push grouping key. */
  readonly job: string;
  /** Most distinct topics (or label sets) any one metric of the module keeps; see the `maxTopics` option. */
  readonly maxTopics: number;

  private readonly consumed: LabelCounts;
  private readonly produced: LabelCounts;
  private readonly errors: LabelCounts;
  private readonly external: ExternalRequests;
  private readonly custom: CustomMetrics;
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private readonly warned = new Set<string>();

  constructor(
    @Inject(RESOLVED_METRICS_OPTIONS) options: ResolvedMetricsOptions,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.registry = registry;
    this.app = options.app;
    this.job = options.job;
    this.maxTopics = options.maxTopics;
    const fixed = { [LABEL.app]: options.app, [LABEL.job]: options.job };
    const { consumed, produced, errors } = options.metricNames;
    const type = options.metricType;
    // Same type as the standard metrics: `metricType` is the type the fleet pushes its counts as
    // into the shared cache (a Pushgateway refuses a push whose type differs from a stored one);
    // the original pushed these two as gauges too, which the default keeps.
    this.external = new ExternalRequests(registry, type, fixed, options.maxTopics);
    this.custom = new CustomMetrics(registry, type, fixed);
    this.consumed = new LabelCounts(
      consumed,
      'The number of messages consumed by the app',
      type,
      fixed,
      LABEL.topic,
      options.maxTopics,
      registry,
    );
    this.produced = new LabelCounts(
      produced,
      'The number of messages produced by the app',
      type,
      fixed,
      LABEL.topic,
      options.maxTopics,
      registry,
    );
    this.errors = new LabelCounts(
      errors,
      'The number of exceptions caught in the app, by type',
      type,
      fixed,
      LABEL.exception,
      options.maxExceptionTypes,
      registry,
    );
  }

  /** Counts `n` messages consumed from `topic`. */
  incMessagesConsumed(topic: string, n = 1): void {
    if (isCount(n)) this.consumed.cell(topic).value += n;
    else if (n !== 0) this.reject(this.consumed.name, n);
  }

  /** Counts `n` messages produced to `topic`. */
  incMessagesProduced(topic: string, n = 1): void {
    if (isCount(n)) this.produced.cell(topic).value += n;
    else if (n !== 0) this.reject(this.produced.name, n);
  }

  /** Counts a caught exception under its class name (`TypeError`, `KafkaJSError`, …). */
  incMessageErrors(error: unknown, n = 1): void {
    this.incMessageErrorsOfType(exceptionName(error), n);
  }

  /** Counts `n` errors under an explicit `exception` label value. */
  incMessageErrorsOfType(exception: string, n = 1): void {
    if (isCount(n)) this.errors.cell(exception).value += n;
    else if (n !== 0) this.reject(this.errors.name, n);
  }

  /**
   * Counts `n` network calls to an external service in `external_requests{request_to,
   * request_endpoint, request_type, is_bulk, status_code}`, the original's
   * `inc_external_requests(...)`. At most `maxTopics` distinct label sets; further ones are
   * counted in one series whose five labels are `__overflow__`.
   */
  incExternalRequests(labels: ExternalRequestLabels, n = 1): void {
    if (!isCount(n)) {
      if (n !== 0) this.reject(EXTERNAL_REQUESTS_METRIC, n);
      return;
    }
    const cell = this.external.cell(labels);
    if (cell instanceof CountCell) cell.value += n;
    else if (cell !== undefined) {
      this.warnOnce(`${EXTERNAL_REQUESTS_METRIC} labels`, () =>
        rejectedLabelValue(EXTERNAL_REQUESTS_METRIC, cell.label, cell.value),
      );
    }
  }

  /**
   * Adds a custom metric, the original's `register_custom_metric(name, description)`: one series
   * labelled `app`, `job` and `topic` = `name`. Throws for a malformed name or description, or a
   * name another metric of the registry has; registering the same name again does nothing.
   */
  registerCustomMetric(name: string, description: string): void {
    this.custom.register(name, description);
  }

  /**
   * Counts `amount` in a custom metric, the original's `inc_custom_metric(name, amount)`. An
   * unregistered name is logged once and counted nowhere (the original raised `ValueError`).
   */
  incCustomMetric(name: string, amount = 1): void {
    const cell = this.custom.cell(name);
    if (cell === undefined) return;
    if (isCount(amount)) cell.value += amount;
    else if (amount !== 0) this.reject(name, amount);
  }

  /** Messages counted as consumed from `topic` so far (by this process). */
  messagesConsumed(topic: string): number {
    return this.consumed.valueOf(topic);
  }

  /** Messages counted as produced to `topic` so far (by this process). */
  messagesProduced(topic: string): number {
    return this.produced.valueOf(topic);
  }

  /** Errors counted under `exception` so far (by this process). */
  messageErrors(exception: string): number {
    return this.errors.valueOf(exception);
  }

  /** External requests counted under exactly these labels so far (by this process). */
  externalRequests(labels: ExternalRequestLabels): number {
    return this.external.valueOf(labels);
  }

  /** Total counted in a custom metric so far (by this process); 0 for an unregistered name. */
  customMetric(name: string): number {
    return this.custom.valueOf(name);
  }

  /** Warns once per metric: a caller passing bad counts in a loop must not flood the log. */
  private reject(metric: string, n: unknown): void {
    this.warnOnce(metric, () => rejectedCount(metric, n));
  }

  private warnOnce(key: string, message: () => string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(message());
  }
}

/** What a count may add: a finite number above 0 (NaN fails `> 0`). */
function isCount(n: unknown): n is number {
  return typeof n === 'number' && n > 0 && n !== Infinity;
}

/** The `exception` label of a thrown value: its class name, as the original's `type(e).__name__`. */
export function exceptionName(error: unknown): string {
  if (error === null) return 'null';
  if (typeof error === 'object' || typeof error === 'function') {
    const name = (error as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'Object';
  }
  return typeof error === 'undefined' ? 'undefined' : (Object(error) as object).constructor.name;
}
