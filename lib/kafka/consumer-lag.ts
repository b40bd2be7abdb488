import { Logger } from '@nestjs/common';
import type { Consumer, ConsumerEndBatchProcessEvent, ConsumerGroupJoinEvent } from 'kafkajs';
import { Gauge } from 'prom-client';
import type { MetricsManager } from '../manager/metrics.manager';
import { ownMetric } from '../metrics/own-metric';
import { LABEL, LOGGER_CONTEXT } from '../metrics.constants';
import { lagMetricClash } from './kafka.messages';

type Child = ReturnType<Gauge<string>['labels']>;
const LAG_LABELS = [LABEL.app, LABEL.job, LABEL.topic, 'partition'];

/**
 * A gauge `{app, job, topic, partition}` set to each reported consumer's offset lag (messages
 * between the last offset of each batch processed and the partition's high watermark) from
 * kafkajs's `END_BATCH_PROCESS` events. One per registry and name, shared by every consumer of
 * the app; it remembers the consumers it reports, so a consumer seen by several callers (the Nest
 * handlers' wrapper and an interceptor) is listened to once.
 */
export class ConsumerLagGauge extends Gauge<string> {
  private readonly reported = new WeakSet<object>();
  private readonly fixed: Readonly<Record<string, string>>;

  private constructor(metrics: MetricsManager, name: string) {
    super({
      name,
      help: 'Messages of the partition after the last offset the consumer processed (kafkajs offsetLag)',
      labelNames: LAG_LABELS,
      registers: [metrics.registry],
    });
    this.fixed = { [LABEL.app]: metrics.app, [LABEL.job]: metrics.job };
  }

  /**
   * The gauge `name` of `metrics`' registry, created on first use; `undefined` (and a warning)
   * when another metric has the name.
   */
  static of(metrics: MetricsManager, name: string): ConsumerLagGauge | undefined {
    return ownMetric(
      metrics.registry,
      name,
      (m): m is ConsumerLagGauge => m instanceof ConsumerLagGauge,
      () => new ConsumerLagGauge(metrics, name),
      () => void new Logger(LOGGER_CONTEXT).warn(lagMetricClash(name)),
    );
  }

  /**
   * Reports `consumer`'s lag from now on, and drops the series of partitions it no longer owns
   * after a rebalance. A consumer reported already is left as it is. Returns a function that
   * stops listening.
   */
  report(consumer: Consumer): () => void {
    if (this.reported.has(consumer)) return () => undefined;
    this.reported.add(consumer);
    // One child per partition of this consumer, looked up without building a label string per batch.
    const children = new Map<string, Map<number, Child>>();

    const onBatch = ({ payload }: ConsumerEndBatchProcessEvent): void => {
      let partitions = children.get(payload.topic);
      if (partitions === undefined)
        children.set(payload.topic, (partitions = new Map<number, Child>()));
      let child = partitions.get(payload.partition);
      if (child === undefined) {
        child = this.labels(this.seriesLabels(payload.topic, payload.partition));
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
          this.remove(this.seriesLabels(topic, partition));
          partitions.delete(partition);
        }
      }
    };

    const removers = [
      consumer.on(consumer.events.END_BATCH_PROCESS, onBatch),
      consumer.on(consumer.events.GROUP_JOIN, onJoin),
    ];
    return () => {
      removers.forEach((remove) => remove());
      this.reported.delete(consumer);
    };
  }

  private seriesLabels(topic: string, partition: number): Record<string, string> {
    return { ...this.fixed, [LABEL.topic]: topic, partition: String(partition) };
  }
}

/** A kafkajs consumer: what `KafkaContext.getConsumer()` returns in Nest's Kafka transport. */
export function isKafkajsConsumer(value: unknown): value is Consumer {
  if (value === null || typeof value !== 'object') return false;
  const { on, events } = value as Partial<Consumer>;
  return (
    typeof on === 'function' &&
    typeof events?.END_BATCH_PROCESS === 'string' &&
    typeof events.GROUP_JOIN === 'string'
  );
}
