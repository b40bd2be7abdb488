import { Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { MetricsManager } from '../../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import {
  serialiseRegistry,
  type SerialiseOptions,
} from '../../../lib/serialiser/serialise-registry';
import { gaugeWithoutHashMap, histogramReaderThrows } from '../../support/registry-slices';
import { parseTextFormat } from '../../support/text-format';

// The label edit of every series: the pull side sets the push's grouping key, the vmagent push
// drops it. Each case is compared with a twin registry whose series were given the edited labels
// directly, so prom-client itself writes what the text should be. scripts/prom-client-range.sh
// runs this file against the oldest prom-client of the peer range too.

const HOSTILE = 'a"b\\c\nd é&x=y,job="z"';

type Labels = Record<string, string>;

/** An app's own metric of each standard class, many series of `labelsAt(i)`, in a registry of its own. */
function registryOf(labelsAt: (i: number) => Labels, series = 600): Registry {
  const registry = new Registry();
  const labelNames = Object.keys(labelsAt(0));
  const labelled = { labelNames, registers: [registry] };
  const gauge = new Gauge({ name: 'app_lag', help: 'lag "q" \\ and\nnewline', ...labelled });
  const counter = new Counter({ name: 'app_handled', help: 'handled', ...labelled });
  const histogram = new Histogram({
    name: 'app_handle_seconds',
    help: 'time',
    buckets: [0.01, 0.1, 1],
    ...labelled,
  });
  const summary = new Summary({
    name: 'app_batch_size',
    help: 'sizes',
    percentiles: [0.5, 0.99],
    ...labelled,
  });
  for (let i = 0; i < series; i++) {
    gauge.set(labelsAt(i), i - 100);
    counter.inc(labelsAt(i), i + 1);
    if (i % 3 === 0) histogram.observe(labelsAt(i), (i % 7) / 10);
    if (i % 10 === 0) for (let k = 0; k < 3; k++) summary.observe(labelsAt(i), i + k);
  }
  return registry;
}

const topic = (i: number) => `orders ${HOSTILE} ${i}`;
/** A pushing pod's series: its own `job` and `worker` among the others. */
const pushed = (i: number): Labels => ({ app: 'orders', job: 'own', topic: topic(i), worker: '7' });

/** Each edit, the series it starts from, and the labels the twin's series are given instead. */
const EDITS: readonly (readonly [
  string,
  SerialiseOptions['labels'],
  (i: number) => Labels,
  (i: number) => Labels,
])[] = [
  [
    'job and worker dropped (the vmagent push)',
    { drop: ['job', 'worker'] },
    pushed,
    (i) => ({ app: 'orders', topic: topic(i) }),
  ],
  [
    'job replaced in place and worker added (the pull side)',
    { set: { job: 'pod 9', worker: HOSTILE } },
    (i) => ({ app: 'orders', job: 'own', topic: topic(i) }),
    (i) => ({ app: 'orders', job: 'pod 9', topic: topic(i), worker: HOSTILE }),
  ],
  [
    'worker set and job dropped',
    { set: { worker: '3' }, drop: ['job'] },
    pushed,
    (i) => ({ app: 'orders', topic: topic(i), worker: '3' }),
  ],
];

