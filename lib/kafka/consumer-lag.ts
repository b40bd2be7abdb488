import { Logger } from '@nestjs/common';
import type { Consumer, ConsumerEndBatchProcessEvent, ConsumerGroupJoinEvent } from 'kafkajs';
import { Gauge } from 'prom-client';
import type { MetricsManager } from '../manager/metrics.manager';
import { LABEL } from '../metrics.constants';
import { lagMetricClash } from './kafka.messages';

type Child = ReturnType<Gauge<string>['labels']>;
const LAG_LABELS = [LABEL.app, LABEL.job, LABEL.topic, 'partition'];

/**
 * Sets a gauge `{app, job, topic, partition}` to the consumer's offset lag (messages between the
 * last offset of each batch processed and the partition's high watermark) from kafkajs's
 * `END_BATCH_PROCESS` events, and drops the series of partitions the consumer no longer owns
 * after a rebalance. Returns a function that stops listening.
 */
export function reportConsumerLag(
  consumer: Consumer,
  metrics: MetricsManager,
  name: string,
): () => void {
  const gauge = lagGauge(metrics, name);
  if (gauge === undefined) return () => undefined;
  // One child per partition, looked up without building a label string per batch.
  const children = new Map<string, Map<number, Child>>();
  const fixed = { [LABEL.app]: metrics.app, [LABEL.job]: metrics.job };

  const onBatch = ({ payload }: ConsumerEndBatchProcessEvent): void => {
    let partitions = children.get(payload.topic);
    if (partitions === undefined) children.set(payload.topic, (partitions = new Map()));
    let child = partitions.get(payload.partition);
    if (child === undefined) {
      child = gauge.labels({
        ...fixed,
        [LABEL.topic]: payload.topic,
        partition: String(payload.partition),
      });
      partitions.set(payload.partition, child);
    }
    const lag = Number(payload.offsetLag);
    child.set(lag > 0 ? lag : 0);
  };

  const onJoin = ({ payload }: ConsumerGroupJoinEvent): void => {
    for (const [topic, partitions] of children) {
      const owned = new Set(payload.memberAssignment[topic] ?? []);
      for (const partition of partitions.keys()) {
        if (owned.has(partition)) continue;
        gauge.remove({ ...fixed, [LABEL.topic]: topic, partition: String(partition) });
        partitions.delete(partition);
      }
    }
  };

  const removers = [
    consumer.on(consumer.events.END_BATCH_PROCESS, onBatch),
    consumer.on(consumer.events.GROUP_JOIN, onJoin),
  ];
  return () => removers.forEach((remove) => remove());
}

/** The lag gauge of this registry: shared by every consumer instrumented with the same manager. */
function lagGauge(metrics: MetricsManager, name: string): Gauge<string> | undefined {
  const existing = metrics.registry.getSingleMetric(name);
  if (existing === undefined) {
    return new Gauge({
      name,
      help: 'Messages of the partition after the last offset the consumer processed (kafkajs offsetLag)',
      labelNames: LAG_LABELS,
      registers: [metrics.registry],
    });
  }
  if (
    existing instanceof Gauge &&
    sameLabels((existing as unknown as { labelNames: string[] }).labelNames)
  ) {
    return existing as Gauge<string>;
  }
  new Logger('NubiumMetrics').warn(lagMetricClash(name));
  return undefined;
}

function sameLabels(labelNames: readonly string[] | undefined): boolean {
  return (
    labelNames?.length === LAG_LABELS.length &&
    LAG_LABELS.every((label) => labelNames.includes(label))
  );
}
