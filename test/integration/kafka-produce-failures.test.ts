// A produce the broker refuses (unknown topic, auto-creation off) is never counted as produced:
// not by instrumentProducer, not by @CountProduced on a Nest Kafka handler.
import { Controller, Inject, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CountProduced,
  instrumentProducer,
  MetricsManager,
  MetricsPusher,
  NubiumMetricsModule,
} from '../../lib';
import {
  assertKafkaReachable,
  createKafka,
  createTopics,
  deleteTopics,
  KAFKA_BROKER,
  produceMessages,
  topicMessageCount,
  uniqueTopic,
} from '../support/kafka';
import { findSample, readPushgateway, waitFor, cleanUpGroupEverywhere } from '../support/stack';
import { LOCAL_CACHE_OPTIONS, PUSHGATEWAY_ADDRS } from '../support/stack-config';

const K = 10;
const APP = 'kafka-produce-failures-app';
const RUN = uniqueTopic('run');
const IN = uniqueTopic('kpf-in');
// Each test produces into a topic of its own, so neither counts what the other wrote.
const OUT_KAFKAJS = uniqueTopic('kpf-kafkajs-out');
const OUT_NEST = uniqueTopic('kpf-nest-out');
const MISSING = uniqueTopic('kpf-never-created');
const PRODUCER = Symbol('producer');
const jobs: string[] = [];

const options = (job: string) => ({
  job,
  app: APP,
  ...LOCAL_CACHE_OPTIONS,
});

function refusingProducer(): Producer {
  return createKafka('kpf-producer', logLevel.NOTHING).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 },
  });
}

async function expectProducedOnEveryGateway(
  job: string,
  expected: Record<string, number | undefined>,
) {
  for (const addr of PUSHGATEWAY_ADDRS) {
    const samples = await readPushgateway(addr);
    for (const [topic, n] of Object.entries(expected)) {
      expect(
        findSample(samples, 'messages_produced', { job, app: APP, topic }),
        `${topic} on ${addr}`,
      ).toBe(n);
    }
  }
}

describe('a failed produce', () => {
  beforeAll(async () => {
    await assertKafkaReachable();
    await createTopics([IN, OUT_KAFKAJS, OUT_NEST]);
    await produceMessages(IN, K);
  });

  afterAll(async () => {
    await deleteTopics([IN, OUT_KAFKAJS, OUT_NEST]).catch(() => undefined);
    for (const job of jobs) await cleanUpGroupEverywhere(job);
  });

  it('instrumentProducer counts acknowledged sends only: a send or batch to an unknown topic counts nothing', async () => {
    const job = `kpf-kafkajs-${RUN}`;
    jobs.push(job);
    const ctx = await NestFactory.createApplicationContext(
      NubiumMetricsModule.forRoot(options(job)),
      { logger: false },
    );
    const producer = instrumentProducer(refusingProducer(), ctx.get(MetricsManager));
    try {
      await producer.connect();
      await producer.send({ topic: OUT_KAFKAJS, messages: [{ value: 'a' }, { value: 'b' }] });
      await expect(
        producer.send({ topic: MISSING, messages: [{ value: 'lost' }] }),
      ).rejects.toThrow();
      await expect(
        producer.sendBatch({
          topicMessages: [
            { topic: OUT_KAFKAJS, messages: [{ value: 'c' }] },
            { topic: MISSING, messages: [{ value: 'd' }] },
          ],
        }),
      ).rejects.toThrow();
      expect((await ctx.get(MetricsPusher).pushNow()).succeeded).toBe(PUSHGATEWAY_ADDRS.length);
    } finally {
      await producer.disconnect();
      await ctx.close();
    }
    expect(await topicMessageCount(OUT_KAFKAJS)).toBe(2);
    await expectProducedOnEveryGateway(job, { [OUT_KAFKAJS]: 2, [MISSING]: undefined });
  });

  it('@CountProduced on a Nest Kafka handler counts only the attempts whose send succeeded', async () => {
    const job = `kpf-nest-${RUN}`;
    jobs.push(job);
    const attempts = new Map<string, number>();
    // The first attempt of each message sends to the missing topic and fails; the redelivery succeeds.
    function relay(): Type<unknown> {
      @Controller()
      class RelayController {
        constructor(@Inject(PRODUCER) private readonly producer: Producer) {}
        @EventPattern(IN)
        @CountProduced(OUT_NEST)
        async relay(value: unknown): Promise<void> {
          const n = (attempts.get(String(value)) ?? 0) + 1;
          attempts.set(String(value), n);
          await this.producer.send({
            topic: n === 1 ? MISSING : OUT_NEST,
            messages: [{ value: String(value) }],
          });
        }
      }
      return RelayController;
    }
    const producer = refusingProducer();
    await producer.connect();
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(
      {
        module: class RelayModule {},
        imports: [NubiumMetricsModule.forRoot(options(job))],
        controllers: [relay()],
        providers: [{ provide: PRODUCER, useValue: producer }],
      },
      {
        transport: Transport.KAFKA,
        options: {
          client: {
            clientId: 'kpf-nest',
            brokers: [KAFKA_BROKER],
            logLevel: logLevel.NOTHING,
            retry: { initialRetryTime: 50, maxRetryTime: 500, retries: 20 },
          },
          consumer: { groupId: job, maxWaitTimeInMs: 200 },
          subscribe: { fromBeginning: true },
        },
        logger: false,
      },
    );
    try {
      await app.listen();
      const metrics = app.get(MetricsManager);
      await waitFor(() => (metrics.messagesConsumed(IN) >= K ? true : undefined), {
        timeoutMs: 40_000,
        what: `${K} messages relayed`,
      });
      expect((await app.get(MetricsPusher).pushNow()).succeeded).toBe(PUSHGATEWAY_ADDRS.length);
    } finally {
      await app.close();
      await producer.disconnect();
    }
    expect([...attempts.values()]).toEqual(Array.from({ length: K }, () => 2));
    expect(await topicMessageCount(OUT_NEST)).toBe(K);
    await expectProducedOnEveryGateway(job, { [OUT_NEST]: K, [MISSING]: undefined });
  });
});