describe('serialiseRegistry with a label edit', () => {
  let warn: MockInstance<Logger['warn']>;
  beforeEach(() => {
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  it.each(EDITS)(
    'writes every series of every class with %s, byte for byte as prom-client writes them with those labels',
    async (_case, labels, from, to) => {
      const registry = registryOf(from);
      const expected = await registryOf(to).metrics();
      for (const seriesPerSlice of [1, 64, 500])
        expect(await serialiseRegistry(registry, { seriesPerSlice, labels })).toBe(expected);
      // The registry's default labels are added after the edit, as to a series' own labels.
      registry.setDefaultLabels({ region: 'eu' });
      const twin = registryOf(to);
      twin.setDefaultLabels({ region: 'eu' });
      expect(await serialiseRegistry(registry, { seriesPerSlice: 64, labels })).toBe(
        await twin.metrics(),
      );
      expect(warn).not.toHaveBeenCalled();
    },
  );

  it("takes job and the grouping labels off the module's own metrics, hostile values of the others intact", async () => {
    const registry = new Registry();
    const options = resolveMetricsOptions(
      { job: 'pod-1', app: 'orders', pushEnabled: false, maxTopics: 5000 },
      {},
    );
    const manager = new MetricsManager(options, registry);
    for (let i = 0; i < 1234; i++) manager.incMessagesConsumed(`topic ${HOSTILE} ${i}`, i + 1);
    manager.incMessageErrors(new TypeError('x'));
    const plain = parseTextFormat(await serialiseRegistry(registry));
    expect(plain.filter((s) => s.labels.job === 'pod-1').length).toBeGreaterThan(1234);

    const text = await serialiseRegistry(registry, {
      seriesPerSlice: 100,
      labels: { drop: ['job', 'worker'] },
    });

    const withoutJob = ({ job: _job, ...rest }: Labels) => rest;
    expect(parseTextFormat(text)).toEqual(
      plain.map((s) => ({ ...s, labels: withoutJob(s.labels) })),
    );
    // HOSTILE holds `,job="z"`, escaped in a value: no label named job is left.
    expect(text).not.toMatch(/[{,]job="/);
  });

  it('writes a series left with no label without braces, as prom-client writes one', async () => {
    const registry = new Registry();
    new Gauge({ name: 'up', help: 'h', labelNames: ['job'], registers: [registry] }).set(
      { job: 'x' },
      1,
    );
    expect(await serialiseRegistry(registry, { labels: { drop: ['job'] } })).toBe(
      '# HELP up h\n# TYPE up gauge\nup 1\n',
    );
  });

  it('edits the series of an OpenMetrics registry, written in one go, its counters renamed as registry.metrics() renames them', async () => {
    const [registry, twin] = [new Registry(), new Registry()];
    for (const r of [registry, twin]) r.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
    new Counter({
      name: 'om_things_total',
      help: 'h',
      labelNames: ['job', 'path'],
      registers: [registry],
    }).inc({ job: 'own', path: HOSTILE }, 2);
    new Counter({
      name: 'om_things_total',
      help: 'h',
      labelNames: ['path'],
      registers: [twin],
    }).inc({ path: HOSTILE }, 2);
    const expected = await twin.metrics();
    expect(expected).toContain('om_things_total{path=');
    for (let round = 0; round < 2; round++)
      expect(await serialiseRegistry(registry, { labels: { drop: ['job'] } })).toBe(expected);
  });

  describe('on a prom-client whose internals it does not know (the fallback)', () => {
    const BREAKS = [
      ['a standard class keeps no hashMap', gaugeWithoutHashMap, 'app_lag has no label hash'],
      ['a reader throws', histogramReaderThrows, 'Cannot read private member'],
    ] as const;

    describe.each(BREAKS)('when %s', (_break, breakIt, reason) => {
      it.each(EDITS)(
        'writes the series with %s, byte for byte what the sliced path writes, with one warning',
        async (_case, labels, from, to) => {
          const options = { seriesPerSlice: 100, labels };
          const [registry, unbroken, twin] = [registryOf(from), registryOf(from), registryOf(to)];
          for (const r of [registry, unbroken, twin]) r.setDefaultLabels({ region: 'eu' });
          const sliced = await serialiseRegistry(unbroken, options);
          expect(sliced).toBe(await twin.metrics());
          expect(warn).not.toHaveBeenCalled();
          breakIt(registry);

          expect(await serialiseRegistry(registry, options)).toBe(sliced);
          expect(await serialiseRegistry(registry, options)).toBe(sliced);

          expect(warn).toHaveBeenCalledTimes(1);
          expect(warn.mock.calls[0][0]).toContain(reason);
        },
      );

      it("writes registry.metrics()'s bytes when there is no edit", async () => {
        const registry = registryOf(pushed);
        breakIt(registry);
        expect(await serialiseRegistry(registry, { seriesPerSlice: 100 })).toBe(
          await registry.metrics(),
        );
        expect(warn).toHaveBeenCalledTimes(1);
      });
    });

    it('fails, rather than write the series unedited, when registry.metrics() does not list the metrics through getMetricsAsArray()', async () => {
      const registry = registryOf(pushed, 10);
      registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
      const metrics = Registry.prototype.metrics;
      vi.spyOn(Registry.prototype, 'metrics').mockImplementation(function (this: Registry) {
        // A prom-client that reads its own table of metrics.
        const own =
          Object.getPrototypeOf(this) === Registry.prototype
            ? this
            : (Object.getPrototypeOf(this) as Registry);
        return metrics.call(own);
      });
      await expect(serialiseRegistry(registry, { labels: { drop: ['job'] } })).rejects.toThrow(
        /^cannot serialise the registry with its label edit/,
      );
      expect(await serialiseRegistry(registry)).toBe(await metrics.call(registry));
    });
  });
});
