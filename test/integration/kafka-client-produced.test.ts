// Nest's own producer, ClientKafka, counted with no code, against the real broker: K emits through
// a client made each of the three ways give exactly K on every Pushgateway and in Prometheus, as
// many as the topic holds; a send counts its request, not the reply; emits the broker refuses
// count nothing; countKafkaProduced: false counts nothing; @CountProduced does not count a
// counted client's sends again; a broker that is down at start-up delays nothing.
import { createServer, type Server, type Socket } from 'node:net';
import { Controller, Inject, Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientKafka,
  ClientProxyFactory,
  ClientsModule,
  EventPattern,
  MessagePattern,
  Payload,
  Transport,
  type KafkaOptions,
} from '@nestjs/microservices';
import { logLevel, Partitioners } from 'kafkajs';
import { lastValueFrom, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CountProduced, MetricsManager, MetricsPusher, NubiumMetricsModule } from '../../lib';
import {
  assertKafkaReachable,
  createTopics,
  deleteTopics,
  KAFKA_BROKER,
  listenKafkaMicroservice,
  produceMessages,
  topicMessageCount,
  uniqueTopic,
} from '../support/kafka';
import { expectCountsEverywhere } from '../support/counts';
import { cleanUpGroupEverywhere, queryPrometheus, waitFor } from '../support/stack';
import { LOCAL_CACHE_OPTIONS, PUSHGATEWAY_ADDRS } from '../support/stack-config';

const K = 20;
const APP = 'kafka-client-produced-app';
const RUN = uniqueTopic('run');
const WAYS = ['register', 'registerAsync', 'factory'] as const;
const EMITTED = Object.fromEntries(WAYS.map((way) => [way, uniqueTopic(`kcp-${way}`)])) as Record<
  (typeof WAYS)[number],
  string
>;
const SMALL_ONLY = uniqueTopic('kcp-small-only');
const REQUESTS = uniqueTopic('kcp-requests');
const REPLIES = `${REQUESTS}.reply`;
const OFF = uniqueTopic('kcp-off');
const MARKER = uniqueTopic('kcp-marker');
const RELAY_IN = uniqueTopic('kcp-relay-in');
const RELAY_OUT = uniqueTopic('kcp-relay-out');
const TOPICS = [...Object.values(EMITTED), REQUESTS, REPLIES, OFF, RELAY_IN, RELAY_OUT];
const MAX_MESSAGE_BYTES = 1024;
const jobs: string[] = [];
const closers: Array<() => Promise<unknown>> = [];

/** Options of a ClientKafka of the test broker (`producerOnlyMode` unless it awaits replies). */
function kafkaClient(clientId: string, awaitsReplies = false): KafkaOptions {
  return {
    transport: Transport.KAFKA,
    options: {
      client: {
        clientId,
        brokers: [KAFKA_BROKER],
        logLevel: logLevel.NOTHING,
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
      },
      producer: {
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
      },
      producerOnlyMode: !awaitsReplies,
      consumer: { groupId: `${clientId}-${RUN}`, maxWaitTimeInMs: 100 },
    },
  };
}

/** The metrics module of one job of this file, pushing to the local metrics cache by hand. */
function metricsModule(job: string, extras: { countKafkaProduced?: boolean } = {}): DynamicModule {
  jobs.push(job);
  return NubiumMetricsModule.forRoot({ job, app: APP, ...LOCAL_CACHE_OPTIONS, ...extras });
}

async function boot(root: Type<unknown>) {
  const app = await NestFactory.createApplicationContext(root, { logger: ['error', 'warn'] });
  closers.push(() => app.close());
  return app;
}

async function pushEverywhere(app: { get: (t: typeof MetricsPusher) => MetricsPusher }) {
  expect((await app.get(MetricsPusher).pushNow()).succeeded).toBe(PUSHGATEWAY_ADDRS.length);
}

/** `metric` of `job` per topic on every Pushgateway and in Prometheus (`undefined`: no series). */
const expectCounted = (
  metric: 'messages_produced' | 'messages_consumed',
  job: string,
  expected: Record<string, number | undefined>,
) => expectCountsEverywhere(metric, { job, app: APP }, expected);

/** A Nest Kafka microservice of `module` reading from the start with a group of its own. */
async function startMicroservice(clientId: string, module: DynamicModule) {
  const app = await listenKafkaMicroservice(module, clientId, `${clientId}-${RUN}`);
  closers.push(() => app.close());
  return app;
}

const FACTORY_CLIENT = Symbol('factory client');

