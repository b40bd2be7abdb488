// The optional pull endpoint on both HTTP adapters, in-process on a random loopback port.
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsManager, NubiumMetricsModule, type MetricsModuleOptions } from '../../lib';
import { CapturingLogger } from '../support/logs';
import { findSample } from '../support/stack';
import { parseTextFormat } from '../support/text-format';

@Controller('orders')
class OrdersController {
  @Get()
  list(): string[] {
    return ['o-1'];
  }
}

const BASE_OPTIONS: MetricsModuleOptions = {
  app: 'endpoint-app',
  job: 'endpoint-job',
  pushEnabled: false,
};

const adapters = {
  express: () => new ExpressAdapter(),
  fastify: () => new FastifyAdapter(),
} as const;

describe.each(Object.keys(adapters) as (keyof typeof adapters)[])(
  'metrics endpoint with the %s adapter',
  (adapterName) => {
    let app: INestApplication | undefined;
    let logs: CapturingLogger;

    async function start(
      metricsModule: ReturnType<typeof NubiumMetricsModule.forRoot>,
    ): Promise<string> {
      @Module({ imports: [metricsModule], controllers: [OrdersController] })
      class AppModule {}
      logs = new CapturingLogger();
      app = await NestFactory.create(AppModule, adapters[adapterName](), { logger: logs });
      app.setGlobalPrefix('api');
      await app.listen(0, '127.0.0.1');
      return (await app.getUrl()).replace('[::1]', '127.0.0.1');
    }

    async function get(url: string): Promise<Response> {
      return fetch(url, { signal: AbortSignal.timeout(5000) });
    }

    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    it('serves the counted standard metrics at /metrics in the Prometheus text format', async () => {
      const base = await start(
        NubiumMetricsModule.forRoot({ ...BASE_OPTIONS, metricsEndpoint: true }),
      );
      const manager = app!.get(MetricsManager);
      manager.incMessagesConsumed('orders.created', 2);
      manager.incMessageErrors(new RangeError('bad'));

      const response = await get(`${base}/metrics`);

      expect(response.status).toBe(200);
      // The README's promise, as a literal: prom-client's text format 0.0.4.
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const samples = parseTextFormat(await response.text());
      const labels = { app: 'endpoint-app', job: 'endpoint-job' };
      expect(findSample(samples, 'messages_consumed', { ...labels, topic: 'orders.created' })).toBe(
        2,
      );
      expect(findSample(samples, 'messages_errors', { ...labels, exception: 'RangeError' })).toBe(
        1,
      );
    });

    it('serves the path given through forRootAsync, outside the global prefix, next to the app routes', async () => {
      const base = await start(
        NubiumMetricsModule.forRootAsync({
          useFactory: async () => ({
            ...BASE_OPTIONS,
            metricsEndpoint: { path: '/internal/prometheus' },
          }),
        }),
      );
      app!.get(MetricsManager).incMessagesProduced('orders.shipped', 5);

      const metrics = await get(`${base}/internal/prometheus`);
      const orders = await get(`${base}/api/orders`);
      const defaultPath = await get(`${base}/metrics`);

      expect(metrics.status).toBe(200);
      const samples = parseTextFormat(await metrics.text());
      expect(findSample(samples, 'messages_produced', { topic: 'orders.shipped' })).toBe(5);
      expect(orders.status).toBe(200);
      expect(await orders.json()).toEqual(['o-1']);
      expect(defaultPath.status).toBe(404);
    });

    it('serves nothing by default', async () => {
      const base = await start(NubiumMetricsModule.forRoot(BASE_OPTIONS));

      expect((await get(`${base}/metrics`)).status).toBe(404);
      expect((await get(`${base}/api/orders`)).status).toBe(200);
    });

    it('answers 500, logs the failure and keeps serving the app when a collect callback throws', async () => {
      const base = await start(
        NubiumMetricsModule.forRoot({ ...BASE_OPTIONS, metricsEndpoint: true }),
      );
      const registry = app!.get(MetricsManager).registry;
      const { Gauge } = await import('prom-client');
      new Gauge({
        name: 'endpoint_broken',
        help: 'a gauge whose collect fails',
        registers: [registry],
        collect() {
          throw new Error('collect failed');
        },
      });

      const response = await get(`${base}/metrics`);

      expect(response.status).toBe(500);
      expect((await get(`${base}/api/orders`)).status).toBe(200);
      const errors = logs.lines.filter((l) => l.level === 'error');
      expect(errors.map((l) => [l.context, l.message])).toEqual([
        ['NubiumMetrics', expect.stringContaining('collect failed')],
      ]);
    });
  },
);
