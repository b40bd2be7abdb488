// The app's own metrics (made with makeHistogramProvider / makeCounterProvider and injected with
// @InjectMetric) and the original's later external_requests and custom metrics, pushed by the
// module to the stack's three Pushgateways and read back from each of them.
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InjectMetric } from '../../lib/decorators/inject-metric.decorator';
import {
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '../../lib/metrics/metric.providers';
import { MetricsManager, MetricsPusher, NubiumMetricsModule } from '../../lib';
import { restoreStack, STACK_OPTIONS } from '../support/faults';
import { deletePushgatewayGroup, findSample, readPushgateway, type Sample } from '../support/stack';
import { PUSHGATEWAY_ADDRS, PUSHGATEWAY_PORT } from '../support/stack-config';

const APP = 'own-metrics-app';
const GROUPING = { worker: '7' };
const BUCKETS = [0.0625, 0.5, 2, 5];
// Powers of two and their sums are exact in floating point: the sum can be compared exactly.
const OBSERVED = [0.03125, 0.25, 0.5, 1.5, 4, 8];
const HOSTILE_ENDPOINT = '/leads?q="x"\\y\nz ☃';

@Injectable()
class Orders {
  constructor(
    @InjectMetric('own_orders_latency_seconds') readonly latency: Histogram,
    @InjectMetric('own_orders_total') readonly orders: Counter<'channel'>,
    @InjectMetric('own_orders_queue') readonly queue: Gauge<'app' | 'job' | 'worker'>,
  ) {}
}

@Module({
  providers: [
    Orders,
    makeHistogramProvider({
      name: 'own_orders_latency_seconds',
      help: 'Order handling time',
      buckets: BUCKETS,
    }),
    makeCounterProvider({ name: 'own_orders_total', help: 'Orders', labelNames: ['channel'] }),
    makeGaugeProvider({
      name: 'own_orders_queue',
      help: 'Queued',
      labelNames: ['app', 'job', 'worker'],
    }),
  ],
})
class OrdersModule {}

function rootModule(job: string) {
  @Module({
    imports: [
      NubiumMetricsModule.forRoot({ ...STACK_OPTIONS, app: APP, job, groupingLabels: GROUPING }),
      OrdersModule,
    ],
  })
  class OwnMetricsAppModule {}
  return OwnMetricsAppModule;
}

/** The `# TYPE` of every metric family a Pushgateway serves. */
async function familyTypes(addr: string): Promise<Map<string, string>> {
  const url = `http://${addr}:${PUSHGATEWAY_PORT}/metrics`;
  const text = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [hash, kind, name, type] = line.split(' ');
    if (hash === '#' && kind === 'TYPE') types.set(name, type);
  }
  return types;
}

