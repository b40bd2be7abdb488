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
  `"${name}" is registered already and is not the module's consumer lag gauge (labels app, job, topic, partition); consumer lag is not reported there`;

export const metricClash = (name: string): string =>
  `"${name}" is registered already by something else than this module; the module does not report it`;

/** The start-up line of the ClientKafka counting: the clients, by provider token. */
export const countedClients = (names: readonly string[]): string =>
  `counting produced messages of ${names.length} ClientKafka client(s) when the broker acknowledges them: ${names.join(', ')}`;

export const decoratorsLeftToClients = (handlers: readonly string[]): string =>
  `@CountProduced on ${handlers.join(', ')} counts nothing: this app's ClientKafka sends are counted ` +
  'when the broker acknowledges them, so the decorator would count them twice ' +
  '(count sends of other producers with instrumentProducer, or keep the decorator with countKafkaProduced: false)';

export const uncountableClient = (name: string): string =>
  `ClientKafka ${name} is not counted: its class has no producer field and registerProducerEventListeners() ` +
  'as @nestjs/microservices 11 and 12 have; count its sends with manager.incMessagesProduced(topic)';

export const producerOfCountedClient = (client: string): string =>
  `instrumentProducer: this producer belongs to ClientKafka ${client}, which the module counts already; ` +
  'the call is ignored and can be removed';