describe('ClientKafka counted with no code, against the real broker', () => {
  beforeAll(async () => {
    await assertKafkaReachable();
    await createTopics(TOPICS);
    await createTopics([SMALL_ONLY], 1, { 'max.message.bytes': String(MAX_MESSAGE_BYTES) });
    await produceMessages(RELAY_IN, K);
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await deleteTopics([...TOPICS, SMALL_ONLY]).catch(() => undefined);
    for (const job of jobs) await cleanUpGroupEverywhere(job);
  });

  it(`${K} emits through a ClientKafka of ClientsModule.register, registerAsync and ClientProxyFactory.create give exactly ${K} each on every Pushgateway and in Prometheus, as many as each topic holds`, async () => {
    const job = `kcp-ways-${RUN}`;
    @Module({
      imports: [
        metricsModule(job),
        ClientsModule.register([{ name: 'REGISTERED', ...kafkaClient('kcp-register') }]),
        ClientsModule.registerAsync([
          { name: 'ASYNC', useFactory: async () => kafkaClient('kcp-register-async') },
        ]),
      ],
      providers: [
        {
          provide: FACTORY_CLIENT,
          useFactory: () => ClientProxyFactory.create(kafkaClient('kcp-factory')),
        },
      ],
    })
    class WaysModule {}
    const app = await boot(WaysModule);
    const clients = {
      register: app.get<ClientKafka>('REGISTERED'),
      registerAsync: app.get<ClientKafka>('ASYNC'),
      factory: app.get<ClientKafka>(FACTORY_CLIENT),
    };
    closers.push(() => clients.factory.close());

    for (const way of WAYS)
      for (let i = 0; i < K; i++) await lastValueFrom(clients[way].emit(EMITTED[way], `${i}`));
    await pushEverywhere(app);

    const held = await Promise.all(WAYS.map((way) => topicMessageCount(EMITTED[way])));
    expect(held).toEqual(WAYS.map(() => K));
    await expectCounted(
      'messages_produced',
      job,
      Object.fromEntries(WAYS.map((way) => [EMITTED[way], K])),
    );
  });

  it('emits the broker refuses (over the topic’s max.message.bytes) count nothing; the accepted ones count', async () => {
    const job = `kcp-refused-${RUN}`;
    const accepted = 5;
    const refused = 3;
    @Module({
      imports: [
        metricsModule(job),
        ClientsModule.register([{ name: 'CLIENT', ...kafkaClient('kcp-refused') }]),
      ],
    })
    class RefusedModule {}
    const app = await boot(RefusedModule);
    const client = app.get<ClientKafka>('CLIENT');

    for (let i = 0; i < accepted; i++) await lastValueFrom(client.emit(SMALL_ONLY, `small-${i}`));
    const big = 'x'.repeat(4 * MAX_MESSAGE_BYTES);
    for (let i = 0; i < refused; i++)
      await expect(lastValueFrom(client.emit(SMALL_ONLY, big))).rejects.toThrow(
        /larger than the max message size/,
      );
    await pushEverywhere(app);

    expect(await topicMessageCount(SMALL_ONLY)).toBe(accepted);
    await expectCounted('messages_produced', job, { [SMALL_ONLY]: accepted });
  });

  it(`${K} sends through a ClientKafka count their ${K} requests on the requester; the responder's ${K} replies are not counted`, async () => {
    const requesterJob = `kcp-requester-${RUN}`;
    const responderJob = `kcp-responder-${RUN}`;
    @Controller()
    class Responder {
      @MessagePattern(REQUESTS)
      answer(@Payload() value: unknown): { answer: unknown } {
        return { answer: value };
      }
    }
    const responder = await startMicroservice('kcp-responder', {
      module: class ResponderModule {},
      imports: [metricsModule(responderJob)],
      controllers: [Responder],
    });
    @Module({
      imports: [
        metricsModule(requesterJob),
        ClientsModule.register([{ name: 'REQUESTER', ...kafkaClient('kcp-requester', true) }]),
      ],
    })
    class RequesterModule {}
    const requester = await boot(RequesterModule);
    const client = requester.get<ClientKafka>('REQUESTER');
    client.subscribeToResponseOf(REQUESTS);
    await client.connect();

    const answers: unknown[] = [];
    for (let i = 0; i < K; i++)
      answers.push(await lastValueFrom(client.send<{ answer: unknown }>(REQUESTS, `${i}`)));
    await pushEverywhere(requester);
    await pushEverywhere(responder);

    expect(answers).toEqual(Array.from({ length: K }, (_, i) => ({ answer: `${i}` })));
    expect([await topicMessageCount(REQUESTS), await topicMessageCount(REPLIES)]).toEqual([K, K]);
    await expectCounted('messages_produced', requesterJob, { [REQUESTS]: K, [REPLIES]: undefined });
    await expectCounted('messages_produced', responderJob, {
      [REQUESTS]: undefined,
      [REPLIES]: undefined,
    });
    // The reply leg is counted on neither side: the requester's client consumes it uncounted.
    await expectCounted('messages_consumed', requesterJob, { [REPLIES]: undefined });
    await expectCounted('messages_consumed', responderJob, { [REQUESTS]: K });
  });

  it(`countKafkaProduced: false counts none of ${K} emits`, async () => {
    const job = `kcp-off-${RUN}`;
    @Module({
      imports: [
        metricsModule(job, { countKafkaProduced: false }),
        ClientsModule.register([{ name: 'CLIENT', ...kafkaClient('kcp-off') }]),
      ],
    })
    class OffModule {}
    const app = await boot(OffModule);
    const client = app.get<ClientKafka>('CLIENT');

    for (let i = 0; i < K; i++) await lastValueFrom(client.emit(OFF, `${i}`));
    // Counted by hand in the same push, so that Prometheus is seen to have scraped it.
    app.get(MetricsManager).incMessagesProduced(MARKER);
    await pushEverywhere(app);

    expect(await topicMessageCount(OFF)).toBe(K);
    await expectCounted('messages_produced', job, { [OFF]: undefined, [MARKER]: 1 });
    expect(
      await queryPrometheus(`messages_produced{job=${JSON.stringify(job)},topic="${OFF}"}`),
    ).toEqual([]);
  });

  it(`@CountProduced on a handler that emits through a counted ClientKafka counts its ${K} messages once, not twice`, async () => {
    const job = `kcp-decorated-${RUN}`;
    @Controller()
    class Relay {
      constructor(@Inject('RELAY') private readonly client: ClientKafka) {}
      @EventPattern(RELAY_IN)
      @CountProduced(RELAY_OUT)
      relay(@Payload() value: unknown): Observable<unknown> {
        return this.client.emit(RELAY_OUT, String(value));
      }
    }
    const app = await startMicroservice('kcp-relay-server', {
      module: class RelayModule {},
      imports: [
        metricsModule(job),
        ClientsModule.register([{ name: 'RELAY', ...kafkaClient('kcp-relay') }]),
      ],
      controllers: [Relay],
    });
    const metrics = app.get(MetricsManager);

    await waitFor(() => (metrics.messagesConsumed(RELAY_IN) >= K ? true : undefined), {
      timeoutMs: 30_000,
      what: `${K} messages relayed`,
    });
    await pushEverywhere(app);

    expect(await topicMessageCount(RELAY_OUT)).toBe(K);
    await expectCounted('messages_produced', job, { [RELAY_OUT]: K });
  });
});

