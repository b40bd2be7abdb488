import { Controller } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { Ctx, EventPattern, KafkaContext, Payload, ServerKafka } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { isObservable, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MetricsManager } from '../../../lib/manager/metrics.manager';
import { fakeConsumer } from '../../support/fake-kafka';
import { NubiumMetricsModule } from '../../../lib/metrics.module';

const seen: unknown[][] = [];

@Controller()
class PlainHandlers {
  @EventPattern('orders')
  onOrder(@Payload() data: unknown): void {
    seen.push([data]);
  }

  /** No parameter decorators; the second parameter is one Nest never fills. */
  @EventPattern('bare')
  bare(data?: unknown, unfilled?: unknown): void {
    seen.push(unfilled === undefined ? [data] : [data, unfilled]);
  }

  @EventPattern('with-context')
  withContext(@Payload() data: unknown, @Ctx() context: unknown): void {
    seen.push([data, (context as KafkaContext).getTopic()]);
  }
}

/** An object pattern without @Ctx(): only the call tells the topic, so the module binds its interceptor. */
@Controller()
class FallbackHandlers {
  @EventPattern({ kind: 'refund' })
  onRefund(@Payload() data: unknown): void {
    seen.push([data]);
  }
}

const routeArgs = (name: keyof PlainHandlers): Record<string, { index: number }> | undefined =>
  Reflect.getMetadata(ROUTE_ARGS_METADATA, PlainHandlers, name) as
    Record<string, { index: number }> | undefined;
const ORIGINAL_ORDER_ARGS: unknown = Reflect.getOwnMetadata(
  ROUTE_ARGS_METADATA,
  PlainHandlers,
  'onOrder',
);
const ORIGINAL_CONTEXT_ARGS: unknown = Reflect.getOwnMetadata(
  ROUTE_ARGS_METADATA,
  PlainHandlers,
  'withContext',
);

/** Nest's Kafka transport without a broker: handlers are called as `ServerKafka` calls them. */
class BrokerlessServerKafka extends ServerKafka {
  override async listen(callback: (...args: unknown[]) => void): Promise<void> {
    callback();
  }
  override async close(): Promise<void> {}
  async deliver(
    topic: string,
    data: unknown,
    timestamp: string,
    consumer: unknown = {},
  ): Promise<unknown> {
    const handler = this.getHandlerByPattern(topic);
    if (!handler) throw new Error(`no handler for ${topic}`);
    const context = new KafkaContext([
      { offset: '0', timestamp } as never,
      0,
      topic,
      consumer as never,
      async () => {},
      {} as never,
    ]);
    return handler(data, context);
  }
}

async function startApp(
  extra: Record<string, unknown> = {},
  controllers: unknown[] = [PlainHandlers],
) {
  const options = { job: 'pod-1', app: 'plain', pushEnabled: false, ...extra };
  const moduleRef = await Test.createTestingModule({
    imports: [NubiumMetricsModule.forRoot(options)],
    controllers: controllers as never[],
  }).compile();
  const server = new BrokerlessServerKafka({ client: { brokers: ['127.0.0.1:9'] } });
  const app = moduleRef.createNestMicroservice({ strategy: server, logger: false });
  await app.listen();
  return { app, server, metrics: app.get(MetricsManager) };
}

describe('KafkaHandlersBinder', () => {
  it("declares a KafkaContext parameter after a handler's own when it takes no @Ctx(), and puts the parameters back on shutdown", async () => {
    const { app } = await startApp();
    try {
      expect(routeArgs('onOrder')?.['6:1']?.index).toBe(1);
      expect(routeArgs('onOrder')?.['3:0']?.index).toBe(0);
      // No parameter decorators: Nest's default (the payload first) is kept, the context after
      // every declared parameter.
      expect(Object.keys(routeArgs('bare') ?? {}).sort()).toEqual(['3:0', '6:2']);
      expect(Reflect.getOwnMetadata(ROUTE_ARGS_METADATA, PlainHandlers, 'withContext')).toBe(
        ORIGINAL_CONTEXT_ARGS,
      );
    } finally {
      await app.close();
    }
    expect(Reflect.getOwnMetadata(ROUTE_ARGS_METADATA, PlainHandlers, 'onOrder')).toBe(
      ORIGINAL_ORDER_ARGS,
    );
    expect(Reflect.hasOwnMetadata(ROUTE_ARGS_METADATA, PlainHandlers, 'bare')).toBe(false);
  });

  it('counts through its interceptor where only the call tells the topic, and stops its lag listeners on shutdown', async () => {
    const { app, server, metrics } = await startApp({}, [FallbackHandlers]);
    const consumer = fakeConsumer();
    const topic = JSON.stringify({ kind: 'refund' });
    try {
      const result = await server.deliver(topic, { id: 1 }, String(Date.now()), consumer);
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      expect(metrics.messagesConsumed(topic)).toBe(1);
      expect(consumer.listening('consumer.end_batch_process')).toBe(1);
    } finally {
      await app.close();
    }
    expect(consumer.listening('consumer.end_batch_process')).toBe(0);
  });

  it('hands each handler the arguments it declared while the module reads the message timestamp, through Nest', async () => {
    const { app, server, metrics } = await startApp();
    seen.length = 0;
    try {
      const producedAt = Date.now() - 7_000;
      await server.deliver('orders', { id: 1 }, String(Date.now() - 60_000));
      await server.deliver('bare', { id: 2 }, String(Date.now() - 60_000));
      await server.deliver('with-context', { id: 3 }, String(producedAt));
      expect(seen).toEqual([[{ id: 1 }], [{ id: 2 }], [{ id: 3 }, 'with-context']]);
      expect(
        ['orders', 'bare', 'with-context'].map((topic) => metrics.messagesConsumed(topic)),
      ).toEqual([1, 1, 1]);
      const behind = (await metrics.registry.getSingleMetric('seconds_behind')!.get()).values;
      expect(behind).toHaveLength(1);
      expect(behind[0].value).toBeGreaterThanOrEqual(7);
      expect(behind[0].value).toBeLessThan(30);

      await server.deliver('bare', { id: 4 }, String(Date.now() - 50_000));
      const later = (await metrics.registry.getSingleMetric('seconds_behind')!.get()).values;
      expect(later[0].value).toBeGreaterThanOrEqual(50);
    } finally {
      await app.close();
    }
  });

  it('records processing time per topic with processingTime on, and registers nothing for it by default', async () => {
    const off = await startApp();
    try {
      await off.server.deliver('orders', {}, String(Date.now()));
      expect(off.metrics.registry.getSingleMetric('message_processing_seconds')).toBeUndefined();
    } finally {
      await off.app.close();
    }
    const on = await startApp({ processingTime: { buckets: [0.5, 5] } });
    try {
      await on.server.deliver('orders', {}, String(Date.now()));
      await on.server.deliver('orders', {}, String(Date.now()));
      await on.server.deliver('with-context', {}, String(Date.now()));
      const text = await on.metrics.registry.getSingleMetricAsString('message_processing_seconds');
      expect(text).toContain(
        'message_processing_seconds_bucket{le="0.5",app="plain",job="pod-1",topic="orders"} 2',
      );
      expect(text).toContain(
        'message_processing_seconds_count{app="plain",job="pod-1",topic="with-context"} 1',
      );
    } finally {
      await on.app.close();
    }
  });
});
