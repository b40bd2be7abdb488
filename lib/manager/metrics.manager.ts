import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { LABEL, METRICS_REGISTRY, RESOLVED_METRICS_OPTIONS } from '../metrics.constants';
import { rejectedCount } from '../metrics.messages';
import type { ResolvedMetricsOptions } from '../metrics.options';
import { LabelCounts } from './label-counts';

/**
 * The app's metrics: a prom-client registry the app may add its own metrics to, and the three
 * standard metrics of every Kafka app, counted by methods that add the `app` and `job` labels.
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

  private readonly consumed: LabelCounts;
  private readonly produced: LabelCounts;
  private readonly errors: LabelCounts;
  private readonly logger = new Logger('NubiumMetrics');
  private readonly warned = new Set<string>();

  constructor(
    @Inject(RESOLVED_METRICS_OPTIONS) options: ResolvedMetricsOptions,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.registry = registry;
    this.app = options.app;
    this.job = options.job;
    const fixed = { [LABEL.app]: options.app, [LABEL.job]: options.job };
    const { consumed, produced, errors } = options.metricNames;
    const type = options.metricType;
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
    if (typeof n === 'number' && n > 0 && n !== Infinity) this.consumed.cell(topic).value += n;
    else if (n !== 0) this.reject(this.consumed.name, n);
  }

  /** Counts `n` messages produced to `topic`. */
  incMessagesProduced(topic: string, n = 1): void {
    if (typeof n === 'number' && n > 0 && n !== Infinity) this.produced.cell(topic).value += n;
    else if (n !== 0) this.reject(this.produced.name, n);
  }

  /** Counts a caught exception under its class name (`TypeError`, `KafkaJSError`, …). */
  incMessageErrors(error: unknown, n = 1): void {
    this.incMessageErrorsOfType(exceptionName(error), n);
  }

  /** Counts `n` errors under an explicit `exception` label value. */
  incMessageErrorsOfType(exception: string, n = 1): void {
    if (typeof n === 'number' && n > 0 && n !== Infinity) this.errors.cell(exception).value += n;
    else if (n !== 0) this.reject(this.errors.name, n);
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

  /** Warns once per metric: a caller passing bad counts in a loop must not flood the log. */
  private reject(metric: string, n: unknown): void {
    if (this.warned.has(metric)) return;
    this.warned.add(metric);
    this.logger.warn(rejectedCount(metric, n));
  }
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
