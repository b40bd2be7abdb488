import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MetricsManager } from '../../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import type { MetricType } from '../../../lib/interfaces/metrics-options.interface';

function manager(metricType: MetricType) {
  const registry = new Registry();
  const options = resolveMetricsOptions(
    { job: 'pod-1', app: 'orders', pushEnabled: false, maxTopics: 5000, metricType },
    {},
  );
  return { registry, manager: new MetricsManager(options, registry) };
}

describe.each(['gauge', 'counter'] as const)('a %s with thousands of series', (metricType) => {
  it('is folded completely, and again after more counting', async () => {
    const { registry, manager: m } = manager(metricType);
    for (let i = 0; i < 2100; i++) m.incMessagesConsumed(`t${i}`, i + 1);
    const first = await registry.getSingleMetric('messages_consumed')!.get();
    expect(first.values).toHaveLength(2100);
    expect(first.values.find((v) => v.labels.topic === 't2099')?.value).toBe(2100);
    m.incMessagesConsumed('t0', 5);
    m.incMessagesConsumed('t1500', 1);
    const second = await registry.getSingleMetric('messages_consumed')!.get();
    expect(second.values.find((v) => v.labels.topic === 't0')?.value).toBe(6);
    expect(second.values.find((v) => v.labels.topic === 't1500')?.value).toBe(1502);
  });

  it('lets other callbacks run while it is folded', async () => {
    const { registry, manager: m } = manager(metricType);
    for (let i = 0; i < 2100; i++) m.incMessagesConsumed(`t${i}`);
    let turns = 0;
    let done = false;
    const turn = () => {
      turns++;
      if (!done) setImmediate(turn);
    };
    setImmediate(turn);
    await registry.getSingleMetric('messages_consumed')!.get();
    done = true;
    expect(turns).toBeGreaterThanOrEqual(4);
  });
});
