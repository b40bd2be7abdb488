import { Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { MetricsManager } from '../../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import { serialiseRegistry } from '../../../lib/serialiser/serialise-registry';
import {
  appMetricsIn,
  gaugeWithoutHashMap,
  histogramReaderThrows,
  labelsOf,
  MODULE_LABELS,
  readsPerTurn,
} from '../../support/registry-slices';

// scripts/prom-client-range.sh runs this file against the oldest prom-client of the peer range too.
const askedVersion = process.env.NUBIUM_TEST_PROM_CLIENT_VERSION;

/** The series counts of consecutive slices of `series` series, `perSlice` at a time. */
const slicesOf = (series: number, perSlice: number): number[] =>
  Array.from({ length: Math.ceil(series / perSlice) }, (_, i) =>
    Math.min(perSlice, series - i * perSlice),
  );
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

/** An app's own metrics of every standard class, each with many series, labelled like the module's. */
function registryWithAppMetrics(series: number, registry = new Registry()): Registry {
  const { gauge, counter, histogram, summary } = appMetricsIn(registry);
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
  it(
    askedVersion
      ? `runs against prom-client ${askedVersion}, as asked`
      : 'runs against a prom-client of the peer range ^15.0.0',
    async () => {
      const { version } = await import('prom-client/package.json');
      if (askedVersion) expect(version).toBe(askedVersion);
      else expect(version).toMatch(/^15\.\d+\.\d+$/);
    },
  );

  it('returns exactly the bytes registry.metrics() returns, metrics split into slices included', async () => {
    const registry = registryWithEveryKind();
    const expected = await registry.metrics();
    expect(await serialiseRegistry(registry, { seriesPerSlice: 100 })).toBe(expected);
    expect(await serialiseRegistry(registry, { seriesPerSlice: 1 })).toBe(expected);
    expect(await serialiseRegistry(registry)).toBe(expected);
  });

  it('applies the registry default labels as registry.metrics() does', async () => {
    const registry = registryWithEveryKind();
    registry.setDefaultLabels({ region: 'eu', app: 'ignored-when-set' });
    expect(await serialiseRegistry(registry, { seriesPerSlice: 64 })).toBe(
      await registry.metrics(),
    );
  });

  it('returns the bytes registry.metrics() returns for an empty registry', async () => {
    const registry = new Registry();
    expect(await serialiseRegistry(registry)).toBe(await registry.metrics());
  });

  it('writes every sample registry.metrics() writes for prom-client default metrics, values masked', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    // GC durations arrive in callbacks of their own at any time: the histogram holds still, with
    // a series of two kinds.
    const gc = registry.getSingleMetric('nodejs_gc_duration_seconds') as Histogram;
    gc.observe({ kind: 'minor' }, 0.0004);
    gc.observe({ kind: 'major' }, 0.03);
    vi.spyOn(gc, 'observe').mockImplementation(() => undefined);
    const text = await serialiseRegistry(registry, { seriesPerSlice: 3 });
    // The callbacks read the process anew at each collection, and some label sets with it (the
    // kinds of active resources): registry.metrics() writes what this serialisation collected.
    const metrics = registry.getMetricsAsArray() as unknown as { collect?: unknown }[];
    const callbacks = metrics.map((metric) => metric.collect);
    for (const metric of metrics) metric.collect = undefined;
    const expected = await registry.metrics();
    metrics.forEach((metric, i) => (metric.collect = callbacks[i]));
    // The event-loop lag is set in a turn after its collection: values are masked.
    const masked = (body: string) =>
      body.split('\n').map((line) => (line.startsWith('#') ? line : line.replace(/ \S+$/, ' V')));
    expect(masked(text)).toEqual(masked(expected));
    expect(text).toContain('nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} 1');
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
  });

  it("returns registry.metrics()'s bytes for an app's own gauge, counter, histogram and summary with many series", async () => {
    const registry = registryWithAppMetrics(3000);
    const expected = await registry.metrics();
    expect(expected.split('\n').length).toBeGreaterThan(9000);
    for (const slice of [1, 7, 100, 500])
      expect(await serialiseRegistry(registry, { seriesPerSlice: slice })).toBe(expected);
    registry.setDefaultLabels({ region: 'eu', topic: 'ignored-when-set' });
    expect(await serialiseRegistry(registry, { seriesPerSlice: 64 })).toBe(
      await registry.metrics(),
    );
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
    const text = await serialiseRegistry(sliced.registry, { seriesPerSlice: 50 });
    expect(sliced.calls).toEqual({ sync: 1, async: 1 });
    expect(text).toBe(await whole.registry.metrics());
    expect(text).toContain(
      'app_polled{app="orders",job="pod-1",topic="orders.events.v1-part-1499"} 1499',
    );
  });

  it.each(['gauge', 'histogram', 'summary'] as const)(
    "reads an app's own %s a slice of 100 lines in each turn of the event loop, no more, no less",
    async (kind) => {
      const registry = new Registry();
      const config = { name: `app_${kind}`, help: kind, labelNames: MODULE_LABELS };
      const metric =
        kind === 'gauge'
          ? new Gauge({ ...config, registers: [registry] })
          : kind === 'histogram'
            ? new Histogram({ ...config, buckets: [0.001, 0.01, 0.1, 1], registers: [registry] })
            : new Summary({ ...config, percentiles: [0.5, 0.9, 0.99], registers: [registry] });
      const series = 2000;
      for (let i = 0; i < series; i++)
        if (metric instanceof Gauge) metric.set(labelsOf(i), i);
        else metric.observe(labelsOf(i), i);
      const expected = await registry.metrics();
      const lines = expected.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
      // A slice holds whole series: as many as fit in 100 of the lines registry.metrics() writes.
      const perSlice = Math.floor(100 / (lines / series));
      let text = '';
      const turns = await readsPerTurn(metric, async () => {
        text = await serialiseRegistry(registry, { seriesPerSlice: 100 });
      });
      expect(text).toBe(expected);
      expect(turns).toEqual(slicesOf(series, perSlice));
    },
  );

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
    const text = await serialiseRegistry(registry, { seriesPerSlice: 64 });
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
      const text = await serialiseRegistry(sliced.registry, { seriesPerSlice: 40 });
      expect(text).toBe(await whole.registry.metrics());
      expect(text).not.toContain('orders.events.v1-part-299"');
      expect(text).toContain('orders.events.v1-part-300"');
      const size = (s: Summary) =>
        Object.keys((s as unknown as { hashMap: object }).hashMap).length;
      expect(size(sliced.summary)).toBe(300);
      expect(size(whole.summary)).toBe(300);
    });
  });

  it("lets other callbacks run between the slices of the module's own counter", async () => {
    const registry = new Registry();
    const options = resolveMetricsOptions(
      { job: 'pod-1', app: 'orders', pushEnabled: false, maxTopics: 5000 },
      {},
    );
    const manager = new MetricsManager(options, registry);
    for (let i = 0; i < 1234; i++) manager.incMessagesConsumed(`topic-${i}`, i + 1);
    // Folded once: the next collection folds nothing and only the slices read the label hash.
    await serialiseRegistry(registry, { seriesPerSlice: 50 });
    const turns = await readsPerTurn(registry.getSingleMetric('messages_consumed')!, () =>
      serialiseRegistry(registry, { seriesPerSlice: 50 }),
    );
    // 1234 series, 50 a slice: 24 slices of 50 and one of 34, each in a turn of its own.
    expect(turns).toEqual([...Array<number>(24).fill(50), 34]);
  });

  describe('with labels for every series (the pull side)', () => {
    const LABELS = { job: 'pod-9', worker: '3' };

    it('writes every series of every kind with the labels added and its own kept', async () => {
      const registry = registryWithEveryKind();
      const plain = parseTextFormat(await serialiseRegistry(registry));
      const labelled = parseTextFormat(
        await serialiseRegistry(registry, { seriesPerSlice: 100, labels: { set: LABELS } }),
      );

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

      const text = await serialiseRegistry(registry, { labels: { set: LABELS } });

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
        await serialiseRegistry(registry, { labels: { set: { job: hostile } } }),
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

  describe('on a prom-client whose internals it does not know', () => {
    let warn: MockInstance<Logger['warn']>;
    beforeEach(() => {
      warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    });
    afterEach(() => vi.restoreAllMocks());

    /** An app's gauge with a collect callback, first in its registry, and how often it ran. */
    function registryCollecting(): { registry: Registry; calls: { collect: number } } {
      const registry = new Registry();
      const calls = { collect: 0 };
      new Gauge({
        name: 'app_polled',
        help: 'set by collect',
        registers: [registry],
        collect() {
          calls.collect++;
          this.set(calls.collect);
        },
      });
      registryWithAppMetrics(600, registry);
      return { registry, calls };
    }

    it('writes registry.metrics() with one warning when a standard class keeps no hashMap, running each collect callback once', async () => {
      const { registry, calls } = registryCollecting();
      const expected = await registry.metrics();
      gaugeWithoutHashMap(registry);
      expect(await serialiseRegistry(registry, { seriesPerSlice: 100 })).toBe(
        expected.replace('app_polled 1', 'app_polled 2'),
      );
      expect(calls.collect).toBe(2);
      expect(await serialiseRegistry(registry, { seriesPerSlice: 100 })).toBe(
        expected.replace('app_polled 1', 'app_polled 3'),
      );
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]).toEqual([
        expect.stringMatching(
          /^cannot serialise the registry in slices \(app_lag has no label hash \(hashMap\) of prom-client 15\), so this push falls back to prom-client's registry\.metrics\(\)/,
        ),
      ]);
    });

    it('writes registry.metrics() with one warning when the label hash is of another shape', async () => {
      const registry = registryWithAppMetrics(600);
      const expected = await registry.metrics();
      // A prom-client that keeps a counter's series in a Map.
      const counter = registry.getSingleMetric('app_handled') as unknown as { hashMap: object };
      counter.hashMap = new Map(Object.entries(counter.hashMap));
      const get = Counter.prototype.get;
      vi.spyOn(Counter.prototype, 'get').mockImplementation(function (this: Counter) {
        const hash = (this as unknown as { hashMap: object }).hashMap;
        if (!(hash instanceof Map)) return get.call(this);
        return get.call(
          Object.create(this, { hashMap: { value: Object.fromEntries(hash) } }) as Counter,
        );
      });
      expect(await serialiseRegistry(registry, { seriesPerSlice: 100 })).toBe(expected);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toContain(
        '(app_handled has no label hash (hashMap) of prom-client 15)',
      );
    });

    it('writes registry.metrics() when a reader throws, with one warning per registry', async () => {
      histogramReaderThrows();
      const [first, second] = [registryWithAppMetrics(600), registryWithAppMetrics(700)];
      for (const registry of [first, first, second, second])
        expect(await serialiseRegistry(registry, { seriesPerSlice: 100 })).toBe(
          await registry.metrics(),
        );
      expect(warn).toHaveBeenCalledTimes(2);
      expect(warn.mock.calls[0][0]).toContain(
        '(Cannot read private member #series from an object)',
      );
    });

    it.each([
      ['a collect callback that throws', 'sync'],
      ['a collect callback that rejects', 'async'],
      ['a get() of its own that rejects', 'get'],
    ] as const)(
      "fails with the error of the app's own code, %s, as registry.metrics() does, and warns of nothing",
      async (_case, kind) => {
        const registry = registryWithAppMetrics(600);
        const failure = new Error('the app cannot collect');
        let calls = 0;
        class BrokenGauge extends Gauge {
          override get() {
            calls++;
            return Promise.reject(failure);
          }
        }
        const config = { name: 'app_broken', help: 'broken', registers: [registry] };
        if (kind === 'get') new BrokenGauge(config);
        else
          new Gauge({
            ...config,
            collect:
              kind === 'sync'
                ? () => {
                    calls++;
                    throw failure;
                  }
                : () => {
                    calls++;
                    return Promise.reject(failure);
                  },
          });
        await expect(serialiseRegistry(registry, { seriesPerSlice: 100 })).rejects.toBe(failure);
        await expect(registry.metrics()).rejects.toBe(failure);
        // Once each: the failure is not answered by a second collection.
        expect(calls).toBe(2);
        expect(warn).not.toHaveBeenCalled();
      },
    );
  });
});
