import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MetricsManager } from '../../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import { serialiseRegistry } from '../../../lib/pusher/serialise-registry';

function registryWithEveryKind(): Registry {
  const registry = new Registry();
  const options = resolveMetricsOptions(
    { job: 'pod-1', app: 'orders', pushEnabled: false, maxTopics: 5000 },
    {},
  );
  const manager = new MetricsManager(options, registry);
  for (let i = 0; i < 1234; i++) manager.incMessagesConsumed(`topic-${i}`, i + 1);
  for (let i = 0; i < 77; i++) manager.incMessagesProduced(`out-${i}`);
  manager.incMessageErrors(new TypeError('x'));
  const counter = new Counter({
    name: 'app_requests',
    help: 'Help with "quotes" and \\ and\nnewline',
    labelNames: ['path'],
    registers: [registry],
  });
  counter.inc({ path: 'a"b\\c\nd' }, 3);
  counter.inc({ path: '/x' }, 0.5);
  new Gauge({ name: 'app_empty', help: 'no series yet', registers: [registry] });
  const histogram = new Histogram({
    name: 'app_latency',
    help: 'latency',
    labelNames: ['route'],
    buckets: [0.1, 1, 10],
    registers: [registry],
  });
  for (let i = 0; i < 700; i++) histogram.observe({ route: `r${i % 300}` }, i / 100);
  const summary = new Summary({
    name: 'app_sizes',
    help: 'sizes',
    percentiles: [0.5, 0.99],
    registers: [registry],
  });
  for (let i = 0; i < 50; i++) summary.observe(i);
  return registry;
}

describe('serialiseRegistry', () => {
  it('returns exactly the bytes registry.metrics() returns, metrics split into slices included', async () => {
    const registry = registryWithEveryKind();
    const expected = await registry.metrics();
    expect(await serialiseRegistry(registry, 100)).toBe(expected);
    expect(await serialiseRegistry(registry, 1)).toBe(expected);
    expect(await serialiseRegistry(registry)).toBe(expected);
  });

  it('applies the registry default labels as registry.metrics() does', async () => {
    const registry = registryWithEveryKind();
    registry.setDefaultLabels({ region: 'eu', app: 'ignored-when-set' });
    expect(await serialiseRegistry(registry, 64)).toBe(await registry.metrics());
  });

  it('matches registry.metrics() for prom-client default metrics and an empty registry', async () => {
    const registry = new Registry();
    expect(await serialiseRegistry(registry)).toBe(await registry.metrics());
    collectDefaultMetrics({ register: registry });
    // Default metrics read the process at collection time: compare the lines that do not move.
    const stable = (text: string) => text.split('\n').filter((l) => l.startsWith('#') || l === '');
    expect(stable(await serialiseRegistry(registry, 3))).toEqual(stable(await registry.metrics()));
  });

  it('lets other callbacks run between slices of one large metric', async () => {
    const registry = registryWithEveryKind();
    let done = false;
    let turns = 0;
    const turn = () => {
      turns++;
      if (!done) setImmediate(turn);
    };
    setImmediate(turn);
    await serialiseRegistry(registry, 50);
    done = true;
    // messages_consumed alone has 1234 series: 25 slices of 50.
    expect(turns).toBeGreaterThanOrEqual(25);
  });

  it('falls back to registry.metrics() for an OpenMetrics registry', async () => {
    const registry = new Registry();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
    new Counter({ name: 'om_things', help: 'h', registers: [registry] }).inc();
    expect(await serialiseRegistry(registry)).toBe(await registry.metrics());
  });
});
