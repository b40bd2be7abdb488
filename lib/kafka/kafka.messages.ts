/** User-facing messages of the Kafka counting, in one place. */

export const uncountableResult = (handler: string): string =>
  `@CountProduced() on ${handler}: the handler returned neither a topic record ({ topic, messages }), ` +
  'a batch ({ topicMessages }) nor an array of records, so nothing was counted; ' +
  'name the topic in the decorator or return what was sent (logged once per handler)';

export const boundHandlers = (consumed: number, produced: number): string =>
  `counting consumed messages in ${consumed} Kafka handler(s), produced messages in ${produced} @CountProduced handler(s)`;

export const alreadyInstrumented = (what: 'consumer' | 'producer'): string =>
  `instrument${what === 'consumer' ? 'Consumer' : 'Producer'}: this ${what} is instrumented already; the second call is ignored`;

export const lagMetricClash = (name: string): string =>
  `instrumentConsumer: "${name}" is registered already and is not a gauge with labels app, job, topic, partition; consumer lag is not reported`;
