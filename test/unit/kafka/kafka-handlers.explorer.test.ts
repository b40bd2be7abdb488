import {
  Controller,
  Get,
  Injectable,
  UseGuards,
  UseInterceptors,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import {
  Ctx,
  EventPattern,
  KafkaContext,
  MessagePattern,
  Payload,
  ServerKafka,
  Transport,
} from '@nestjs/microservices';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { isObservable, lastValueFrom, map, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { KafkaConsumedInterceptor } from '../../../lib/kafka/consumed.interceptor';
import { CountProduced } from '../../../lib/kafka/count-produced.decorator';
import { CountProducedInterceptor } from '../../../lib/kafka/count-produced.interceptor';
import { KafkaHandlersExplorer } from '../../../lib/kafka/kafka-handlers.explorer';
import { KafkaMetadataAccessor } from '../../../lib/kafka/kafka-metadata.accessor';
import { MetricsManager } from '../../../lib/manager/metrics.manager';
import { NubiumMetricsModule } from '../../../lib/metrics.module';
import { testManager } from '../../support/fake-kafka';

@Controller()
class OrdersController {
  @EventPattern('orders')
  onOrder(_data: unknown): void {}

  @MessagePattern('quotes', Transport.KAFKA)
  @CountProduced('quotes-answered')
  onQuote(_data: unknown): string {
    return 'ok';
  }

  @EventPattern('jobs', Transport.TCP)
  onTcpJob(_data: unknown): void {}

  @EventPattern('audits')
  @UseInterceptors(KafkaConsumedInterceptor)
  onAudit(_data: unknown): void {}

  @EventPattern({ kind: 'refund' })
  onRefund(_data: unknown): void {}

  @EventPattern({ kind: 'payment' })
  onPayment(@Payload() _data: unknown, @Ctx() _context: unknown): void {}

  @Get('health')
  health(): string {
    return 'ok';
  }
}

const ORIGINAL = Object.fromEntries(
  Object.getOwnPropertyNames(OrdersController.prototype).map((name) => [
    name,
    (OrdersController.prototype as unknown as Record<string, unknown>)[name],
  ]),
);
const method = (name: keyof OrdersController): unknown => OrdersController.prototype[name];
const wrapped = (name: keyof OrdersController): boolean => method(name) !== ORIGINAL[name];
const own = (name: keyof OrdersController): unknown[] =>
  (Reflect.getMetadata(INTERCEPTORS_METADATA, method(name) as object) as unknown[] | undefined) ??
  [];
const kinds = (name: keyof OrdersController): string[] =>
  own(name).map((i) => (typeof i === 'function' ? `class ${i.name}` : i!.constructor.name));

async function compile(extras: { countKafkaConsumed?: boolean } = {}) {
  return Test.createTestingModule({
    imports: [
      NubiumMetricsModule.forRoot({ job: 'pod-1', app: 'orders', pushEnabled: false, ...extras }),
    ],
    controllers: [OrdersController],
  }).compile();
}

describe('KafkaHandlersExplorer', () => {
  it('wraps Kafka handlers whose topic it can tell, binds the interceptor to the others, and @CountProduced where decorated', async () => {
    const moduleRef = await compile();
    expect(wrapped('onOrder')).toBe(true);
    expect(kinds('onOrder')).toEqual([]);
    expect(wrapped('onQuote')).toBe(true);
    expect(kinds('onQuote')).toEqual(['CountProducedInterceptor']);
    expect((own('onQuote')[0] as CountProducedInterceptor).topic).toBe('quotes-answered');
    // An object pattern: the topic comes from @Ctx(), or, without it, from the interceptor.
    expect(wrapped('onPayment')).toBe(true);
    expect(wrapped('onRefund')).toBe(false);
    expect(kinds('onRefund')).toEqual(['KafkaConsumedInterceptor']);
    expect(wrapped('onTcpJob')).toBe(false);
    expect(kinds('onTcpJob')).toEqual([]);
    expect(wrapped('health')).toBe(false);
    expect(kinds('health')).toEqual([]);
    // Applied by the app itself: the module does not count a second time.
    expect(wrapped('onAudit')).toBe(false);
    expect(kinds('onAudit')).toEqual(['class KafkaConsumedInterceptor']);
    await moduleRef.close();
  });

  it('puts every method back as it was when the module is destroyed', async () => {
    const moduleRef = await compile();
    await moduleRef.close();
    for (const name of Object.keys(ORIGINAL) as (keyof OrdersController)[])
      expect(method(name)).toBe(ORIGINAL[name]);
    expect(Reflect.hasMetadata(INTERCEPTORS_METADATA, OrdersController.prototype.onOrder)).toBe(
      false,
    );
    expect(Reflect.hasMetadata(INTERCEPTORS_METADATA, OrdersController.prototype.onRefund)).toBe(
      false,
    );
    expect(kinds('onAudit')).toEqual(['class KafkaConsumedInterceptor']);
  });

  it('counts nothing consumed with countKafkaConsumed: false, still honours @CountProduced', async () => {
    const moduleRef = await compile({ countKafkaConsumed: false });
    expect(wrapped('onOrder')).toBe(false);
    expect(kinds('onRefund')).toEqual([]);
    expect(kinds('onQuote')).toEqual(['CountProducedInterceptor']);
    await moduleRef.close();
  });
});

/** Passes only payloads without `deny`. */
@Injectable()
class DenyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return !context.switchToRpc().getData<{ deny?: boolean }>().deny;
  }
}

