import { Controller, Module, type INestApplicationContext } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { NestFactory } from '@nestjs/core';
import {
  ClientKafka,
  ClientProxyFactory,
  ClientsModule,
  EventPattern,
  Transport,
  type KafkaOptions,
} from '@nestjs/microservices';
import type { Producer } from 'kafkajs';
import { lastValueFrom, of } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentProducer, MetricsManager, NubiumMetricsModule } from '../../../lib';
import { CountProduced } from '../../../lib/kafka/count-produced.decorator';
import type { CountProducedInterceptor } from '../../../lib/kafka/count-produced.interceptor';
import type { MetricsModuleExtras } from '../../../lib/interfaces/metrics-module-extras.interface';
import { CapturingLogger } from '../../support/logs';
import {
  fakeProducer,
  httpExecutionContext,
  RefusedSend,
  withFakeKafka,
} from '../../support/fake-kafka';

// No broker listens there: a client that tried to connect would fail, never reach a fake.
const KAFKA: KafkaOptions = {
  transport: Transport.KAFKA,
  options: { client: { brokers: ['127.0.0.1:9'] }, producerOnlyMode: true },
};
const FACTORY_CLIENT = Symbol('factory client');
const apps: INestApplicationContext[] = [];

afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
});

/** An app with a client of each kind (register, registerAsync, a factory and an alias of it). */
function clientsModule(extras: MetricsModuleExtras = {}, controllers: unknown[] = []) {
  @Module({
    imports: [
      NubiumMetricsModule.forRoot({ job: 'pod-1', app: 'orders', pushEnabled: false, ...extras }),
      ClientsModule.register([{ name: 'REGISTERED', ...KAFKA }]),
      ClientsModule.registerAsync([{ name: 'ASYNC', useFactory: () => KAFKA }]),
    ],
    controllers: controllers as never[],
    providers: [
      { provide: FACTORY_CLIENT, useFactory: () => ClientProxyFactory.create(KAFKA) },
      { provide: 'ALIAS', useExisting: FACTORY_CLIENT },
    ],
  })
  class AppModule {}
  return AppModule;
}

async function boot(root: new () => unknown, logger = new CapturingLogger()) {
  const app = await NestFactory.createApplicationContext(root, { logger, abortOnError: false });
  apps.push(app);
  return { app, logger, metrics: app.get(MetricsManager) };
}

/** The app's client under `token`, made to connect to a fake kafkajs client. */
function client(app: INestApplicationContext, token: string | symbol) {
  const found = app.get<ClientKafka>(token);
  return { client: found, ...withFakeKafka(found) };
}

@Controller()
class RelayController {
  @EventPattern('orders')
  @CountProduced('invoices')
  relay(_order: unknown): void {}
}

/** What the @CountProduced interceptor of RelayController.relay counts for one completion. */
async function countedByDecorator(metrics: MetricsManager): Promise<number> {
  const [interceptor] = Reflect.getMetadata(
    INTERCEPTORS_METADATA,
    RelayController.prototype.relay,
  ) as CountProducedInterceptor[];
  const before = metrics.messagesProduced('invoices');
  await lastValueFrom(interceptor.intercept(httpExecutionContext(), { handle: () => of('sent') }));
  return metrics.messagesProduced('invoices') - before;
}

