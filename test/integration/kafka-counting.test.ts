// K messages on each of two topics, consumed by a Nest Kafka microservice and by a plain kafkajs
// consumer, each re-producing every message: every Pushgateway and Prometheus show exactly K
// consumed and K produced per topic for each of the two apps. A third app counts through
// KafkaConsumedInterceptor, applied by hand, rather than the module's own wrapping.
import {
  Controller,
  Inject,
  UseInterceptors,
  type DynamicModule,
  type INestApplicationContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Partitioners, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CountProduced,
  instrumentConsumer,
  instrumentProducer,
  KafkaConsumedInterceptor,
  MetricsManager,
  MetricsPusher,
  NubiumMetricsModule,
} from '../../lib';
import {
  assertKafkaReachable,
  createKafka,
  createTopics,
  deleteTopics,
  listenKafkaMicroservice,
  produceMessages,
  topicMessageCount,
  uniqueTopic,
} from '../support/kafka';
import { expectCountsEverywhere as expectCounts } from '../support/counts';
import { waitFor, cleanUpGroupEverywhere } from '../support/stack';
import { LOCAL_CACHE_OPTIONS, PUSHGATEWAY_ADDRS } from '../support/stack-config';

const K = 40;
const APP = 'kafka-counting-app';
const RUN = uniqueTopic('run');
const JOB_NEST = `kafka-counting-nest-${RUN}`;
const JOB_PLAIN = `kafka-counting-kafkajs-${RUN}`;
const JOB_INTERCEPTED = `kafka-counting-interceptor-${RUN}`;
const IN = [uniqueTopic('kc-in-a'), uniqueTopic('kc-in-b')] as const;
// Each test relays into topics of its own, so neither reads what the other wrote.
const OUT_NEST = [uniqueTopic('kc-nest-out-a'), uniqueTopic('kc-nest-out-b')] as const;
const OUT_PLAIN = [uniqueTopic('kc-plain-out-a'), uniqueTopic('kc-plain-out-b')] as const;
const PRODUCER = Symbol('relay producer');

const moduleOptions = (job: string) => ({
  job,
  app: APP,
  ...LOCAL_CACHE_OPTIONS,
});

/** Relays each message of IN[i] to OUT_NEST[i]; @CountProduced names the topic it produced to. */
@Controller()
class RelayController {
  constructor(@Inject(PRODUCER) private readonly producer: Producer) {}

  @EventPattern(IN[0])
  @CountProduced(OUT_NEST[0])
  async relayA(@Payload() value: unknown): Promise<void> {
    await this.producer.send({ topic: OUT_NEST[0], messages: [{ value: String(value) }] });
  }

  @EventPattern(IN[1])
  @CountProduced(OUT_NEST[1])
  async relayB(@Payload() value: unknown): Promise<void> {
    await this.producer.send({ topic: OUT_NEST[1], messages: [{ value: String(value) }] });
  }
}

/** Reads both input topics; KafkaConsumedInterceptor counts them, the module leaves them alone. */
@Controller()
class InterceptedController {
  seen = 0;

  @UseInterceptors(KafkaConsumedInterceptor)
  @EventPattern(IN[0])
  readA(@Payload() value: unknown): void {
    if (value !== undefined) this.seen++;
  }

  @UseInterceptors(KafkaConsumedInterceptor)
  @EventPattern(IN[1])
  async readB(@Payload() value: unknown): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (value !== undefined) this.seen++;
  }
}

/** Reads one job's counts from every Pushgateway and from Prometheus. */
async function expectCountsEverywhere(
  job: string,
  expected: { consumed: Record<string, number>; produced: Record<string, number> },
) {
  await expectCounts('messages_consumed', { job, app: APP }, expected.consumed);
  await expectCounts('messages_produced', { job, app: APP }, expected.produced);
}

