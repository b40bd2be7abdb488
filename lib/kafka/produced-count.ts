import type { MetricsManager } from '../manager/metrics.manager';

interface TopicRecord {
  topic: string;
  messages: readonly unknown[];
}

function isTopicRecord(value: unknown): value is TopicRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as TopicRecord).topic === 'string' &&
    Array.isArray((value as TopicRecord).messages)
  );
}

/**
 * Applies the {@link CountProduced} rule to what a handler completed with; returns `false` when
 * the decorator names no topic and the result says nothing about what was sent.
 */
export function countProducedResult(
  metrics: MetricsManager,
  topic: string | null,
  result: unknown,
): boolean {
  if (topic !== null) {
    metrics.incMessagesProduced(topic, Array.isArray(result) ? result.length : 1);
    return true;
  }
  if (isTopicRecord(result)) {
    metrics.incMessagesProduced(result.topic, result.messages.length);
    return true;
  }
  const records: unknown = Array.isArray(result)
    ? result
    : typeof result === 'object' && result !== null
      ? (result as { topicMessages?: unknown }).topicMessages
      : undefined;
  if (!Array.isArray(records) || !records.every(isTopicRecord)) return false;
  for (const record of records) metrics.incMessagesProduced(record.topic, record.messages.length);
  return true;
}
