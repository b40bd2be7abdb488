import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MetricsManager } from '../../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import type { MetricsModuleOptions } from '../../../lib/interfaces/metrics-options.interface';
import { MetricsPusher } from '../../../lib/pusher/metrics.pusher';
import { TargetDiscovery } from '../../../lib/pusher/target-discovery';

// In-process stand-ins for cache pods, each on its own loopback address and one shared port,
// as the pods of a StatefulSet share their port.
type Behaviour = 'ok' | 'hang' | 'error500' | 'error400';
interface FakePod {
  address: string;
  behaviour: Behaviour;
  requests: { method: string; url: string; body: string }[];
  connections: number;
  server: Server;
}

const ADDRESSES = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
let pods: FakePod[] = [];
let pushers: MetricsPusher[] = [];

async function startPods(behaviours: Behaviour[]): Promise<number> {
  let port = 0;
  for (const [i, behaviour] of behaviours.entries()) {
    const pod: FakePod = {
      address: ADDRESSES[i],
      behaviour,
      requests: [],
      connections: 0,
      server: undefined as never,
    };
    pod.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        pod.requests.push({
          method: req.method!,
          url: req.url!,
          body: Buffer.concat(chunks).toString(),
        });
        if (pod.behaviour === 'hang') return;
        if (pod.behaviour === 'error500') return void res.writeHead(500).end('boom');
        if (pod.behaviour === 'error400') return void res.writeHead(400).end('unsupported path');
        res.writeHead(200).end();
      });
    });
    pod.server.on('connection', () => pod.connections++);
    await new Promise<void>((resolve) => pod.server.listen(port, pod.address, resolve));
    port = (pod.server.address() as AddressInfo).port;
    pods.push(pod);
  }
  return port;
}

function makePusher(podPort: number, options: MetricsModuleOptions = {}) {
  const resolved = resolveMetricsOptions(
    {
      job: 'pod-1',
      app: 'orders',
      serviceName: 'cache.test',
      podPort,
      pushRateSeconds: 1,
      ...options,
    },
    {},
  );
  const registry = new Registry();
  const manager = new MetricsManager(resolved, registry);
  const scheduler = new SchedulerRegistry();
  const pusher = new MetricsPusher(resolved, registry, scheduler);
  pushers.push(pusher);
  return { pusher, manager, registry, scheduler };
}

function resolveTo(addresses: string[], delayMs = 0) {
  return vi.spyOn(TargetDiscovery.prototype, 'discover').mockImplementation(async () => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return { targets: addresses, source: 'dns' };
  });
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const p of pushers) await p.onApplicationShutdown();
  for (const pod of pods) {
    pod.server.closeAllConnections();
    await new Promise((r) => pod.server.close(r));
  }
  pods = [];
  pushers = [];
});

