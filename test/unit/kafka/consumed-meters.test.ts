import { KafkaContext } from '@nestjs/microservices';
import type { Consumer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ConsumedMeters, NOT_TIMED } from '../../../lib/kafka/consumed-meters';
import { ProcessingTimeHistogram } from '../../../lib/kafka/processing-time.histogram';
import type { MetricsManager } from '../../../lib/manager/metrics.manager';
import { fakeConsumer, testManager } from '../../support/fake-kafka';

function context(topic: string, consumer: unknown, timestamp?: string): KafkaContext {
  return new KafkaContext([
    { offset: '0', timestamp } as never,
    0,
    topic,
    consumer as Consumer,
    async () => undefined,
    {} as never,
  ]);
}

async function sample(metrics: MetricsManager, name: string, labels: Record<string, string>) {
  const data = await metrics.registry.getSingleMetric(name)?.get();
  return data?.values.find((v) =>
    Object.entries(labels).every(([k, value]) => v.labels[k] === value),
  )?.value;
}

describe('ConsumedMeters', () => {
  it('reports the lag of each consumer it sees in a KafkaContext once, whoever sees it, until closed', async () => {
    const metrics = testManager();
    const consumer = fakeConsumer();
    const wrapperMeters = new ConsumedMeters(metrics);
    const interceptorMeters = new ConsumedMeters(metrics);
    wrapperMeters.begin(context('orders', consumer));
    wrapperMeters.begin(context('orders', consumer));
    interceptorMeters.begin(context('orders', consumer));
    expect(consumer.listening('consumer.end_batch_process')).toBe(1);

    const partition0 = { app: 'orders', job: 'pod-1', topic: 'orders', partition: '0' };
    consumer.emit('consumer.end_batch_process', { topic: 'orders', partition: 0, offsetLag: '7' });
    consumer.emit('consumer.end_batch_process', { topic: 'orders', partition: 1, offsetLag: '-1' });
    expect(await sample(metrics, 'kafka_consumer_offset_lag', partition0)).toBe(7);
    expect(
      await sample(metrics, 'kafka_consumer_offset_lag', { ...partition0, partition: '1' }),
    ).toBe(0);

    // A rebalance leaves the consumer partition 1 only: partition 0's series goes.
    consumer.emit('consumer.group_join', { memberAssignment: { orders: [1] } });
    expect(await sample(metrics, 'kafka_consumer_offset_lag', partition0)).toBeUndefined();

    wrapperMeters.close();
    expect(consumer.listening('consumer.end_batch_process')).toBe(0);
  });

  it('ignores what is not a kafkajs consumer, and contexts of other transports', () => {
    const metrics = testManager();
    const meters = new ConsumedMeters(metrics);
    expect(() => meters.begin(context('orders', {}))).not.toThrow();
    expect(() => meters.begin({ getChannel: () => 'redis' })).not.toThrow();
    expect(() => meters.begin(undefined)).not.toThrow();
  });

  it('keeps the timestamp of the message seen last for seconds_behind', async () => {
    const metrics = testManager();
    const meters = new ConsumedMeters(metrics);
    meters.begin(context('orders', {}, String(Date.now() - 60_000)));
    meters.begin(context('orders', {}, String(Date.now() - 4_000)));
    meters.begin(context('orders', {}));
    const behind = await sample(metrics, 'seconds_behind', { app: 'orders', job: 'pod-1' });
    expect(behind).toBeGreaterThanOrEqual(4);
    expect(behind).toBeLessThan(10);
  });

  it('times handlers only when the registry holds the processing-time histogram', async () => {
    const untimed = testManager();
    const off = new ConsumedMeters(untimed);
    expect(off.begin(context('orders', {}))).toBe(NOT_TIMED);
    expect(untimed.registry.getSingleMetric('message_processing_seconds')).toBeUndefined();

    const timed = testManager();
    ProcessingTimeHistogram.of(timed, { buckets: [10] });
    const on = new ConsumedMeters(timed);
    const start = on.begin(context('orders', {}));
    expect(start).not.toBe(NOT_TIMED);
    on.end('orders', start);
    on.endMany('orders', on.beginMessage(undefined), 3, undefined);
    const count = await sample(timed, 'message_processing_seconds', {
      topic: 'orders',
      le: '+Inf',
    });
    expect(count).toBe(4);
  });
});
