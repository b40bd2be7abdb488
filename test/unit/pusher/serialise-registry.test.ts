import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MetricsManager } from '../../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import { serialiseRegistry } from '../../../lib/pusher/serialise-registry';
import { parseTextFormat } from '../../support/text-format';

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

const MODULE_LABELS = ['app', 'job', 'topic'];
const labelsOf = (i: number) => ({
  app: 'orders',
  job: 'pod-1',
  topic: `orders.events.v1-part-${i}`,
});

/** An app's own metrics of every standard class, each with many series, labelled like the module's. */
function registryWithAppMetrics(series: number): Registry {
  const registry = new Registry();
  const gauge = new Gauge({
    name: 'app_lag',
    help: 'lag',
    labelNames: MODULE_LABELS,
    registers: [registry],
  });
  const counter = new Counter({
    name: 'app_handled',
    help: 'handled',
    labelNames: MODULE_LABELS,
    registers: [registry],
  });
  const histogram = new Histogram({
    name: 'app_handle_seconds',
    help: 'time',
    labelNames: MODULE_LABELS,
    buckets: [0.001, 0.01, 0.1, 1],
    registers: [registry],
  });
  const summary = new Summary({
    name: 'app_batch_size',
    help: 'sizes',
    labelNames: MODULE_LABELS,
    percentiles: [0.5, 0.9, 0.99],
    registers: [registry],
  });
  for (let i = 0; i < series; i++) {
    gauge.set(labelsOf(i), i * 1.5 - 100);
    counter.inc(labelsOf(i), i + 1);
    if (i % 5 === 0) histogram.observe(labelsOf(i), (i % 13) / 100);
    if (i % 10 === 0) for (let k = 0; k < 5; k++) summary.observe(labelsOf(i), i + k);
  }
  counter.remove(labelsOf(3));
  gauge.set(labelsOf(series + 1), NaN);
  gauge.set(labelsOf(series + 2), -Infinity);
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

  it("returns registry.metrics()'s bytes for an app's own gauge, counter, histogram and summary with many series", async () => {
    const registry = registryWithAppMetrics(3000);
    const expected = await registry.metrics();
    expect(expected.split('\n').length).toBeGreaterThan(9000);
    for (const slice of [1, 7, 100, 500])
      expect(await serialiseRegistry(registry, slice)).toBe(expected);
    registry.setDefaultLabels({ region: 'eu', topic: 'ignored-when-set' });
    expect(await serialiseRegistry(registry, 64)).toBe(await registry.metrics());
  });

  it('runs a collect callback once per serialisation and returns the bytes registry.metrics() returns', async () => {
    const twins = [new Registry(), new Registry()].map((registry) => {
      const calls = { sync: 0, async: 0 };
      new Gauge({
        name: 'app_partitions',
        help: 'set by collect',
        labelNames: MODULE_LABELS,
        registers: [registry],
        collect() {
          calls.sync++;
          for (let i = 0; i < 2000; i++) this.set(labelsOf(i), i % 7);
        },
      });
      new Counter({
        name: 'app_polled',
        help: 'added by an async collect',
        labelNames: MODULE_LABELS,
        registers: [registry],
        async collect() {
          calls.async++;
          await new Promise((resolve) => setImmediate(resolve));
          this.reset();
          for (let i = 0; i < 1500; i++) this.inc(labelsOf(i), i);
        },
      });
      return { registry, calls };
    });
    const [sliced, whole] = twins;
    const text = await serialiseRegistry(sliced.registry, 50);
    expect(sliced.calls).toEqual({ sync: 1, async: 1 });
    expect(text).toBe(await whole.registry.metrics());
    expect(text).toContain(
      'app_polled{app="orders",job="pod-1",topic="orders.events.v1-part-1499"} 1499',
    );
  });

  it("reads no more than one slice of an app's own gauge between two turns of the event loop", async () => {
    const registry = new Registry();
    const gauge = new Gauge({
      name: 'app_lag',
      help: 'lag',
      labelNames: MODULE_LABELS,
      registers: [registry],
    });
    for (let i = 0; i < 5000; i++) gauge.set(labelsOf(i), i);
    const expected = await registry.metrics();
    // Count the series read from the gauge's label hash between two turns.
    const internals = gauge as unknown as { hashMap: Record<string, unknown> };
    let reads = 0;
    let most = 0;
    internals.hashMap = new Proxy(internals.hashMap, {
      get(target, key, receiver) {
        reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    let done = false;
    const turn = () => {
      most = Math.max(most, reads);
      reads = 0;
      if (!done) setImmediate(turn);
    };
    setImmediate(turn);
    const text = await serialiseRegistry(registry, 100);
    done = true;
    most = Math.max(most, reads);
    expect(text).toBe(expected);
    // Two reads a series at most (the slice is taken, then read by prom-client's own get()).
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2 * 100);
  });

  it('reads a metric whose class has a get() of its own with that get(), as registry.metrics() does', async () => {
    class ScaledGauge extends Gauge {
      override async get() {
        const data = await super.get();
        return { ...data, values: data.values.map((v) => ({ ...v, value: v.value * 1000 })) };
      }
    }
    const registry = new Registry();
    const gauge = new ScaledGauge({
      name: 'app_lag_ms',
      help: 'lag',
      labelNames: MODULE_LABELS,
      registers: [registry],
    });
    for (let i = 0; i < 1000; i++) gauge.set(labelsOf(i), i / 1000);
    const text = await serialiseRegistry(registry, 64);
    expect(text).toBe(await registry.metrics());
    expect(text).toContain(
      'app_lag_ms{app="orders",job="pod-1",topic="orders.events.v1-part-7"} 7',
    );
  });

  describe('a summary whose time window emptied', () => {
    afterEach(() => vi.useRealTimers());

    it('leaves its series out and drops them, as registry.metrics() does', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
      const twins = [new Registry(), new Registry()].map((registry) => ({
        registry,
        summary: new Summary({
          name: 'app_aged',
          help: 'aged',
          labelNames: MODULE_LABELS,
          maxAgeSeconds: 1,
          ageBuckets: 1,
          pruneAgedBuckets: true,
          registers: [registry],
        }),
      }));
      const observe = (from: number, to: number) => {
        for (const { summary } of twins)
          for (let i = from; i < to; i++) summary.observe(labelsOf(i), i);
      };
      observe(0, 300);
      vi.setSystemTime(new Date('2026-01-01T00:00:01.500Z'));
      observe(300, 600);
      vi.setSystemTime(new Date('2026-01-01T00:00:02.200Z'));
      const [sliced, whole] = twins;
      const text = await serialiseRegistry(sliced.registry, 40);
      expect(text).toBe(await whole.registry.metrics());
      expect(text).not.toContain('orders.events.v1-part-299"');
      expect(text).toContain('orders.events.v1-part-300"');
      const size = (s: Summary) =>
        Object.keys((s as unknown as { hashMap: object }).hashMap).length;
      expect(size(sliced.summary)).toBe(300);
      expect(size(whole.summary)).toBe(300);
    });
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

  describe('with labels for every series (the pull side)', () => {
    const LABELS = { job: 'pod-9', worker: '3' };

    it('writes every series of every kind with the labels added and its own kept', async () => {
      const registry = registryWithEveryKind();
      const plain = parseTextFormat(await serialiseRegistry(registry));
      const labelled = parseTextFormat(await serialiseRegistry(registry, 100, LABELS));

      expect(plain.length).toBeGreaterThan(2000);
      expect(labelled).toEqual(plain.map((s) => ({ ...s, labels: { ...s.labels, ...LABELS } })));
    });

    it('replaces a label of the same name, once per line, as the Pushgateway does', async () => {
      const registry = new Registry();
      new Gauge({ name: 'g', help: 'h', labelNames: ['worker'], registers: [registry] }).set(
        { worker: 'own' },
        1,
      );
      const histogram = new Histogram({
        name: 'h',
        help: 'h',
        labelNames: ['job', 'route'],
        buckets: [1],
        registers: [registry],
      });
      histogram.observe({ job: 'other', route: '/a' }, 0.5);

      const text = await serialiseRegistry(registry, undefined, LABELS);

      expect(text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([
        'g{worker="3",job="pod-9"} 1',
        'h_bucket{le="1",job="pod-9",route="/a",worker="3"} 1',
        'h_bucket{le="+Inf",job="pod-9",route="/a",worker="3"} 1',
        'h_sum{job="pod-9",route="/a",worker="3"} 0.5',
        'h_count{job="pod-9",route="/a",worker="3"} 1',
      ]);
    });

    it('escapes label values as prom-client writes its own', async () => {
      const registry = new Registry();
      new Counter({ name: 'c', help: 'h', registers: [registry] }).inc();
      const hostile = 'a"b\\c\nd';

      const [sample] = parseTextFormat(
        await serialiseRegistry(registry, undefined, { job: hostile }),
      );

      expect(sample.labels).toEqual({ job: hostile });
    });
  });

  it('falls back to registry.metrics() for an OpenMetrics registry', async () => {
    const registry = new Registry();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
    new Counter({ name: 'om_things', help: 'h', registers: [registry] }).inc();
    expect(await serialiseRegistry(registry)).toBe(await registry.metrics());
  });
});
