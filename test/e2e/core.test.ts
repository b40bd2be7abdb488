import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  MetricsManager,
  MetricsPusher,
  NubiumMetricsModule,
  type MetricsModuleOptions,
} from '../../lib';
import { DNS_SERVER, HEADLESS_NAME, PUSHGATEWAY_ADDRS } from '../support/stack-config';
import {
  cleanUpGroupEverywhere,
  deleteGroupEverywhere,
  findSample,
  pushRaw,
  queryPrometheus,
  readPushgateway,
  startPushgateway,
  stopPushgateway,
  waitFor,
  wipeAllPushgateways,
  type Sample,
} from '../support/stack';

const RUN = `${process.pid}-${Date.now().toString(36)}`;

class OrderRejected extends Error {}
class PaymentTimeout extends Error {}

/** What a Kafka app does with the manager: N consumed, M produced, E errors of two types. */
@Injectable()
class OrdersWorker {
  constructor(readonly metrics: MetricsManager) {}

  process(consumed: number, produced: number, rejected: number, timeouts: number): void {
    for (let i = 0; i < consumed; i++) this.metrics.incMessagesConsumed('orders');
    for (let i = 0; i < produced; i++) this.metrics.incMessagesProduced('invoices');
    for (let i = 0; i < rejected; i++) this.metrics.incMessageErrors(new OrderRejected('rejected'));
    for (let i = 0; i < timeouts; i++) this.metrics.incMessageErrors(new PaymentTimeout('slow'));
  }
}

const apps: INestApplicationContext[] = [];
const jobs: string[] = [];

async function startApp(job: string, options: MetricsModuleOptions = {}) {
  @Module({
    imports: [
      NubiumMetricsModule.forRoot({
        job,
        app: 'orders',
        serviceName: HEADLESS_NAME,
        dnsServers: [DNS_SERVER],
        pushRateSeconds: 1,
        ...options,
      }),
    ],
    providers: [OrdersWorker],
  })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  await app.init();
  apps.push(app);
  jobs.push(job);
  return { app, worker: app.get(OrdersWorker), pusher: app.get(MetricsPusher) };
}

function valuesOn(samples: Sample[], job: string) {
  return {
    consumed: findSample(samples, 'messages_consumed', { job, app: 'orders', topic: 'orders' }),
    produced: findSample(samples, 'messages_produced', { job, app: 'orders', topic: 'invoices' }),
    rejected: findSample(samples, 'messages_errors', {
      job,
      app: 'orders',
      exception: 'OrderRejected',
    }),
    timeouts: findSample(samples, 'messages_errors', {
      job,
      app: 'orders',
      exception: 'PaymentTimeout',
    }),
  };
}

/** Polls one gateway until it holds `expected` for `job`. */
function expectOnGateway(addr: string, job: string, expected: ReturnType<typeof valuesOn>) {
  return waitFor(
    async () => {
      const values = valuesOn(await readPushgateway(addr), job);
      return JSON.stringify(values) === JSON.stringify(expected) ? values : undefined;
    },
    { timeoutMs: 10_000, what: `${JSON.stringify(expected)} for ${job} on ${addr}` },
  );
}

beforeAll(async () => {
  await waitFor(async () => ((await readPushgateway(PUSHGATEWAY_ADDRS[0])) ? true : undefined), {
    timeoutMs: 5000,
    what: 'the local stack (run `bash scripts/stack.sh up`)',
  });
});

afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
  await Promise.all(PUSHGATEWAY_ADDRS.map((_, i) => startPushgateway(i).catch(() => undefined)));
});

afterAll(async () => {
  for (const job of jobs) await cleanUpGroupEverywhere(job);
});

