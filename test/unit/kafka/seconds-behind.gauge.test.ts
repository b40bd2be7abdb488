import { Gauge } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SecondsBehindGauge } from '../../../lib/kafka/seconds-behind.gauge';
import { testManager } from '../../support/fake-kafka';

async function secondsBehind(metrics: ReturnType<typeof testManager>): Promise<number[]> {
  const data = await metrics.registry.getSingleMetric('seconds_behind')!.get();
  return data.values.map((v) => v.value);
}

describe('SecondsBehindGauge', () => {
  it('reads, when collected, the time since the last consumed message was produced, labelled app and job', async () => {
    const metrics = testManager();
    const gauge = SecondsBehindGauge.of(metrics)!;
    expect(await secondsBehind(metrics)).toEqual([]);
    gauge.latest = String(Date.now() - 60_000);
    const producedAt = Date.now() - 5_000;
    gauge.latest = String(producedAt);
    const before = (Date.now() - producedAt) / 1000;
    const [value] = await secondsBehind(metrics);
    const after = (Date.now() - producedAt) / 1000;
    expect(value).toBeGreaterThanOrEqual(before);
    expect(value).toBeLessThanOrEqual(after);
    const data = await gauge.get();
    expect(data.help).toBe(
      'elapsed time, in seconds, since the most recently consumed message was produced',
    );
    expect(data.type).toBe('gauge');
    expect(data.values[0].labels).toEqual({ app: 'orders', job: 'pod-1' });
  });

  it('reads 0 for a timestamp in the future (a producer clock ahead), and ignores a missing one', async () => {
    const metrics = testManager();
    const gauge = SecondsBehindGauge.of(metrics)!;
    gauge.latest = '-1';
    expect(await secondsBehind(metrics)).toEqual([]);
    gauge.latest = String(Date.now() + 30_000);
    expect(await secondsBehind(metrics)).toEqual([0]);
  });

  it('is one per registry, and leaves a metric of its name that is not its own alone', () => {
    const metrics = testManager();
    expect(SecondsBehindGauge.of(metrics)).toBe(SecondsBehindGauge.of(metrics));
    const other = testManager();
    const theirs = new Gauge({
      name: 'seconds_behind',
      help: 'theirs',
      registers: [other.registry],
    });
    expect(SecondsBehindGauge.of(other)).toBeUndefined();
    expect(other.registry.getSingleMetric('seconds_behind')).toBe(theirs);
  });
});