/** The one sample of `name` in `job`'s group with these labels, and all of its labels. */
function sampleOf(samples: Sample[], name: string, labels: Record<string, string>): Sample {
  const matches = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  expect(matches, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return matches[0];
}

describe("the app's own metrics, external_requests and custom metrics on a real metrics cache", () => {
  let app: INestApplicationContext | undefined;
  const jobs: string[] = [];

  async function start(test: string): Promise<INestApplicationContext> {
    const job = `own-metrics-${test}-${process.pid}-${Date.now()}`;
    jobs.push(job);
    app = await NestFactory.createApplicationContext(rootModule(job), { logger: false });
    return app;
  }

  beforeAll(async () => {
    await restoreStack();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const job of jobs.splice(0)) {
      for (const addr of PUSHGATEWAY_ADDRS) {
        await deletePushgatewayGroup(addr, job, GROUPING).catch(() => undefined);
      }
    }
  });

  it('a histogram and a counter from the providers, external_requests and a custom metric reach every Pushgateway with exact values', async () => {
    const context = await start('values');
    const job = jobs[0];
    const orders = context.get(Orders);
    const manager = context.get(MetricsManager);
    for (const value of OBSERVED) orders.latency.observe(value);
    orders.orders.inc({ channel: 'web' }, 3);
    orders.orders.inc({ channel: 'mail' }, 2);
    const crm = {
      requestTo: 'crm',
      requestEndpoint: '/leads',
      requestType: 'POST',
      isBulk: true,
      statusCode: 201,
    };
    manager.incExternalRequests(crm, 4);
    manager.incExternalRequests(crm);
    manager.incExternalRequests({ requestTo: 'crm', requestEndpoint: HOSTILE_ENDPOINT }, 2);
    manager.registerCustomMetric('own_leads_enriched', 'Leads enriched');
    manager.incCustomMetric('own_leads_enriched', 2);
    manager.incCustomMetric('own_leads_enriched', 3);
    manager.incCustomMetric('own_not_registered', 9);

    const report = await context.get(MetricsPusher).pushNow();

    expect(report.targets.map((t) => t.ok)).toEqual([true, true, true]);
    for (const addr of PUSHGATEWAY_ADDRS) {
      const samples = (await readPushgateway(addr)).filter((s) => s.labels.job === job);
      const bucket = (le: string) =>
        findSample(samples, 'own_orders_latency_seconds_bucket', { le });
      expect([...BUCKETS.map(String), '+Inf'].map(bucket), addr).toEqual(
        [...BUCKETS, Infinity].map((le) => OBSERVED.filter((v) => v <= le).length),
      );
      expect(findSample(samples, 'own_orders_latency_seconds_sum'), addr).toBe(
        OBSERVED.reduce((a, b) => a + b, 0),
      );
      expect(findSample(samples, 'own_orders_latency_seconds_count'), addr).toBe(OBSERVED.length);
      expect(findSample(samples, 'own_orders_total', { channel: 'web' }), addr).toBe(3);
      expect(findSample(samples, 'own_orders_total', { channel: 'mail' }), addr).toBe(2);
      expect(
        findSample(samples, 'external_requests', {
          app: APP,
          request_to: 'crm',
          request_endpoint: '/leads',
          request_type: 'POST',
          is_bulk: '1',
          status_code: '201',
        }),
        addr,
      ).toBe(5);
      expect(
        findSample(samples, 'external_requests', {
          request_endpoint: HOSTILE_ENDPOINT,
          is_bulk: '0',
          status_code: '200',
        }),
        addr,
      ).toBe(2);
      expect(
        findSample(samples, 'own_leads_enriched', { app: APP, topic: 'own_leads_enriched' }),
        addr,
      ).toBe(5);
      expect(
        samples.filter((s) => s.name === 'own_not_registered'),
        addr,
      ).toEqual([]);
      const types = await familyTypes(addr);
      expect(
        [
          'own_orders_latency_seconds',
          'own_orders_total',
          'external_requests',
          'own_leads_enriched',
        ].map((name) => types.get(name)),
        addr,
      ).toEqual(['histogram', 'counter', 'gauge', 'gauge']);
    }
  });

  it("gives the app's own metrics job and the grouping labels from the push, and app only when they carry it", async () => {
    const context = await start('labels');
    const job = jobs[0];
    const orders = context.get(Orders);
    orders.orders.inc({ channel: 'web' });
    // Job and grouping labels of the app's own are replaced by the grouping key's.
    orders.queue.set({ app: 'orders-by-hand', job: 'not-the-pod', worker: '99' }, 4);
    context.get(MetricsManager).incExternalRequests({ requestTo: 'crm' });

    await context.get(MetricsPusher).pushNow();

    for (const addr of PUSHGATEWAY_ADDRS) {
      const samples = (await readPushgateway(addr)).filter((s) => s.labels.job === job);
      const pushed = { job, ...GROUPING, instance: '' };
      expect(sampleOf(samples, 'own_orders_total', {}).labels, addr).toEqual({
        channel: 'web',
        ...pushed,
      });
      expect(sampleOf(samples, 'own_orders_latency_seconds_count', {}).labels, addr).toEqual(
        pushed,
      );
      expect(sampleOf(samples, 'own_orders_queue', {}), addr).toEqual({
        name: 'own_orders_queue',
        labels: { app: 'orders-by-hand', ...pushed },
        value: 4,
      });
      expect(sampleOf(samples, 'external_requests', {}).labels, addr).toEqual({
        app: APP,
        request_to: 'crm',
        request_endpoint: '',
        request_type: '',
        is_bulk: '0',
        status_code: '200',
        ...pushed,
      });
    }
  });
});
