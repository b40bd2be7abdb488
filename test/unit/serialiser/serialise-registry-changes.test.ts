import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { serialiseRegistry } from '../../../lib/serialiser/serialise-registry';
import { appMetricsIn, betweenSlices, labelsOf } from '../../support/registry-slices';

// The app keeps running while a push is serialised a slice at a time: what it changes between two
// slices. Each case is compared with a twin registry that was given the outcome directly.

const SERIES = 1000;
// 100 lines a slice: 100 gauge series, 14 histogram series (7 lines each).
const SLICE = 100;

/** An app's own metrics, the gauge and the histogram with SERIES series each, in a registry of their own. */
function appMetrics() {
  const registry = new Registry();
  const { gauge, histogram, counter } = appMetricsIn(registry);
  for (let i = 0; i < SERIES; i++) {
    gauge.set(labelsOf(i), i);
    histogram.observe(labelsOf(i), (i % 13) / 100);
  }
  counter.inc(labelsOf(0), 7);
  return { registry, gauge, histogram, counter };
}

type AppMetrics = ReturnType<typeof appMetrics>;

/**
 * Serialises a registry while `change` runs between the first and the second slice of the metric
 * `of` picks; the text, that registry, and a twin given `outcome` (what the text should show)
 * before its own registry.metrics().
 */
async function serialiseWhile(
  of: (metrics: AppMetrics) => object,
  change: (metrics: AppMetrics) => void,
  outcome: (metrics: AppMetrics) => void = change,
): Promise<{ text: string; sliced: AppMetrics; twin: AppMetrics }> {
  const [sliced, twin] = [appMetrics(), appMetrics()];
  betweenSlices(of(sliced), () => change(sliced));
  outcome(twin);
  return {
    text: await serialiseRegistry(sliced.registry, { seriesPerSlice: SLICE }),
    sliced,
    twin,
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
/** The start of series `i`'s line of sample `name`. */
const series = (name: string, i: number) =>
  `${name}{app="orders",job="pod-1",topic="orders.events.v1-part-${i}"} `;
const line = (i: number, value: number) => `${series('app_lag', i)}${value}\n`;

describe('serialiseRegistry while the app changes the registry between slices', () => {
  let warn: MockInstance<Logger['warn']>;
  beforeEach(() => {
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  // Every case is served by the slices themselves, not by registry.metrics() as a fallback.
  afterEach(() => {
    const warnings = [...warn.mock.calls];
    vi.restoreAllMocks();
    expect(warnings).toEqual([]);
  });

  it.each([
    ['gauge', (m: AppMetrics) => m.gauge, 'app_lag'],
    ['histogram', (m: AppMetrics) => m.histogram, 'app_handle_seconds_count'],
  ] as const)(
    "leaves out the series of a %s removed before their slice was read, whole slices' worth included",
    async (_kind, metric, sample) => {
      // Series 150..349 of the slices still unread: part of one, whole ones, part of another.
      const { text, twin } = await serialiseWhile(metric, (m) => {
        for (const i of range(150, 350)) metric(m).remove(labelsOf(i));
      });
      expect(text).toBe(await twin.registry.metrics());
      expect(text).not.toContain(series(sample, 150));
      expect(text).toContain(series(sample, 350));
    },
  );

  it('keeps a series removed after its slice was written, and leaves one added meanwhile to the next push', async () => {
    const { text, sliced, twin } = await serialiseWhile(
      (m) => m.gauge,
      (m) => {
        m.gauge.remove(labelsOf(5));
        for (const i of range(SERIES, SERIES + 10)) m.gauge.set(labelsOf(i), -i);
      },
      () => undefined,
    );
    expect(text).toBe(await twin.registry.metrics());
    const next = await serialiseRegistry(sliced.registry, { seriesPerSlice: SLICE });
    expect(next).toBe(await sliced.registry.metrics());
    expect(next).not.toContain(series('app_lag', 5));
    expect(next).toContain(line(SERIES + 9, -(SERIES + 9)));
  });

  it('writes a series re-created between slices once: as it was if its slice was written, as it is if not', async () => {
    const { text, sliced, twin } = await serialiseWhile(
      (m) => m.gauge,
      (m) => {
        // Removed and set again: each comes back last in the label hash, with a new value.
        for (const i of [5, 500]) {
          m.gauge.remove(labelsOf(i));
          m.gauge.set(labelsOf(i), -i);
        }
      },
      (m) => m.gauge.set(labelsOf(500), -500),
    );
    expect(text).toBe(await twin.registry.metrics());
    expect(text).toContain(line(5, 5));
    expect(text).toContain(line(500, -500));
    const next = await serialiseRegistry(sliced.registry, { seriesPerSlice: SLICE });
    expect(next).toBe(await sliced.registry.metrics());
    expect(next).toContain(line(5, -5));
  });

  it('leaves out a metric removed from the registry before it was read, and writes the one being read whole', async () => {
    const { text, sliced, twin } = await serialiseWhile(
      (m) => m.gauge,
      (m) => {
        m.registry.removeSingleMetric('app_lag');
        m.registry.removeSingleMetric('app_handled');
      },
      (m) => m.registry.removeSingleMetric('app_handled'),
    );
    expect(text).toBe(await twin.registry.metrics());
    expect(text).toContain(line(SERIES - 1, SERIES - 1));
    expect(text).not.toContain('app_handled');
    const next = await serialiseRegistry(sliced.registry, { seriesPerSlice: SLICE });
    expect(next).toBe(await sliced.registry.metrics());
    expect(next).not.toContain('app_lag');
  });
});
