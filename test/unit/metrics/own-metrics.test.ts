// The app's own metrics through this module's providers: makeCounterProvider & co. create them in
// the module's registry, @InjectMetric injects them.
import { Injectable, Module } from '@nestjs/common';
import { getToken as willsotoToken } from '@willsoto/nestjs-prometheus';
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { InjectMetric } from '../../../lib/decorators/inject-metric.decorator';
import { MetricsManager, NubiumMetricsModule } from '../../../lib';
import { getMetricToken } from '../../../lib/metrics/metric-token';
import {
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
  makeSummaryProvider,
} from '../../../lib/metrics/metric.providers';
import { useAppContexts } from '../../support/app-contexts';

const base = { job: 'pod-1', app: 'orders', pushEnabled: false };
const { boot } = useAppContexts();

const ordersCounter = makeCounterProvider({
  name: 'orders_created_total',
  help: 'Orders created',
  labelNames: ['channel'],
});
const queueGauge = makeGaugeProvider({ name: 'orders_queue_depth', help: 'Queued orders' });
const latency = makeHistogramProvider({
  name: 'orders_latency_seconds',
  help: 'Order handling time',
  buckets: [0.1, 1],
});
const sizes = makeSummaryProvider({ name: 'orders_size_bytes', help: 'Order sizes' });

@Injectable()
class Orders {
  constructor(
    @InjectMetric('orders_created_total') readonly created: Counter<'channel'>,
    @InjectMetric('orders_queue_depth') readonly queue: Gauge,
    @InjectMetric('orders_latency_seconds') readonly latency: Histogram,
    @InjectMetric('orders_size_bytes') readonly sizes: Summary,
  ) {}
}

describe("the app's own metrics", () => {
  it('are created in the module registry by the providers the app module lists, and injected by name', async () => {
    @Module({ providers: [Orders, ordersCounter, queueGauge, latency, sizes], exports: [Orders] })
    class OrdersModule {}
    @Module({ imports: [NubiumMetricsModule.forRoot(base), OrdersModule] })
    class AppModule {}
    const app = await boot(AppModule);
    const orders = app.get(Orders);
    orders.created.inc({ channel: 'web' }, 2);
    orders.queue.set(7);
    orders.latency.observe(0.5);
    orders.sizes.observe(100);

    const text = await app.get(MetricsManager).registry.metrics();
    expect(text).toContain('orders_created_total{channel="web"} 2');
    expect(text).toContain('orders_queue_depth 7');
    expect(text).toContain('orders_latency_seconds_bucket{le="0.1"} 0');
    expect(text).toContain('orders_latency_seconds_bucket{le="1"} 1');
    expect(text).toContain('orders_size_bytes_count 1');
    expect(orders.created).toBeInstanceOf(Counter);
    expect(app.get(getMetricToken('orders_latency_seconds'))).toBe(orders.latency);
  });

  it('work when the module is not global, in a module that imports it', async () => {
    @Module({
      imports: [NubiumMetricsModule.forRoot({ ...base, isGlobal: false })],
      providers: [Orders, ordersCounter, queueGauge, latency, sizes],
    })
    class AppModule {}
    const app = await boot(AppModule);
    app.get(Orders).created.inc({ channel: 'mail' });

    expect(await app.get(MetricsManager).registry.metrics()).toContain(
      'orders_created_total{channel="mail"} 1',
    );
  });

  it('go into the registry given by the registry option', async () => {
    const registry = new Registry();
    @Module({
      imports: [NubiumMetricsModule.forRoot({ ...base, registry })],
      providers: [Orders, ordersCounter, queueGauge, latency, sizes],
    })
    class AppModule {}
    const app = await boot(AppModule);
    app.get(Orders).queue.set(3);

    expect(await registry.getSingleMetricAsString('orders_queue_depth')).toContain(
      'orders_queue_depth 3',
    );
  });

  it('share one metric when two modules list the same provider', async () => {
    @Injectable()
    class Other {
      constructor(@InjectMetric('orders_created_total') readonly created: Counter<'channel'>) {}
    }
    @Module({ providers: [Orders, ordersCounter, queueGauge, latency, sizes], exports: [Orders] })
    class OrdersModule {}
    @Module({ providers: [Other, ordersCounter], exports: [Other] })
    class OtherModule {}
    @Module({ imports: [NubiumMetricsModule.forRoot(base), OrdersModule, OtherModule] })
    class AppModule {}
    const app = await boot(AppModule);
    app.get(Orders).created.inc({ channel: 'web' });
    app.get(Other).created.inc({ channel: 'web' });

    expect(app.get(Other).created).toBe(app.get(Orders).created);
    expect(await app.get(MetricsManager).registry.metrics()).toContain(
      'orders_created_total{channel="web"} 2',
    );
  });

  it.each([
    [
      'a standard metric of the module',
      makeGaugeProvider({ name: 'messages_consumed', help: 'x' }),
    ],
    [
      'a metric of the same name and another type',
      makeGaugeProvider({ name: 'orders_created_total', help: 'x', labelNames: ['channel'] }),
    ],
    [
      'a metric of the same name and other labels',
      makeCounterProvider({ name: 'orders_created_total', help: 'x', labelNames: ['shop'] }),
    ],
  ])('fail start-up with a clear error when the name is taken by %s', async (_, clash) => {
    @Module({ providers: [ordersCounter] })
    class OrdersModule {}
    @Module({ providers: [clash] })
    class ClashModule {}
    @Module({ imports: [NubiumMetricsModule.forRoot(base), OrdersModule, ClashModule] })
    class AppModule {}

    await expect(boot(AppModule)).rejects.toThrow(
      /^NubiumMetricsModule: make(Gauge|Counter)Provider\(\{ name: "(messages_consumed|orders_created_total)" \}\): the registry already has a metric of that name/,
    );
  });

  it.each([
    ['orders-total', 'Invalid metric name'],
    ['nubium_metrics_mine', 'reserved for the module'],
  ])('fail start-up naming the provider for the name %j', async (name, reason) => {
    @Module({ providers: [makeCounterProvider({ name, help: 'x' })] })
    class BadModule {}
    @Module({ imports: [NubiumMetricsModule.forRoot(base), BadModule] })
    class AppModule {}

    const failure = boot(AppModule);
    await expect(failure).rejects.toThrow(
      `NubiumMetricsModule: makeCounterProvider({ name: "${name}" }): `,
    );
    await expect(failure).rejects.toThrow(reason);
  });

  it("use tokens of their own, apart from @willsoto/nestjs-prometheus' for the same name", () => {
    expect(getMetricToken('orders_total')).not.toBe(willsotoToken('orders_total'));
    expect(getMetricToken('Orders_total')).not.toBe(getMetricToken('orders_total'));
  });
});