describe('counting Kafka messages against the real broker', () => {
  const closers: Array<() => Promise<unknown>> = [];

  /** A Nest Kafka microservice of `module` reading from the start with a group of its own. */
  async function startMicroservice(clientId: string, module: DynamicModule) {
    const app = await listenKafkaMicroservice(module, clientId, `${clientId}-${RUN}`);
    closers.push(() => app.close());
    return app;
  }

  beforeAll(async () => {
    await assertKafkaReachable();
    await createTopics([...IN, ...OUT_NEST, ...OUT_PLAIN]);
    await produceMessages(IN[0], K);
    await produceMessages(IN[1], K);
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await deleteTopics([...IN, ...OUT_NEST, ...OUT_PLAIN]).catch(() => undefined);
    for (const job of [JOB_NEST, JOB_PLAIN, JOB_INTERCEPTED]) {
      await cleanUpGroupEverywhere(job);
    }
  });

  it(`a Nest Kafka microservice counts exactly ${K} consumed and ${K} produced per topic on every Pushgateway and in Prometheus`, async () => {
    const producer = createKafka('kafka-counting-relay').producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    closers.push(() => producer.disconnect());
    const app = await startMicroservice('kafka-counting-nest', {
      module: class RelayModule {},
      imports: [NubiumMetricsModule.forRoot(moduleOptions(JOB_NEST))],
      controllers: [RelayController],
      providers: [{ provide: PRODUCER, useValue: producer }],
    });
    const metrics = app.get(MetricsManager);

    await waitFor(() => (IN.every((t) => metrics.messagesConsumed(t) >= K) ? true : undefined), {
      timeoutMs: 30_000,
      what: `${K} messages consumed from each input topic`,
    });
    const report = await app.get(MetricsPusher).pushNow();

    expect(report.succeeded).toBe(PUSHGATEWAY_ADDRS.length);
    expect([await topicMessageCount(OUT_NEST[0]), await topicMessageCount(OUT_NEST[1])]).toEqual([
      K,
      K,
    ]);
    await expectCountsEverywhere(JOB_NEST, {
      consumed: { [IN[0]]: K, [IN[1]]: K },
      produced: { [OUT_NEST[0]]: K, [OUT_NEST[1]]: K },
    });
  });

  it(`a kafkajs consumer with instrumentConsumer and instrumentProducer counts exactly ${K} per topic`, async () => {
    const ctx: INestApplicationContext = await NestFactory.createApplicationContext(
      NubiumMetricsModule.forRoot(moduleOptions(JOB_PLAIN)),
      {
        logger: ['error', 'warn'],
      },
    );
    closers.push(() => ctx.close());
    const metrics = ctx.get(MetricsManager);
    const kafka = createKafka('kafka-counting-plain');
    const producer = instrumentProducer(
      kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
      }),
      metrics,
    );
    const consumer: Consumer = instrumentConsumer(
      kafka.consumer({ groupId: `kafka-counting-plain-${RUN}`, maxWaitTimeInMs: 200 }),
      metrics,
    );
    await producer.connect();
    closers.push(() => producer.disconnect());
    await consumer.connect();
    closers.push(() => consumer.disconnect());
    await consumer.subscribe({ topics: [...IN], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        await producer.send({
          topic: OUT_PLAIN[IN.indexOf(topic)],
          messages: [{ value: message.value }],
        });
      },
    });

    await waitFor(() => (IN.every((t) => metrics.messagesConsumed(t) >= K) ? true : undefined), {
      timeoutMs: 30_000,
      what: `${K} messages consumed from each input topic`,
    });
    const report = await ctx.get(MetricsPusher).pushNow();

    expect(report.succeeded).toBe(PUSHGATEWAY_ADDRS.length);
    expect([await topicMessageCount(OUT_PLAIN[0]), await topicMessageCount(OUT_PLAIN[1])]).toEqual([
      K,
      K,
    ]);
    await expectCountsEverywhere(JOB_PLAIN, {
      consumed: { [IN[0]]: K, [IN[1]]: K },
      produced: { [OUT_PLAIN[0]]: K, [OUT_PLAIN[1]]: K },
    });
  });

  it(`handlers with @UseInterceptors(KafkaConsumedInterceptor) count exactly ${K} consumed per topic, once each`, async () => {
    const app = await startMicroservice('kafka-counting-intercepted', {
      module: class InterceptedModule {},
      imports: [NubiumMetricsModule.forRoot(moduleOptions(JOB_INTERCEPTED))],
      controllers: [InterceptedController],
    });
    const handlers = app.get(InterceptedController);

    await waitFor(() => (handlers.seen >= 2 * K ? true : undefined), {
      timeoutMs: 30_000,
      what: `${2 * K} messages handled`,
    });
    // The last handler's count lands when its observable completes, just after it returns.
    const metrics = app.get(MetricsManager);
    await waitFor(() => (IN.every((t) => metrics.messagesConsumed(t) >= K) ? true : undefined), {
      timeoutMs: 5_000,
      what: `${K} messages counted on each input topic`,
    });
    const report = await app.get(MetricsPusher).pushNow();

    expect(handlers.seen).toBe(2 * K);
    expect(report.succeeded).toBe(PUSHGATEWAY_ADDRS.length);
    await expectCountsEverywhere(JOB_INTERCEPTED, {
      consumed: { [IN[0]]: K, [IN[1]]: K },
      produced: {},
    });
  });
});