/** An app interceptor on the handler: tags what the handler returns. */
@Injectable()
class TagInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value) => `tagged ${String(value)}`));
  }
}

@Controller()
class SharedController {
  @UseGuards(DenyGuard)
  @UseInterceptors(TagInterceptor)
  @MessagePattern('prices')
  async onPrice(@Payload() data: { fail?: boolean }): Promise<string> {
    if (data.fail) throw new Error('price failed');
    return 'price';
  }

  @EventPattern('stock')
  onStock(@Payload() _data: unknown, @Ctx() context: unknown): number {
    return (context as KafkaContext).getPartition();
  }
}

/** Nest's Kafka transport without a broker: handlers are called as `ServerKafka` calls them. */
class BrokerlessServerKafka extends ServerKafka {
  override async listen(callback: (...args: unknown[]) => void): Promise<void> {
    callback();
  }
  override async close(): Promise<void> {}
  async deliver(topic: string, data: unknown): Promise<unknown> {
    const handler = this.getHandlerByPattern(topic);
    if (!handler) throw new Error(`no handler for ${topic}`);
    const context = new KafkaContext([
      {} as never,
      0,
      topic,
      {} as never,
      async () => {},
      {} as never,
    ]);
    const result: unknown = await handler(data, context);
    return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
  }
}

async function startApp(job: string) {
  const moduleRef = await Test.createTestingModule({
    imports: [NubiumMetricsModule.forRoot({ job, app: 'shared', pushEnabled: false })],
    controllers: [SharedController],
  }).compile();
  const server = new BrokerlessServerKafka({ client: { brokers: ['127.0.0.1:9'] } });
  const app = moduleRef.createNestMicroservice({ strategy: server, logger: false });
  await app.listen();
  return { app, server, metrics: app.get(MetricsManager) };
}

describe('Kafka handlers counted by the wrapper, through Nest', () => {
  it('counts each app into its own manager, with the app guards and interceptors still applied', async () => {
    const original = SharedController.prototype.onPrice;
    const a = await startApp('pod-a');
    const b = await startApp('pod-b');
    try {
      expect(await a.server.deliver('prices', {})).toBe('tagged price');
      await a.server.deliver('prices', {});
      expect(await b.server.deliver('prices', {})).toBe('tagged price');
      // Denied by the guard, or failing: not consumed.
      await expect(b.server.deliver('prices', { deny: true })).rejects.toBeDefined();
      await expect(b.server.deliver('prices', { fail: true })).rejects.toBeDefined();
      await a.server.deliver('stock', {});
      await b.server.deliver('stock', {});
      await b.server.deliver('stock', {});
      expect(a.metrics.messagesConsumed('prices')).toBe(2);
      expect(b.metrics.messagesConsumed('prices')).toBe(1);
      expect(a.metrics.messagesConsumed('stock')).toBe(1);
      expect(b.metrics.messagesConsumed('stock')).toBe(2);

      await a.app.close();
      expect(SharedController.prototype.onPrice).not.toBe(original);
      await b.server.deliver('prices', {});
      expect(b.metrics.messagesConsumed('prices')).toBe(2);
      expect(a.metrics.messagesConsumed('prices')).toBe(2);
    } finally {
      await a.app.close();
      await b.app.close();
    }
    expect(SharedController.prototype.onPrice).toBe(original);
  });
});

describe('KafkaHandlersExplorer.explore', () => {
  it('only reads: says how each handler can be counted and leaves every method and its metadata as it was', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      // The manager only for the app's own @UseInterceptors(KafkaConsumedInterceptor).
      providers: [
        KafkaHandlersExplorer,
        KafkaMetadataAccessor,
        { provide: MetricsManager, useValue: testManager() },
      ],
      controllers: [OrdersController],
    }).compile();
    const before = Object.keys(ORIGINAL).map((name) => [
      method(name as keyof OrdersController),
      Reflect.getMetadataKeys(method(name as keyof OrdersController) as object).length,
    ]);
    const [found] = moduleRef.get(KafkaHandlersExplorer).explore();
    const byName = Object.fromEntries(found.handlers.map((h) => [h.name, h]));
    expect(found.type).toBe(OrdersController);
    expect(Object.keys(byName).sort()).toEqual(
      ['onAudit', 'onOrder', 'onPayment', 'onQuote', 'onRefund'].sort(),
    );
    expect(byName.onOrder).toMatchObject({
      consumed: true,
      produced: undefined,
      wrap: { contextIndex: -1, pattern: 'orders', freeIndex: 1 },
    });
    expect(byName.onQuote).toMatchObject({ consumed: true, produced: 'quotes-answered' });
    expect(byName.onPayment.wrap).toMatchObject({ contextIndex: 1, pattern: undefined });
    expect(byName.onRefund).toMatchObject({ consumed: true, wrap: undefined });
    expect(byName.onAudit).toMatchObject({ consumed: false });
    expect(
      Object.keys(ORIGINAL).map((name) => [
        method(name as keyof OrdersController),
        Reflect.getMetadataKeys(method(name as keyof OrdersController) as object).length,
      ]),
    ).toEqual(before);
    await moduleRef.close();
  });
});
