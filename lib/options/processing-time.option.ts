import { MetricsOptionsError } from './metrics-options.error';
import { notABucketList, notAProcessingTimeOption } from './options.messages';

/** The histogram's buckets unless the option names others: prom-client's defaults, 5 ms to 10 s. */
export const DEFAULT_PROCESSING_TIME_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** Most buckets accepted: each is one series per topic. */
const MAX_BUCKETS = 50;

/**
 * Validates a `processingTime` option value: off when absent or `false`; `true` or `{}` for the
 * default buckets; `{ buckets }` with 1 to 50 finite, positive, increasing upper bounds (seconds;
 * `+Inf` is implied). Throws {@link MetricsOptionsError} naming the option.
 */
export function resolveProcessingTime(
  value: unknown,
  option = 'processingTime',
): { readonly buckets: readonly number[] } | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  if (value === true) return { buckets: DEFAULT_PROCESSING_TIME_BUCKETS };
  if (typeof value !== 'object' || Array.isArray(value))
    throw new MetricsOptionsError(option, undefined, notAProcessingTimeOption(value));
  const buckets: unknown = (value as { buckets?: unknown }).buckets;
  if (buckets === undefined) return { buckets: DEFAULT_PROCESSING_TIME_BUCKETS };
  const valid =
    Array.isArray(buckets) &&
    buckets.length > 0 &&
    buckets.length <= MAX_BUCKETS &&
    buckets.every(
      (bound: unknown, i) =>
        typeof bound === 'number' &&
        Number.isFinite(bound) &&
        bound > 0 &&
        (i === 0 || bound > (buckets[i - 1] as number)),
    );
  if (!valid)
    throw new MetricsOptionsError(
      `${option}.buckets`,
      undefined,
      notABucketList(buckets, MAX_BUCKETS),
    );
  return { buckets: Object.freeze([...(buckets as number[])]) };
}
