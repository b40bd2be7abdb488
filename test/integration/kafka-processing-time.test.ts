// message_processing_seconds against the real broker: a Nest Kafka transport handler and a
// kafkajs eachMessage handler that each take at least WORK_MS per message, with the opt-in
// histogram on; its buckets, count and sum read back from the registry and every Pushgateway.
import { Controller, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentConsumer, MetricsManager, MetricsPusher, NubiumMetricsModule } from '../../lib';
import type { MetricsModuleOptions } from '../../lib/interfaces/metrics-options.interface';
import {
  assertKafkaReachable,
  createKafka,
  createTopics,
  deleteTopics,
  KAFKA_BROKER,
  produceMessages,
  registrySample,
  uniqueTopic,
} from '../support/kafka';
import {
  cleanUpGroupEverywhere,
  findSample,
  readPushgateway,
  waitFor,
  type Sample,
} from '../support/stack';
import { LOCAL_CACHE_OPTIONS, PUSHGATEWAY_ADDRS } from '../support/stack-config';
import { parseTextFormat } from '../support/text-format';

const APP = 'kafka-processing-time-app';
const RUN = uniqueTopic('run');
const NEST_TOPIC = uniqueTopic('kpt-nest');
const PLAIN_TOPIC = uniqueTopic('kpt-kafkajs');
const JOB_NEST = `kpt-nest-${RUN}`;
const JOB_PLAIN = `kpt-kafkajs-${RUN}`;
const K = 5;
/** What each handler spends per message: its work, which the histogram measures. */
const WORK_MS = 60;
const BUCKETS = [0.02, 1];
const HISTOGRAM = 'message_processing_seconds';

const work = () => new Promise<void>((done) => setTimeout(done, WORK_MS));

@Controller()
class SlowHandlers {
  @EventPattern(NEST_TOPIC)
  async handle(@Payload() _value: unknown): Promise<void> {
    await work();
  }
}

const moduleOptions = (
  job: string,
  processingTime?: MetricsModuleOptions['processingTime'],
): MetricsModuleOptions => ({
  job,
  app: APP,
  ...LOCAL_CACHE_OPTIONS,
  ...(processingTime === undefined ? {} : { processingTime }),
});

/** The histogram's series of `topic` (buckets by `le`, sum, count) in text-format samples. */
function series(samples: Sample[], job: string, topic: string) {
  const labels = { job, app: APP, topic };
  return {
    fast: findSample(samples, `${HISTOGRAM}_bucket`, { ...labels, le: '0.02' }),
    slow: findSample(samples, `${HISTOGRAM}_bucket`, { ...labels, le: '1' }),
    all: findSample(samples, `${HISTOGRAM}_bucket`, { ...labels, le: '+Inf' }),
    count: findSample(samples, `${HISTOGRAM}_count`, labels),
    sum: findSample(samples, `${HISTOGRAM}_sum`, labels),
  };
}

/** Every handled message took WORK_MS or more, and well under a second. */
function expectSlowMessages(found: ReturnType<typeof series>, where: string): void {
  expect({ ...found, sum: undefined }, where).toEqual({
    fast: 0,
    slow: K,
    all: K,
    count: K,
    sum: undefined,
  });
  expect(found.sum, where).toBeGreaterThanOrEqual((K * WORK_MS * 0.95) / 1000);
  expect(found.sum, where).toBeLessThan(K);
}

async function expectEverywhere(app: INestApplicationContext, job: string, topic: string) {
  const metrics = app.get(MetricsManager);
  expectSlowMessages(
    series(parseTextFormat(await metrics.registry.metrics()), job, topic),
    'registry',
  );
  await waitFor(
    async () => {
      const report = await app.get(MetricsPusher).pushNow();
      return report.succeeded === PUSHGATEWAY_ADDRS.length ? true : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 250, what: 'a push every gateway took' },
  );
  for (const addr of PUSHGATEWAY_ADDRS)
    expectSlowMessages(series(await readPushgateway(addr), job, topic), addr);
}

describe('message_processing_seconds against the real broker', () => {
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    await assertKafkaReachable();
    await createTopics([NEST_TOPIC, PLAIN_TOPIC]);
    await produceMessages(NEST_TOPIC, K);
    await produceMessages(PLAIN_TOPIC, K);
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await deleteTopics([NEST_TOPIC, PLAIN_TOPIC]).catch(() => undefined);
    for (const job of [JOB_NEST, JOB_PLAIN]) await cleanUpGroupEverywhere(job);
  });

  it(`times each message of a Nest Kafka handler that takes ${WORK_MS} ms, with processingTime on`, async () => {
    @Module({
      imports: [NubiumMetricsModule.forRoot(moduleOptions(JOB_NEST, { buckets: BUCKETS }))],
      controllers: [SlowHandlers],
    })
    class SlowModule {}
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(SlowModule, {
      transport: Transport.KAFKA,
      options: {
        client: { clientId: JOB_NEST, brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING },
        consumer: { groupId: JOB_NEST, maxWaitTimeInMs: 200 },
        subscribe: { fromBeginning: true },
      },
      logger: ['error', 'warn'],
    });
    closers.push(() => app.close());
    await app.listen();
    const metrics = app.get(MetricsManager);
    await waitFor(() => (metrics.messagesConsumed(NEST_TOPIC) >= K ? true : undefined), {
      timeoutMs: 30_000,
      what: `${K} messages handled`,
    });
    await expectEverywhere(app, JOB_NEST, NEST_TOPIC);
  });

  it(`times each message of a kafkajs eachMessage handler that takes ${WORK_MS} ms, with instrumentConsumer's processingTime`, async () => {
    const ctx = await NestFactory.createApplicationContext(
      NubiumMetricsModule.forRoot(moduleOptions(JOB_PLAIN)),
      { logger: ['error', 'warn'] },
    );
    closers.push(() => ctx.close());
    const metrics = ctx.get(MetricsManager);
    const consumer = instrumentConsumer(
      createKafka('kpt-consumer', logLevel.NOTHING).consumer({
        groupId: JOB_PLAIN,
        maxWaitTimeInMs: 200,
      }),
      metrics,
      { processingTime: { buckets: BUCKETS } },
    );
    closers.push(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topics: [PLAIN_TOPIC], fromBeginning: true });
    await consumer.run({ eachMessage: work });
    await waitFor(() => (metrics.messagesConsumed(PLAIN_TOPIC) >= K ? true : undefined), {
      timeoutMs: 30_000,
      what: `${K} messages handled`,
    });
    expect(
      await registrySample(metrics.registry, `${HISTOGRAM}_count`, { topic: PLAIN_TOPIC }),
    ).toBe(K);
    await expectEverywhere(ctx, JOB_PLAIN, PLAIN_TOPIC);
  });
});
