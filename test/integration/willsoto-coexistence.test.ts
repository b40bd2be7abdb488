// An app that already uses @willsoto/nestjs-prometheus (which works on prom-client's global
// registry) and this module, sharing one registry in either direction.
import { Controller, Get, Injectable, Module, Res, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  InjectMetric,
  makeCounterProvider,
  PrometheusController,
  PrometheusModule,
} from '@willsoto/nestjs-prometheus';
import { Counter, register, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsManager, MetricsPusher, NubiumMetricsModule } from '../../lib';
import { DNS_SERVER, HEADLESS_NAME, PUSHGATEWAY_ADDRS } from '../support/stack-config';
import { deletePushgatewayGroup, findSample, readPushgateway } from '../support/stack';

@Injectable()
class Orders {
  constructor(@InjectMetric('coexist_orders_total') readonly created: Counter<string>) {}
}

const ordersCounter = makeCounterProvider({ name: 'coexist_orders_total', help: 'Orders created' });

/** Sample lines of the scrape that start with `name` followed by a label set or a space. */
function lines(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('coexistence with @willsoto/nestjs-prometheus', () => {
  let app: INestApplication | undefined;
  const job = `coexist-${process.pid}-${Date.now()}`;

  async function start(root: new () => unknown): Promise<string> {
    app = await NestFactory.create(root, { logger: false });
    await app.listen(0, '127.0.0.1');
    return (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
    // Both modules put metrics in prom-client's process-wide registry: leave it empty for the next test.
    register.clear();
    register.setDefaultLabels({});
    for (const addr of PUSHGATEWAY_ADDRS) {
      await deletePushgatewayGroup(addr, job).catch(() => undefined);
    }
  });

  it('this module counts into the global registry @willsoto serves, default metrics once, and pushes all of it', async () => {
    @Module({
      imports: [
        PrometheusModule.register({ defaultMetrics: { enabled: true } }),
        NubiumMetricsModule.forRoot({
          app: 'coexist',
          job,
          registry: register,
          defaultMetrics: true,
          serviceName: HEADLESS_NAME,
          dnsServers: [DNS_SERVER],
          pushEnabled: false,
        }),
      ],
      providers: [Orders, ordersCounter],
    })
    class AppModule {}
    const base = await start(AppModule);
    app!.get(Orders).created.inc(2);
    app!.get(MetricsManager).incMessagesConsumed('coexist.orders', 4);

    const scrape = await (
      await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })
    ).text();
    const report = await app!.get(MetricsPusher).pushNow();

    expect(app!.get(MetricsManager).registry).toBe(register);
    expect(lines(scrape, 'messages_consumed')).toEqual([
      `messages_consumed{app="coexist",job="${job}",topic="coexist.orders"} 4`,
    ]);
    expect(lines(scrape, 'coexist_orders_total')).toEqual(['coexist_orders_total 2']);
    expect(lines(scrape, 'process_cpu_user_seconds_total')).toHaveLength(1);
    expect(report.ok).toBe(true);
    const pushed = await readPushgateway(PUSHGATEWAY_ADDRS[0]);
    expect(findSample(pushed, 'coexist_orders_total', { job })).toBe(2);
    expect(findSample(pushed, 'messages_consumed', { job, topic: 'coexist.orders' })).toBe(4);
  });

  it("@willsoto's endpoint serves this module's own registry through its custom controller option", async () => {
    @Controller()
    class SharedMetricsController extends PrometheusController {
      constructor(private readonly manager: MetricsManager) {
        super();
      }

      @Get()
      override async index(
        @Res({ passthrough: true }) response: { header(name: string, value: string): unknown },
      ) {
        const merged = Registry.merge([register, this.manager.registry]);
        response.header('Content-Type', merged.contentType);
        return merged.metrics();
      }
    }
    @Module({
      imports: [
        NubiumMetricsModule.forRoot({
          app: 'coexist',
          job,
          pushEnabled: false,
          defaultMetrics: true,
        }),
        // Default metrics in one registry only: Registry.merge refuses two metrics of one name.
        PrometheusModule.register({
          controller: SharedMetricsController,
          defaultMetrics: { enabled: false },
        }),
      ],
      providers: [Orders, ordersCounter],
    })
    class AppModule {}
    const base = await start(AppModule);
    app!.get(Orders).created.inc();
    app!.get(MetricsManager).incMessagesProduced('coexist.shipped', 3);

    const scrape = await (
      await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })
    ).text();

    expect(app!.get(MetricsManager).registry).not.toBe(register);
    expect(lines(scrape, 'messages_produced')).toEqual([
      `messages_produced{app="coexist",job="${job}",topic="coexist.shipped"} 3`,
    ]);
    expect(lines(scrape, 'coexist_orders_total')).toEqual(['coexist_orders_total 1']);
    expect(lines(scrape, 'process_cpu_user_seconds_total')).toEqual([
      expect.stringMatching(
        new RegExp(`^process_cpu_user_seconds_total\\{app="coexist",job="${job}"\\} `),
      ),
    ]);
  });
});