describe('MetricsPusher', () => {
  it('PUTs the same serialised registry to every pod under the job grouping key', async () => {
    const port = await startPods(['ok', 'ok', 'ok']);
    resolveTo(ADDRESSES);
    const { pusher, manager } = makePusher(port);
    manager.incMessagesConsumed('orders', 7);
    const report = await pusher.pushNow();
    expect(report).toMatchObject({ kind: 'push', ok: true, succeeded: 3 });
    expect(report.targets.map((t) => [t.address, t.ok, t.status])).toEqual(
      ADDRESSES.map((a) => [a, true, 200]),
    );
    const bodies = pods.map((p) => p.requests[0]);
    for (const request of bodies) {
      expect(request.method).toBe('PUT');
      expect(request.url).toBe('/metrics/job/pod-1');
      expect(request.body).toBe(bodies[0].body);
    }
    expect(bodies[0].body).toContain(
      'messages_consumed{app="orders",job="pod-1",topic="orders"} 7',
    );
    expect(report.bytes).toBe(Buffer.byteLength(bodies[0].body));
    expect(pusher.lastReport).toBe(report);
  });

  it('pushes to the remaining pods when one refuses, and names the failed one', async () => {
    const port = await startPods(['ok', 'ok']);
    resolveTo([...ADDRESSES.slice(0, 2), '127.0.0.14']);
    const { pusher, registry } = makePusher(port);
    const report = await pusher.pushNow();
    expect(report.succeeded).toBe(2);
    const failed = report.targets.find((t) => !t.ok)!;
    expect(failed).toMatchObject({ address: '127.0.0.14', reason: 'refused' });
    expect(failed.error).toContain('ECONNREFUSED');
    const text = await registry.metrics();
    expect(text).toContain(
      'nubium_metrics_push_failures_total{app="orders",target="127.0.0.14",reason="refused"} 1',
    );
    expect(text).toMatch(
      /nubium_metrics_push_last_success_timestamp_seconds\{app="orders",target="127.0.0.11"\} \d+/,
    );
  });

  it('reports an HTTP error with its status and body', async () => {
    const port = await startPods(['error500']);
    resolveTo([ADDRESSES[0]]);
    const { pusher } = makePusher(port);
    const report = await pusher.pushNow();
    expect(report.targets[0]).toMatchObject({
      ok: false,
      status: 500,
      error: 'HTTP 500: boom',
      reason: 'http_500',
    });
    expect(report.ok).toBe(false);
  });

  it('does not let a pod that never answers delay the others, and times it out', async () => {
    const port = await startPods(['ok', 'hang', 'ok']);
    resolveTo(ADDRESSES);
    const { pusher } = makePusher(port, { pushTimeoutMs: 300 });
    const report = await pusher.pushNow();
    const [first, hung, third] = report.targets;
    expect(hung).toMatchObject({ ok: false, error: 'timeout', reason: 'timeout' });
    expect(hung.durationMs).toBeGreaterThanOrEqual(290);
    expect(first.ok && third.ok).toBe(true);
    expect(first.durationMs).toBeLessThan(hung.durationMs);
    expect(third.durationMs).toBeLessThan(hung.durationMs);
  });

  it('keeps one connection per pod alive across cycles', async () => {
    const port = await startPods(['ok', 'ok']);
    resolveTo(ADDRESSES.slice(0, 2));
    const { pusher } = makePusher(port);
    for (let i = 0; i < 5; i++) expect((await pusher.pushNow()).succeeded).toBe(2);
    expect(pods.map((p) => [p.requests.length, p.connections])).toEqual([
      [5, 1],
      [5, 1],
    ]);
  });

  it('never overlaps cycles: a tick during a running cycle is skipped and counted', async () => {
    const port = await startPods(['ok']);
    let running = 0;
    let maxRunning = 0;
    vi.spyOn(TargetDiscovery.prototype, 'discover').mockImplementation(async () => {
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise((r) => setTimeout(r, 130));
      running--;
      return { targets: [ADDRESSES[0]], source: 'dns' };
    });
    const { pusher, registry } = makePusher(port, { pushRateSeconds: 0.05, pushTimeoutMs: 50 });
    pusher.onApplicationBootstrap();
    const deadline = Date.now() + 5000;
    while (pods[0].requests.length < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await pusher.onApplicationShutdown();
    expect(pods[0].requests.length).toBeGreaterThanOrEqual(3);
    expect(maxRunning).toBe(1);
    const skipped = (
      await registry.getSingleMetric('nubium_metrics_push_cycles_skipped_total')!.get()
    ).values[0].value;
    expect(skipped).toBeGreaterThan(0);
  });

  it('registers its interval with the SchedulerRegistry and removes it on shutdown', async () => {
    const port = await startPods(['ok']);
    resolveTo([ADDRESSES[0]]);
    const { pusher, scheduler } = makePusher(port);
    pusher.onApplicationBootstrap();
    expect(scheduler.getIntervals()).toEqual(['nubium-metrics-push']);
    await pusher.onApplicationShutdown();
    expect(scheduler.getIntervals()).toEqual([]);
  });

  it('makes one final push on shutdown', async () => {
    const port = await startPods(['ok', 'ok']);
    resolveTo(ADDRESSES.slice(0, 2));
    const { pusher, manager } = makePusher(port);
    manager.incMessagesProduced('invoices', 3);
    await pusher.onApplicationShutdown();
    for (const pod of pods) {
      expect(pod.requests).toHaveLength(1);
      expect(pod.requests[0].body).toContain(
        'messages_produced{app="orders",job="pod-1",topic="invoices"} 3',
      );
    }
  });

  it('deletes the group from every pod on shutdown with deleteOnShutdown', async () => {
    const port = await startPods(['ok', 'ok']);
    resolveTo(ADDRESSES.slice(0, 2));
    const { pusher } = makePusher(port, { deleteOnShutdown: true, job: 'team/pod 1' });
    await pusher.onApplicationShutdown();
    for (const pod of pods) {
      expect(pod.requests.map((r) => [r.method, r.url])).toEqual([
        // 'team/pod 1' in base64url, written out: the Pushgateway's @base64 form of a job with '/'.
        ['DELETE', '/metrics/job@base64/dGVhbS9wb2QgMQ'],
      ]);
    }
  });

  it('bounds the final push by shutdownTimeoutMs when a pod never answers', async () => {
    const port = await startPods(['hang']);
    resolveTo([ADDRESSES[0]]);
    const { pusher } = makePusher(port, { shutdownTimeoutMs: 200, pushTimeoutMs: 1000 });
    const started = Date.now();
    await pusher.onApplicationShutdown();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(pods[0].requests).toHaveLength(1);
  });

  it('sends basic auth credentials', async () => {
    const port = await startPods(['ok']);
    let authorization: string | undefined;
    pods[0].server.prependListener(
      'request',
      (req: IncomingMessage) => (authorization = req.headers.authorization),
    );
    resolveTo([ADDRESSES[0]]);
    const { pusher } = makePusher(port, { auth: { username: 'pusher', password: 's3cret' } });
    await pusher.pushNow();
    // 'pusher:s3cret' in base64 (RFC 7617), written out.
    expect(authorization).toBe('Basic cHVzaGVyOnMzY3JldA==');
  });

  it("pushes registry.metrics()'s text, with a warning, when the sliced serialiser cannot read prom-client's counters", async () => {
    const port = await startPods(['ok', 'ok']);
    resolveTo(ADDRESSES.slice(0, 2));
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { pusher, manager, registry } = makePusher(port);
    manager.incMessagesConsumed('orders', 7);
    // A prom-client whose counter reader throws on the serialiser's view of the metric.
    const read = Counter.prototype.get;
    vi.spyOn(Counter.prototype, 'get').mockImplementation(function (this: Counter) {
      if (Object.getPrototypeOf(this) === Counter.prototype) return read.call(this);
      return Promise.reject(new TypeError('Cannot read private member #series'));
    });
    const whole: string[] = [];
    const metrics = registry.metrics.bind(registry);
    vi.spyOn(registry, 'metrics').mockImplementation(async () => {
      whole.push(await metrics());
      return whole[whole.length - 1];
    });
    const report = await pusher.pushNow();
    expect(report).toMatchObject({ kind: 'push', ok: true, succeeded: 2 });
    expect(whole).toHaveLength(1);
    for (const pod of pods) expect(pod.requests[0].body).toBe(whole[0]);
    expect(whole[0]).toContain('messages_consumed{app="orders",job="pod-1",topic="orders"} 7');
    const fallbacks = warn.mock.calls.filter(([m]) => String(m).includes('in slices'));
    expect(fallbacks).toHaveLength(1);
    expect(String(fallbacks[0][0])).toContain('(Cannot read private member #series)');
  });

  it("pushes nothing and reports the error when the app's own collect callback throws", async () => {
    const port = await startPods(['ok']);
    resolveTo([ADDRESSES[0]]);
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { pusher, registry } = makePusher(port);
    new Gauge({
      name: 'app_broken',
      help: 'broken',
      registers: [registry],
      collect() {
        throw new Error('the app cannot collect');
      },
    });
    const report = await pusher.pushNow();
    expect(report).toMatchObject({
      ok: false,
      succeeded: 0,
      error: 'cannot serialise the registry: the app cannot collect',
    });
    expect(pods[0].requests).toHaveLength(0);
  });
});

describe('MetricsPusher with pushProtocol victoriametrics (in-process stand-ins for vmagent)', () => {
  const vm = { pushProtocol: 'victoriametrics', groupingLabels: { worker: '2' } } as const;

  it("POSTs the same body to every pod's import API, job and grouping labels as extra_label", async () => {
    const port = await startPods(['ok', 'ok']);
    resolveTo(ADDRESSES.slice(0, 2));
    const { pusher, manager, registry } = makePusher(port, vm);
    // An app metric with labels of its own named like the group's: the group's values win.
    new Gauge({
      name: 'app_queue',
      help: 'h',
      labelNames: ['job', 'worker', 'queue'],
      registers: [registry],
    }).set({ job: 'other', worker: '9', queue: 'q1' }, 4);
    manager.incMessagesConsumed('orders', 7);
    const report = await pusher.pushNow();
    expect(report).toMatchObject({ ok: true, succeeded: 2 });
    const [first, second] = pods.map((p) => p.requests[0]);
    for (const request of [first, second]) {
      expect(request.method).toBe('POST');
      expect(request.url).toBe(
        '/api/v1/import/prometheus?extra_label=job%3Dpod-1&extra_label=worker%3D2',
      );
    }
    expect(second.body).toBe(first.body);
    expect(first.body).toContain('messages_consumed{app="orders",topic="orders"} 7\n');
    expect(first.body).toContain('app_queue{queue="q1"} 4\n');
    expect(first.body).toContain('nubium_metrics_push_interval_seconds{app="orders"} 1\n');
    expect(first.body).not.toMatch(/[{,](job|worker)="/);
    expect(report.bytes).toBe(Buffer.byteLength(first.body));
  });

  it('counts a 4xx answer as a failed push of that pod, with its status', async () => {
    const port = await startPods(['ok', 'error400']);
    resolveTo(ADDRESSES.slice(0, 2));
    const { pusher, registry } = makePusher(port, vm);
    const report = await pusher.pushNow();
    expect(report.succeeded).toBe(1);
    expect(report.targets[1]).toMatchObject({
      address: ADDRESSES[1],
      ok: false,
      status: 400,
      reason: 'http_400',
      error: 'HTTP 400: unsupported path',
    });
    expect(await registry.metrics()).toContain(
      `nubium_metrics_push_failures_total{app="orders",target="${ADDRESSES[1]}",reason="http_400"} 1`,
    );
  });

  it('makes a final push, not a delete, on shutdown with deleteOnShutdown, and warns at start-up', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const port = await startPods(['ok']);
    resolveTo([ADDRESSES[0]]);
    const { pusher, manager } = makePusher(port, { ...vm, deleteOnShutdown: true });
    pusher.onApplicationBootstrap();
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining(
        'deleteOnShutdown has no meaning with pushProtocol "victoriametrics"',
      ),
    ]);
    manager.incMessagesProduced('invoices', 3);
    await pusher.onApplicationShutdown();
    expect(pods[0].requests.map((r) => r.method)).toEqual(['POST']);
    expect(pods[0].requests[0].body).toContain(
      'messages_produced{app="orders",topic="invoices"} 3',
    );
  });
});
