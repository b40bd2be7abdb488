/** User-facing messages of the Kafka counting, in one place. */
import { shown } from '../metrics.messages';

export const uncountableResult = (handler: string): string =>
  `@CountProduced() on ${handler}: the handler returned neither a topic record ({ topic, messages }), ` +
  'a batch ({ topicMessages }) nor an array of records, so nothing was counted; ' +
  'name the topic in the decorator or return what was sent (logged once per handler)';

export const boundHandlers = (consumed: number, produced: number): string =>
  `counting consumed messages in ${consumed} Kafka handler(s), produced messages in ${produced} @CountProduced handler(s)`;

export const alreadyInstrumented = (what: 'consumer' | 'producer'): string =>
  `instrument${what === 'consumer' ? 'Consumer' : 'Producer'}: this ${what} is instrumented already; the second call is ignored`;

export const lagMetricClash = (name: string): string =>
  `"${name}" is registered already and is not the module's consumer lag gauge (labels app, job, topic, partition); consumer lag is not reported there`;

export const metricClash = (name: string): string =>
  `"${name}" is registered already by something else than this module; the module does not report it`;

// Reasons for MetricsOptionsError; each completes `option "<name>" ...`.
export const notAProcessingTimeOption = (value: unknown): string =>
  `must be true, false or { buckets: number[] }, got ${shown(value)}`;

export const notABucketList = (value: unknown, max: number): string =>
  `must be 1 to ${max} finite, positive, increasing upper bounds in seconds, got ${shown(value)}`;