describe('NubiumMetricsModule end to end', () => {
  it('lands exact counts on every cache pod found through the DNS name, and in Prometheus', async () => {
    const job = `core-e2e-${RUN}`;
    const { worker } = await startApp(job);
    worker.process(25, 17, 3, 2);
    const expected = { consumed: 25, produced: 17, rejected: 3, timeouts: 2 };
    for (const addr of PUSHGATEWAY_ADDRS) await expectOnGateway(addr, job, expected);

    const fromPrometheus = await waitFor(
      async () => {
        const rows = await queryPrometheus(`{__name__=~"messages_.*", job="${job}"}`);
        // With honor_labels the three gateways' copies of a group carry identical labels
        // (the Pushgateway sets instance=""), so Prometheus holds one series per metric, as
        // it does behind the ClusterIP Service: every copy must have the same value.
        const byKey = new Map<string, Set<number>>();
        for (const r of rows) {
          const key = `${r.metric.__name__}/${r.metric.topic ?? r.metric.exception}`;
          byKey.set(key, (byKey.get(key) ?? new Set()).add(r.value));
        }
        return byKey.size === 4 ? byKey : undefined;
      },
      { timeoutMs: 20_000, what: `Prometheus to scrape ${job}` },
    );
    expect(Object.fromEntries([...fromPrometheus].map(([k, v]) => [k, [...v]]))).toEqual({
      'messages_consumed/orders': [25],
      'messages_produced/invoices': [17],
      'messages_errors/OrderRejected': [3],
      'messages_errors/PaymentTimeout': [2],
    });
    const labels = (await queryPrometheus(`messages_consumed{job="${job}"}`))[0].metric;
    expect(labels).toMatchObject({ app: 'orders', job, topic: 'orders' });
  });

  it('pushes to the remaining pods when one is down, names it, and refills it when it comes back empty', async () => {
    const job = `core-ha-${RUN}`;
    const { worker, pusher } = await startApp(job);
    worker.process(10, 5, 1, 0);
    for (const addr of PUSHGATEWAY_ADDRS)
      await expectOnGateway(addr, job, {
        consumed: 10,
        produced: 5,
        rejected: 1,
        timeouts: undefined,
      });

    await stopPushgateway(1);
    const stoppedAt = new Date();
    worker.process(4, 0, 0, 1);
    const report = await waitFor(
      async () => {
        const r = pusher.lastReport;
        return r && r.startedAt > stoppedAt && r.targets.length === 3 ? r : undefined;
      },
      { timeoutMs: 10_000, what: 'a push cycle after the stop' },
    );
    expect(report.targets.map((t) => [t.address, t.ok])).toEqual([
      ['127.0.0.2', true],
      ['127.0.0.3', false],
      ['127.0.0.4', true],
    ]);
    expect(report.targets[1].reason).toBe('refused');
    const after = { consumed: 14, produced: 5, rejected: 1, timeouts: 1 };
    await expectOnGateway('127.0.0.2', job, after);
    await expectOnGateway('127.0.0.4', job, after);

    await startPushgateway(1);
    // It restarted empty: the next cycle gives it every current value.
    await expectOnGateway('127.0.0.3', job, after);
  });

  it('is accepted beside groups the original Python library pushed as gauges', async () => {
    const legacyJob = `legacy-python-${RUN}`;
    const legacy = [
      '# HELP messages_consumed Number of messages consumed',
      '# TYPE messages_consumed gauge',
      `messages_consumed{app="legacy",job="${legacyJob}",topic="orders"} 12`,
      '# HELP messages_errors Number of errors',
      '# TYPE messages_errors gauge',
      `messages_errors{app="legacy",job="${legacyJob}",exception="KeyError"} 2`,
      '',
    ].join('\n');
    for (const addr of PUSHGATEWAY_ADDRS)
      expect(await pushRaw(addr, `job/${legacyJob}`, legacy)).toBeLessThan(300);
    jobs.push(legacyJob);

    const job = `core-mixed-${RUN}`;
    const { worker, pusher } = await startApp(job, { pushRateSeconds: 3600 });
    worker.process(3, 2, 1, 0);
    const report = await pusher.pushNow();
    expect(report.targets.map((t) => [t.ok, t.status])).toEqual([
      [true, 200],
      [true, 200],
      [true, 200],
    ]);
    for (const addr of PUSHGATEWAY_ADDRS) {
      const samples = await readPushgateway(addr);
      expect(valuesOn(samples, job)).toEqual({
        consumed: 3,
        produced: 2,
        rejected: 1,
        timeouts: undefined,
      });
      expect(findSample(samples, 'messages_consumed', { job: legacyJob, topic: 'orders' })).toBe(
        12,
      );
    }
  });

  it("pushes counters with metricType counter on gateways without the original's gauges", async () => {
    await wipeAllPushgateways();
    const job = `core-counter-${RUN}`;
    const { worker, pusher } = await startApp(job, {
      pushRateSeconds: 3600,
      metricType: 'counter',
    });
    worker.process(6, 6, 0, 0);
    const report = await pusher.pushNow();
    expect(report.succeeded).toBe(3);
    for (const addr of PUSHGATEWAY_ADDRS) {
      const text = await (await fetch(`http://${addr}:9091/metrics`)).text();
      expect(text).toContain('# TYPE messages_consumed counter');
      expect(valuesOn(await readPushgateway(addr), job).consumed).toBe(6);
    }
    // Counters left on the gateways would make every later gauge push fail with HTTP 400:
    // close first (its final push re-adds them), then delete the group.
    await apps.pop()!.close();
    await deleteGroupEverywhere(job);
  });

  it('makes a final push on app.close() that lands on every pod', async () => {
    const job = `core-close-${RUN}`;
    const { app, worker, pusher } = await startApp(job, { pushRateSeconds: 3600 });
    worker.process(9, 8, 0, 7);
    apps.splice(apps.indexOf(app), 1);
    await app.close();
    expect(pusher.lastReport?.succeeded, JSON.stringify(pusher.lastReport)).toBe(3);
    for (const addr of PUSHGATEWAY_ADDRS) {
      expect(valuesOn(await readPushgateway(addr), job)).toEqual({
        consumed: 9,
        produced: 8,
        rejected: undefined,
        timeouts: 7,
      });
    }
  });
});
