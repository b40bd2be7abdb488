// A handler fails the first attempt of every 5th message, with two exception classes. The counts
// follow the documented rule (a message counts as consumed when an attempt completes, every failed
// attempt counts one error under its class name), and the module changes nothing in how the Nest
// transport retries or commits: each message is delivered as often as without the module.
import { Controller, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  EventPattern,
  KafkaRetriableException,
  Payload,
  Transport,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import { logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentConsumer, MetricsManager, MetricsPusher, NubiumMetricsModule } from '../../lib';
import {
  assertKafkaReachable,
  createKafka,
  createTopics,
  deleteTopics,
  KAFKA_BROKER,
  produceMessages,
  uniqueTopic,
} from '../support/kafka';
import { findSample, readPushgateway, waitFor, cleanUpGroupEverywhere } from '../support/stack';
import { LOCAL_CACHE_OPTIONS, PUSHGATEWAY_ADDRS } from '../support/stack-config';

const K = 20;
const APP = 'kafka-failures-app';
const RUN = uniqueTopic('run');
const TOPIC = uniqueTopic('kf-in');

class RetryLaterA extends KafkaRetriableException {}
class RetryLaterB extends KafkaRetriableException {}
class RejectedA extends Error {}
class RejectedB extends Error {}

type Mode = 'retriable' | 'plain' | 'kafkajs';
const classes: Record<
  Mode,
  readonly [new (message: string) => Error, new (message: string) => Error]
> = {
  retriable: [RetryLaterA, RetryLaterB],
  plain: [RejectedA, RejectedB],
  kafkajs: [RejectedA, RejectedB],
};

/** Deliveries and successes per message index, seen by one consumer. */
class Attempts {
  readonly deliveries = new Array<number>(K).fill(0);
  readonly successes = new Array<number>(K).fill(0);

  /** Throws on the first delivery of every 5th message: class A for 0, 10, …, class B for 5, 15, … */
  handle(value: string, mode: Mode): void {
    const index = Number(/message-(\d+)/.exec(value)![1]);
    if (this.deliveries[index]++ === 0 && index % 5 === 0) {
      const Failure = classes[mode][index % 10 === 0 ? 0 : 1];
      throw new Failure(`first attempt of message ${index}`);
    }
    this.successes[index]++;
  }

  get settled(): boolean {
    return this.successes.every((n) => n > 0);
  }
}

function relayController(attempts: Attempts, mode: Mode): Type<unknown> {
  @Controller()
  class FailingController {
    @EventPattern(TOPIC)
    handle(@Payload() value: unknown): void {
      attempts.handle(String(value), mode);
    }
  }
  return FailingController;
}

const job = (name: string) => `kafka-failures-${name}-${RUN}`;
const jobs: string[] = [];

async function runNest(mode: 'retriable' | 'plain', withModule: boolean) {
  const attempts = new Attempts();
  const name = `${mode}-${withModule ? 'with' : 'without'}`;
  if (withModule) jobs.push(job(name));
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(
    {
      module: class FailingModule {},
      imports: withModule
        ? [
            NubiumMetricsModule.forRoot({
              job: job(name),
              app: APP,
              ...LOCAL_CACHE_OPTIONS,
            }),
          ]
        : [],
      controllers: [relayController(attempts, mode)],
    },
    {
      transport: Transport.KAFKA,
      options: {
        client: {
          clientId: `kafka-failures-${name}`,
          brokers: [KAFKA_BROKER],
          logLevel: logLevel.NOTHING,
          retry: { initialRetryTime: 50, maxRetryTime: 500, retries: 10 },
        },
        consumer: { groupId: `kafka-failures-${name}-${RUN}`, maxWaitTimeInMs: 200 },
        subscribe: { fromBeginning: true },
      },
      logger: false,
    },
  );
  try {
    await app.listen();
    await waitFor(() => (attempts.settled ? true : undefined), {
      timeoutMs: 30_000,
      what: `every message of ${name} handled`,
    });
    const metrics = withModule ? app.get(MetricsManager) : undefined;
    if (withModule)
      expect((await app.get(MetricsPusher).pushNow()).succeeded).toBe(PUSHGATEWAY_ADDRS.length);
    return { attempts, metrics, job: job(name) };
  } finally {
    await app.close();
  }
}

/** The counts the rule predicts from what the handler saw, checked on every Pushgateway. */
async function expectCountsOnEveryGateway(
  jobName: string,
  attempts: Attempts,
  classNames: [string, string],
) {
  const failedAttempts =
    attempts.deliveries.reduce((sum, n) => sum + n, 0) -
    attempts.successes.reduce((sum, n) => sum + n, 0);
  expect(failedAttempts).toBe(K / 5);
  for (const addr of PUSHGATEWAY_ADDRS) {
    const samples = await readPushgateway(addr);
    expect(findSample(samples, 'messages_consumed', { job: jobName, topic: TOPIC }), addr).toBe(K);
    expect(
      findSample(samples, 'messages_errors', { job: jobName, exception: classNames[0] }),
      addr,
    ).toBe(K / 10);
    expect(
      findSample(samples, 'messages_errors', { job: jobName, exception: classNames[1] }),
      addr,
    ).toBe(K / 10);
  }
}

describe('a handler that fails the first attempt of every 5th message', () => {
  beforeAll(async () => {
    await assertKafkaReachable();
    await createTopics([TOPIC]);
    await produceMessages(TOPIC, K);
  });

  afterAll(async () => {
    await deleteTopics([TOPIC]).catch(() => undefined);
    for (const j of jobs) await cleanUpGroupEverywhere(j);
  });

  it.each(['retriable', 'plain'] as const)(
    'Nest transport, %s exception: delivered exactly as without the module; K consumed, K/5 errors by class',
    async (mode) => {
      const without = await runNest(mode, false);
      const withModule = await runNest(mode, true);

      expect(withModule.attempts.deliveries).toEqual(without.attempts.deliveries);
      expect(withModule.attempts.successes).toEqual(without.attempts.successes);
      const names = classes[mode].map((c) => c.name) as [string, string];
      await expectCountsOnEveryGateway(withModule.job, withModule.attempts, names);
    },
  );

  it('kafkajs eachMessage with instrumentConsumer: K consumed, K/5 errors by class, as kafkajs retries', async () => {
    const attempts = new Attempts();
    jobs.push(job('kafkajs'));
    const ctx = await NestFactory.createApplicationContext(
      NubiumMetricsModule.forRoot({
        job: job('kafkajs'),
        app: APP,
        ...LOCAL_CACHE_OPTIONS,
      }),
      { logger: false },
    );
    const kafka = createKafka('kafka-failures-kafkajs', logLevel.NOTHING);
    const consumer = instrumentConsumer(
      kafka.consumer({
        groupId: job('kafkajs'),
        maxWaitTimeInMs: 200,
        retry: { initialRetryTime: 50, maxRetryTime: 500, retries: 10 },
      }),
      ctx.get(MetricsManager),
    );
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => attempts.handle(message.value!.toString(), 'kafkajs'),
      });
      await waitFor(() => (attempts.settled ? true : undefined), {
        timeoutMs: 30_000,
        what: 'every message handled',
      });
      expect((await ctx.get(MetricsPusher).pushNow()).succeeded).toBe(PUSHGATEWAY_ADDRS.length);
    } finally {
      await consumer.disconnect();
      await ctx.close();
    }
    expect(attempts.deliveries.filter((n) => n === 2)).toHaveLength(K / 5);
    await expectCountsOnEveryGateway(job('kafkajs'), attempts, ['RejectedA', 'RejectedB']);
  });
});
