import { randomBytes } from 'node:crypto';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Registry } from 'prom-client';
import { MetricsManager } from '../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../lib/metrics.options';
import { MetricsPusher } from '../../lib/pusher/metrics.pusher';
import { fillSeries, uncapped } from './registries';

// scripts/config.sh is the source of these addresses.
export const PUSHGATEWAYS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
export const HEADLESS_NAME = 'metrics-cache-headless.nubium.test';
export const DNS_SERVER = '127.0.0.1:5353';

/** A job name of this run only, so the benchmark never overwrites a test's group. */
export function benchJob(): string {
  return `bench-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * A pusher for one registry: to all three Pushgateways through the headless name, or to the
 * first one by address. The interval is never started: cycles run only through `pushNow()`.
 */
export function makePusher(registry: Registry, job: string, targets: 'all' | 'one'): MetricsPusher {
  const options = resolveMetricsOptions(
    {
      job,
      app: 'bench-app',
      serviceName: targets === 'all' ? HEADLESS_NAME : PUSHGATEWAYS[0],
      dnsServers: targets === 'all' ? [DNS_SERVER] : undefined,
      pushRateSeconds: 60,
      pushTimeoutMs: 20_000,
      deleteOnShutdown: true,
      shutdownTimeoutMs: 10_000,
    },
    {},
  );
  return new MetricsPusher(options, registry, new SchedulerRegistry());
}

/** A registry holding `series` series of the standard metrics (plus the pusher's own, once a pusher is made). */
export function filledRegistry(
  series: number,
  job: string,
): { registry: Registry; manager: MetricsManager } {
  const registry = new Registry();
  const options = resolveMetricsOptions(
    { job, app: 'bench-app', pushEnabled: false, ...uncapped(series) },
    {},
  );
  const manager = new MetricsManager(options, registry);
  fillSeries(manager, series);
  return { registry, manager };
}

/** Fails with what to run when the Pushgateways are not up. */
export async function assertPushgateways(): Promise<void> {
  for (const address of PUSHGATEWAYS) {
    const res = await fetch(`http://${address}:9091/-/ready`, {
      signal: AbortSignal.timeout(3000),
    }).catch((e: Error) => e);
    if (res instanceof Error || !res.ok)
      throw new Error(`Pushgateway ${address}:9091 is not ready: run bash scripts/stack.sh up`);
  }
}