describe('ClientKafkaBinder', () => {
  it('counts each message a ClientKafka emits once the producer acknowledges it, and nothing for a refused send', async () => {
    const { app, metrics } = await boot(clientsModule());
    const { client: orders } = client(app, 'REGISTERED');

    await lastValueFrom(orders.emit('invoices', 'a'));
    await lastValueFrom(orders.emit('invoices', 'b'));
    await lastValueFrom(orders.emitBatch('invoices', { messages: ['c', 'd', 'e'] }));
    await expect(lastValueFrom(orders.emit('invoices', 'refuse'))).rejects.toThrow(RefusedSend);
    await expect(
      lastValueFrom(orders.emitBatch('invoices', { messages: ['f', 'refuse'] })),
    ).rejects.toThrow(RefusedSend);

    expect(metrics.messagesProduced('invoices')).toBe(5);
  });

  it('finds the clients of ClientsModule.register, registerAsync and ClientProxyFactory.create, each once, and names them in one start-up line', async () => {
    const { app, logger, metrics } = await boot(clientsModule());
    for (const token of ['REGISTERED', 'ASYNC', FACTORY_CLIENT])
      await lastValueFrom(client(app, token).client.emit(`to-${String(token)}`, 'x'));

    expect(
      ['REGISTERED', 'ASYNC', FACTORY_CLIENT].map((t) =>
        metrics.messagesProduced(`to-${String(t)}`),
      ),
    ).toEqual([1, 1, 1]);
    const lines = logger.lines.filter((l) => l.message.includes('ClientKafka'));
    expect(lines.map((l) => [l.level, l.context, l.message])).toEqual([
      [
        'log',
        'NubiumMetrics',
        'counting produced messages of 3 ClientKafka client(s) when the broker acknowledges them: "ASYNC", "REGISTERED", Symbol(factory client)',
      ],
    ]);
  });

  it('opens no connection at bootstrap: a client connects when the app first sends, as without the module', async () => {
    const { app } = await boot(clientsModule());
    const { client: orders, producers } = client(app, 'REGISTERED');
    expect(producers).toHaveLength(0);

    await lastValueFrom(orders.emit('invoices', 'a'));
    expect(producers.map((p) => p.connects)).toEqual([1]);
  });

  it('counts the producer a client holds at bootstrap and the new one it creates after close() and connect()', async () => {
    const connected = ClientProxyFactory.create(KAFKA) as ClientKafka;
    const { producers } = withFakeKafka(connected);
    await connected.connect();
    @Module({
      imports: [NubiumMetricsModule.forRoot({ job: 'pod-1', app: 'orders', pushEnabled: false })],
      providers: [{ provide: 'CONNECTED', useValue: connected }],
    })
    class ConnectedModule {}
    const { metrics } = await boot(ConnectedModule);

    await lastValueFrom(connected.emit('invoices', 'a'));
    await connected.close();
    await lastValueFrom(connected.emit('invoices', 'b'));
    await lastValueFrom(connected.emit('invoices', 'c'));

    expect(producers).toHaveLength(2);
    expect(metrics.messagesProduced('invoices')).toBe(3);
  });

  it('counts nothing with countKafkaProduced: false, and logs no clients', async () => {
    const { app, logger, metrics } = await boot(clientsModule({ countKafkaProduced: false }));
    await lastValueFrom(client(app, 'REGISTERED').client.emit('invoices', 'a'));

    expect(metrics.messagesProduced('invoices')).toBe(0);
    expect(logger.text()).not.toContain('ClientKafka');
  });

  it('leaves @CountProduced counting nothing where it counts a ClientKafka, and says so at start-up', async () => {
    const { logger, metrics } = await boot(clientsModule({}, [RelayController]));

    expect(await countedByDecorator(metrics)).toBe(0);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      expect.stringMatching(/^@CountProduced on RelayController\.relay counts nothing: /),
    ]);
  });

  it('leaves @CountProduced counting where no ClientKafka is counted', async () => {
    const { metrics } = await boot(clientsModule({ countKafkaProduced: false }, [RelayController]));
    expect(await countedByDecorator(metrics)).toBe(1);

    @Module({
      imports: [NubiumMetricsModule.forRoot({ job: 'pod-1', app: 'orders', pushEnabled: false })],
      controllers: [RelayController],
    })
    class NoClientsModule {}
    const other = await boot(NoClientsModule);
    expect(await countedByDecorator(other.metrics)).toBe(1);
  });

  it('counts a producer once whether the app instruments it before bootstrap or after', async () => {
    const { app, logger, metrics } = await boot(clientsModule());
    const { client: orders } = client(app, 'REGISTERED');
    const producer = await orders.connect();
    expect(instrumentProducer(producer, metrics)).toBe(producer);
    await lastValueFrom(orders.emit('invoices', 'a'));
    expect(metrics.messagesProduced('invoices')).toBe(1);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'instrumentProducer: this producer belongs to ClientKafka "REGISTERED", which the module counts already; the call is ignored and can be removed',
    ]);

    const early = ClientProxyFactory.create(KAFKA) as ClientKafka;
    withFakeKafka(early);
    instrumentProducer(await early.connect(), metrics);
    @Module({ providers: [{ provide: 'EARLY', useValue: early }] })
    class EarlyModule {}
    @Module({
      imports: [
        NubiumMetricsModule.forRoot({ job: 'pod-1', app: 'orders', pushEnabled: false }),
        EarlyModule,
      ],
    })
    class InstrumentedFirst {}
    const second = await boot(InstrumentedFirst);
    await lastValueFrom(early.emit('early', 'a'));
    // The producer counts into the manager instrumentProducer was given, once.
    expect([metrics.messagesProduced('early'), second.metrics.messagesProduced('early')]).toEqual([
      1, 0,
    ]);
  });

  it('names a client it cannot count in a warning and leaves it alone', async () => {
    const odd = ClientProxyFactory.create(KAFKA) as ClientKafka;
    // As a ClientKafka without the hook the counting relies on would be.
    Object.defineProperty(odd, 'registerProducerEventListeners', { value: undefined });
    @Module({
      imports: [NubiumMetricsModule.forRoot({ job: 'pod-1', app: 'orders', pushEnabled: false })],
      providers: [{ provide: 'ODD', useValue: odd }],
    })
    class OddModule {}
    const { logger } = await boot(OddModule);

    expect(
      logger.lines.filter((l) => l.message.includes('ClientKafka')).map((l) => l.level),
    ).toEqual(['warn']);
    expect(logger.text()).toContain('ClientKafka "ODD" is not counted');
    expect(Object.getOwnPropertyDescriptor(odd, 'registerProducerEventListeners')?.value).toBe(
      undefined,
    );
  });

  it('puts every client and producer back as it was on shutdown, so later sends count nothing', async () => {
    const { app, metrics } = await boot(clientsModule());
    const { client: orders, producers } = client(app, 'REGISTERED');
    await lastValueFrom(orders.emit('invoices', 'a'));
    const [producer] = producers;
    expect(producer.send).not.toBe(producer.own.send);

    await apps.pop()!.close();
    expect(Object.getOwnPropertyNames(orders)).not.toContain('registerProducerEventListeners');
    expect([producer.send, producer.sendBatch, producer.transaction]).toEqual([
      producer.own.send,
      producer.own.sendBatch,
      producer.own.transaction,
    ]);
    expect(Object.getOwnPropertySymbols(producer)).toEqual([]);
    // The client reconnects on its own when used after the app closed it.
    await lastValueFrom(orders.emit('invoices', 'late'));
    expect(producers).toHaveLength(2);
    expect(metrics.messagesProduced('invoices')).toBe(1);
  });
});

// The fake stands in for the kafkajs producer as far as ClientKafka and the counting use it.
const _fakeIsProducer: Pick<Producer, 'send' | 'sendBatch' | 'transaction'> = fakeProducer();
