import { Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { OVERFLOW_LABEL_VALUE, LOGGER_CONTEXT } from '../metrics.constants';
import type { MetricType } from '../interfaces/metrics-options.interface';
import type { ExternalRequestLabels } from '../interfaces/external-request-labels.interface';
import { LabelCounts, type CountCell } from './label-counts';
import { metricUnavailable } from './manager.messages';
import { ownMetric } from '../metrics/own-metric';

/** Name of the external-requests metric, as the original's `external_requests` gauge. */
export const EXTERNAL_REQUESTS_METRIC = 'external_requests';

/** Help text of `external_requests`, the original's. */
const EXTERNAL_REQUESTS_HELP = 'Network calls to external services';

/** Labels of `external_requests` after `app` and `job`, in the original's order. */
const EXTERNAL_REQUEST_LABELS = [
  'request_to',
  'request_endpoint',
  'request_type',
  'is_bulk',
  'status_code',
] as const;

/** Why a label set was refused: the label at fault and its value. */
interface RejectedLabel {
  readonly label: string;
  readonly value: unknown;
}

/** Key of the series whose varying labels are all the overflow value. */
const OVERFLOW_KEY = requestKey(EXTERNAL_REQUEST_LABELS.map(() => OVERFLOW_LABEL_VALUE));

/**
 * `external_requests`: a {@link LabelCounts} over five varying labels, capped at `cap` label sets.
 * The metric is added to the registry on the first count, so that an app that never counts an
 * external request keeps the name free for a metric of its own and pushes no empty family.
 */
export class ExternalRequests {
  // null once adding the metric failed (the registry has an `external_requests` of the app's).
  private counts: LabelCounts | null | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly type: MetricType,
    private readonly fixed: Readonly<Record<string, string>>,
    private readonly cap: number,
  ) {}

  /**
   * The cell of one call's label set; the label at fault when a value is neither a string nor a
   * number, or the labels object throws; undefined when the metric could not be added.
   */
  cell(labels: ExternalRequestLabels): CountCell | RejectedLabel | undefined {
    let values: readonly string[] | RejectedLabel;
    try {
      values = externalRequestValues(labels);
    } catch (error) {
      return { label: 'labels', value: error };
    }
    if (!Array.isArray(values)) return values as RejectedLabel;
    return this.metric()?.cellOf(requestKey(values), values);
  }

  /** Counted so far under exactly this label set. */
  valueOf(labels: ExternalRequestLabels): number {
    const values = externalRequestValues(labels);
    return Array.isArray(values) ? (this.counts?.valueOf(requestKey(values)) ?? 0) : 0;
  }

  private metric(): LabelCounts | undefined {
    // Looked up once: from then on the cells are this object's, and a clash stays refused.
    if (this.counts === undefined)
      this.counts =
        ownMetric(
          this.registry,
          EXTERNAL_REQUESTS_METRIC,
          // The registry holds the prom-client metric behind a LabelCounts, never one itself.
          (_metric): _metric is LabelCounts => false,
          () =>
            new LabelCounts(
              EXTERNAL_REQUESTS_METRIC,
              EXTERNAL_REQUESTS_HELP,
              this.type,
              this.fixed,
              EXTERNAL_REQUEST_LABELS,
              this.cap,
              this.registry,
              OVERFLOW_KEY,
            ),
          () => {
            new Logger(LOGGER_CONTEXT).warn(
              metricUnavailable(EXTERNAL_REQUESTS_METRIC, 'the registry has a metric of that name'),
            );
            return undefined;
          },
        ) ?? null;
    return this.counts ?? undefined;
  }
}

/**
 * The label values of one call, in {@link EXTERNAL_REQUEST_LABELS}' order, or the label at fault
 * when one is neither a string nor a number (e.g. an object from an untyped caller).
 */
function externalRequestValues(labels: ExternalRequestLabels): readonly string[] | RejectedLabel {
  if (typeof labels !== 'object' || labels === null) return { label: 'labels', value: labels };
  const { requestTo, requestEndpoint, requestType, isBulk, statusCode } = labels;
  const values = [
    labelValue(requestTo, ''),
    labelValue(requestEndpoint, ''),
    labelValue(requestType, ''),
    typeof isBulk === 'boolean' ? (isBulk ? '1' : '0') : labelValue(isBulk, '0'),
    labelValue(statusCode, '200'),
  ];
  const bad = values.indexOf(undefined);
  if (bad >= 0) {
    const given = [requestTo, requestEndpoint, requestType, isBulk, statusCode][bad];
    return { label: EXTERNAL_REQUEST_LABELS[bad], value: given };
  }
  return values as string[];
}

/**
 * Key of one label set. JSON of the array, so that no two label sets share a key whatever
 * characters their values hold (a joined string would let `"a|b","c"` meet `"a","b|c"`). Built
 * once per call: an external request is a network call, thousands of times dearer than this.
 */
function requestKey(values: readonly string[]): string {
  return JSON.stringify(values);
}

function labelValue(value: unknown, fallback: string): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
      return String(value);
    case 'undefined':
      return fallback;
    default:
      return value === null ? fallback : undefined;
  }
}
