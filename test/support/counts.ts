// Reading one job's standard counts back from the whole stack: every Pushgateway, then Prometheus.
import { expect } from 'vitest';
import { findSample, queryPrometheus, readPushgateway, waitFor } from './stack';
import { PUSHGATEWAY_ADDRS } from './stack-config';

/**
 * Expects `metric` of `job` (and `app`) per topic on every Pushgateway (`undefined`: no such
 * series) and, for each topic with a count, the same value in Prometheus, waited for until it has
 * scraped it.
 */
export async function expectCountsEverywhere(
  metric: 'messages_consumed' | 'messages_produced',
  { job, app }: { job: string; app: string },
  expected: Record<string, number | undefined>,
): Promise<void> {
  for (const addr of PUSHGATEWAY_ADDRS) {
    const samples = await readPushgateway(addr);
    for (const [topic, n] of Object.entries(expected))
      expect(
        findSample(samples, metric, { job, app, topic }),
        `${metric} ${topic} on ${addr}`,
      ).toBe(n);
  }
  for (const [topic, n] of Object.entries(expected)) {
    if (n === undefined) continue;
    const query = `${metric}{job=${JSON.stringify(job)},topic=${JSON.stringify(topic)}}`;
    // The gateways' series carry the same labels, so Prometheus may keep them as one series.
    const series = await waitFor(
      async () => {
        const found = await queryPrometheus(query);
        return found.length > 0 && found.every((s) => s.value === n) ? found : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 250, what: `${query} == ${n} in Prometheus` },
    );
    expect(
      series.map((s) => s.value),
      query,
    ).toEqual(series.map(() => n));
  }
}