describe('a broker that is down at start-up, with a silent TCP listener standing in for it', () => {
  const REQUEST_TIMEOUT_MS = 2_000;

  /** Boots an app with one ClientKafka of the silent broker, emits once, closes; what it saw. */
  async function bootAndEmit(broker: SilentListener, withModule: boolean) {
    @Module({
      imports: [
        ...(withModule
          ? [NubiumMetricsModule.forRoot({ job: `kcp-down-${RUN}`, app: APP, pushEnabled: false })]
          : []),
        ClientsModule.register([
          {
            name: 'CLIENT',
            transport: Transport.KAFKA,
            options: {
              client: {
                clientId: 'kcp-down',
                brokers: [broker.address],
                logLevel: logLevel.NOTHING,
                requestTimeout: REQUEST_TIMEOUT_MS,
                retry: { retries: 0 },
              },
              producerOnlyMode: true,
            },
          },
        ]),
      ],
    })
    class DownModule {}
    const before = broker.connections();
    const startedAt = Date.now();
    const app = await NestFactory.createApplicationContext(DownModule, { logger: false });
    const bootMs = Date.now() - startedAt;
    const atBoot = broker.connections() - before;
    try {
      const error = await lastValueFrom(app.get<ClientKafka>('CLIENT').emit(OFF, 'x')).then(
        () => 'none',
        (e: Error) => e.constructor.name,
      );
      const counted = withModule ? app.get(MetricsManager).messagesProduced(OFF) : 0;
      return { bootMs, atBoot, afterEmit: broker.connections() - before, error, counted };
    } finally {
      await app.close();
    }
  }

  it('bootstrap connects nowhere and waits for nothing with the module, as without it; a first emit then fails the same way and counts nothing', async () => {
    const broker = await silentListener();
    try {
      const without = await bootAndEmit(broker, false);
      const withModule = await bootAndEmit(broker, true);

      expect(without.error).not.toBe('none');
      expect(withModule).toMatchObject({
        atBoot: 0,
        afterEmit: without.afterEmit,
        error: without.error,
        counted: 0,
      });
      expect(without.atBoot).toBe(0);
      // A bootstrap that waited for the broker would take the request timeout at least.
      expect(withModule.bootMs).toBeLessThan(without.bootMs + REQUEST_TIMEOUT_MS / 2);
    } finally {
      await broker.close();
    }
  });
});

interface SilentListener {
  readonly address: string;
  connections(): number;
  close(): Promise<void>;
}

/**
 * A stand-in for a broker that is down: a TCP listener that accepts connections, counts them and
 * never answers, so that a client connecting to it waits for its request timeout.
 */
async function silentListener(): Promise<SilentListener> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
