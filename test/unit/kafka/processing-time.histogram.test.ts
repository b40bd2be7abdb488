import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ProcessingTimeHistogram } from '../../../lib/kafka/processing-time.histogram';
import { testManager } from '../../support/fake-kafka';

const BUCKETS = [0.01, 0.1, 1];

describe('ProcessingTimeHistogram', () => {
  it('reads in the registry exactly as a prom-client Histogram fed the same observations', async () => {
    const metrics = testManager();
    const times = ProcessingTimeHistogram.of(metrics, { buckets: BUCKETS })!;
    // The independent source: prom-client's own histogram, same name, help, labels and buckets.
    const reference = new Registry();
    const histogram = new Histogram({
      name: times.name,
      help: times.help,
      labelNames: ['app', 'job', 'topic'],
      buckets: BUCKETS,
      registers: [reference],
    });
    // Binary fractions, so that sums come out the same whatever the order of the additions;
    // 1 sits on a bound (`le` includes it).
    const observations: Array<[string, number]> = [
      ['orders', 0.00390625],
      ['orders', 0.0078125],
      ['orders', 0.5],
      ['refunds', 2],
      ['orders', 1],
      ['refunds', 0.015625],
    ];
    for (const [topic, seconds] of observations) {
      times.record(topic, seconds);
      histogram.observe({ app: 'orders', job: 'pod-1', topic }, seconds);
    }
    times.recordMany('refunds', 0.0625, 3);
    for (let i = 0; i < 3; i++)
      histogram.observe({ app: 'orders', job: 'pod-1', topic: 'refunds' }, 0.0625);

    const ours = (await metrics.registry.getSingleMetricAsString(times.name)).split('\n');
    const theirs = (await reference.metrics()).trim().split('\n');
    expect(ours).toEqual(theirs);
    expect(ours).toContain(
      'message_processing_seconds_count{app="orders",job="pod-1",topic="refunds"} 5',
    );
  });

  it('is found again in the registry, keeps its buckets, and is made only when asked', () => {
    const metrics = testManager();
    expect(ProcessingTimeHistogram.of(metrics)).toBeUndefined();
    expect(metrics.registry.getSingleMetric('message_processing_seconds')).toBeUndefined();
    const made = ProcessingTimeHistogram.of(metrics, { buckets: BUCKETS });
    expect(ProcessingTimeHistogram.of(metrics)).toBe(made);
    expect(ProcessingTimeHistogram.of(metrics, { buckets: [5] })?.buckets).toEqual(BUCKETS);
  });

  it('leaves a metric of the same name that is not its own alone', () => {
    const metrics = testManager();
    const theirs = new Counter({
      name: 'message_processing_seconds',
      help: 'the app own',
      registers: [metrics.registry],
    });
    expect(ProcessingTimeHistogram.of(metrics, { buckets: BUCKETS })).toBeUndefined();
    expect(metrics.registry.getSingleMetric('message_processing_seconds')).toBe(theirs);
  });

  it('counts topics past the cap under __overflow__, and starts from 0 after a registry reset', async () => {
    const metrics = testManager(2);
    const times = ProcessingTimeHistogram.of(metrics, { buckets: BUCKETS })!;
    for (const topic of ['a', 'b', 'c', 'd']) times.record(topic, 0.5);
    const text = await metrics.registry.getSingleMetricAsString(times.name);
    expect(text).toContain(
      'message_processing_seconds_count{app="orders",job="pod-1",topic="a"} 1',
    );
    expect(text).toContain(
      'message_processing_seconds_count{app="orders",job="pod-1",topic="__overflow__"} 2',
    );
    metrics.registry.resetMetrics();
    expect(await metrics.registry.getSingleMetricAsString(times.name)).toContain(
      'message_processing_seconds_count{app="orders",job="pod-1",topic="a"} 0',
    );
  });
});
