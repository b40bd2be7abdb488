// What the pusher logs of failures that last: DNS and per-pod, once when they start, again at most
// once a minute with the cycles failed since, and when they end. The clock is vitest's fake Date.
import { getServers } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../../lib/options/option-scope';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import type { MetricsModuleOptions } from '../../../lib/interfaces/metrics-options.interface';
import { MetricsPusher } from '../../../lib/pusher/metrics.pusher';
import { DiscoveryError, TargetDiscovery } from '../../../lib/pusher/target-discovery';

const T0 = Date.parse('2026-01-05T10:00:00.000Z');
let pushers: MetricsPusher[] = [];
let servers: Server[] = [];
let logged: { level: string; message: string }[] = [];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  for (const level of ['log', 'warn'] as const) {
    vi.spyOn(Logger.prototype, level).mockImplementation((message: unknown) => {
      logged.push({ level, message: String(message) });
    });
  }
});

afterEach(async () => {
  for (const p of pushers) await p.onApplicationShutdown();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((done) => s.close(done));
  }
  vi.useRealTimers();
  vi.restoreAllMocks();
  pushers = [];
  servers = [];
  logged = [];
});

function makePusher(options: MetricsModuleOptions, env: Env = {}): MetricsPusher {
  const resolved = resolveMetricsOptions(
    { job: 'pod-1', app: 'orders', serviceName: 'cache.test', pushRateSeconds: 1, ...options },
    env,
  );
  const registry = new Registry();
  const pusher = new MetricsPusher(resolved, registry, new SchedulerRegistry());
  pushers.push(pusher);
  return pusher;
}

/** A stand-in Pushgateway answering 200 on `address`, on `port` (0: any). */
async function startPod(address: string, port = 0): Promise<number> {
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()));
  await new Promise<void>((done) => server.listen(port, address, done));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

const warnings = () => logged.filter((l) => l.level === 'warn').map((l) => l.message);

describe('MetricsPusher: DNS failures name the resolver asked and the option that sets it', () => {
  it('names the DNS servers given in code and option dnsServers', async () => {
    // Nothing answers DNS on this loopback port: the query is refused or times out.
    const pusher = makePusher({ dnsServers: ['127.0.0.1:9'], dnsTimeoutMs: 200 });
    await pusher.pushNow();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(
      /^cannot resolve metrics cache "cache\.test": cache\.test: .+; no known pods, nothing pushed this cycle\. Asked 127\.0\.0\.1:9, set by option dnsServers$/,
    );
  });

  it('names env METRICS_DNS_SERVERS when the servers came from it', async () => {
    const pusher = makePusher({ dnsTimeoutMs: 200 }, { METRICS_DNS_SERVERS: '127.0.0.1:9' });
    await pusher.pushNow();
    expect(warnings()[0]).toMatch(/\. Asked 127\.0\.0\.1:9, set by env METRICS_DNS_SERVERS$/);
  });

  it("names the system resolver's servers, and the option and env var to ask others", async () => {
    vi.spyOn(TargetDiscovery.prototype, 'resolve').mockRejectedValue(
      new DiscoveryError('cache.test: ENOTFOUND', 'nxdomain'),
    );
    const pusher = makePusher({});
    await pusher.pushNow();
    expect(warnings()).toEqual([
      `cannot resolve metrics cache "cache.test": cache.test: ENOTFOUND; no known pods, nothing pushed this cycle. Asked the system resolver (${getServers().join(', ')}); option dnsServers or env METRICS_DNS_SERVERS sets the servers to ask instead`,
    ]);
  });
});

describe('MetricsPusher: failures that last are logged again at a bounded rate', () => {
  it('logs a DNS outage when it starts, once a minute with the cycles failed since, and when it ends', async () => {
    const resolve = vi
      .spyOn(TargetDiscovery.prototype, 'resolve')
      .mockRejectedValue(new DiscoveryError('cache.test: ENOTFOUND', 'nxdomain'));
    const pusher = makePusher({});

    for (const seconds of [0, 10, 20, 59]) {
      vi.setSystemTime(T0 + seconds * 1000);
      await pusher.pushNow();
    }
    expect(warnings()).toHaveLength(1);

    vi.setSystemTime(T0 + 60_000);
    await pusher.pushNow();
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toMatch(
      /^still cannot resolve metrics cache "cache\.test": cache\.test: ENOTFOUND; 4 more push cycle\(s\) failed since the last warning, failing since 2026-01-05T10:00:00\.000Z; no known pods, nothing pushed this cycle\. Asked the system resolver/,
    );

    vi.setSystemTime(T0 + 100_000);
    await pusher.pushNow();
    expect(warnings()).toHaveLength(2);

    resolve.mockResolvedValue(['127.0.0.9']);
    vi.setSystemTime(T0 + 110_000);
    await pusher.pushNow();
    expect(logged.filter((l) => l.level === 'log').map((l) => l.message)).toEqual([
      'metrics cache "cache.test" resolves again after 6 failed push cycle(s): 1 pod(s): 127.0.0.9',
    ]);
  });

  it("logs a pod's failed pushes when they start, once a minute with the cycles failed since, and when they end", async () => {
    // A stand-in pod on .11 sets the port; nothing listens on .14 until it comes back.
    const port = await startPod('127.0.0.11');
    vi.spyOn(TargetDiscovery.prototype, 'resolve').mockResolvedValue(['127.0.0.11', '127.0.0.14']);
    const pusher = makePusher({ podPort: port });
    const down = (m: string) => m.startsWith('push to metrics cache pod 127.0.0.14');

    for (const seconds of [0, 30, 59]) {
      vi.setSystemTime(T0 + seconds * 1000);
      expect((await pusher.pushNow()).succeeded).toBe(1);
    }
    expect(warnings().filter(down)).toEqual([
      expect.stringMatching(/^push to metrics cache pod 127\.0\.0\.14 failed: .*ECONNREFUSED/),
    ]);

    vi.setSystemTime(T0 + 61_000);
    await pusher.pushNow();
    expect(warnings().filter(down)).toHaveLength(2);
    expect(warnings().filter(down)[1]).toMatch(
      /^push to metrics cache pod 127\.0\.0\.14 still fails: .*ECONNREFUSED.*; 3 more push cycle\(s\) failed since the last warning, failing since 2026-01-05T10:00:00\.000Z$/,
    );

    await startPod('127.0.0.14', port);
    expect((await pusher.pushNow()).succeeded).toBe(2);
    expect(logged.filter((l) => l.level === 'log').map((l) => l.message)).toContain(
      'push to metrics cache pod 127.0.0.14 works again after 4 failed push cycle(s)',
    );
    expect(warnings().filter((m) => m.includes('127.0.0.11'))).toEqual([]);
  });
});
