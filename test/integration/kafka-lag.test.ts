// instrumentConsumer with eachBatch against the real broker: messages count as their offsets are
// resolved, and the lag gauge per topic/partition follows kafkajs's END_BATCH_PROCESS offsetLag.
import { NestFactory } from '@nestjs/core';
import { logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentConsumer, MetricsManager, MetricsPusher, NubiumMetricsModule } from '../../lib';
import {
  assertKafkaReachable,
  createKafka,
  createTopics,
  deleteTopics,
  uniqueTopic,
} from '../support/kafka';
import { findSample, readPushgateway, waitFor, cleanUpGroupEverywhere } from '../support/stack';
import { LOCAL_CACHE_OPTIONS, PUSHGATEWAY_ADDRS } from '../support/stack-config';

// The lag gauge's name, as dashboards and the README know it.
const LAG_METRIC = 'kafka_consumer_offset_lag';

const BATCHES = 5;
const PER_BATCH = 10;
const APP = 'kafka-lag-app';
const TOPIC = uniqueTopic('klag-in');
const JOB = `kafka-lag-${uniqueTopic('run')}`;

async function readEveryGateway(
  name: string,
  labels: Record<string, string>,
): Promise<Array<number | undefined>> {
  return Promise.all(
    PUSHGATEWAY_ADDRS.map(async (addr) => findSample(await readPushgateway(addr), name, labels)),
  );
}

describe('instrumentConsumer with eachBatch', () => {
  beforeAll(async () => {
    await assertKafkaReachable();
    await createTopics([TOPIC]);
    // One record batch per send: with a tiny fetch size the consumer gets them one at a time.
    const producer = createKafka('klag-producer').producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    for (let b = 0; b < BATCHES; b++) {
      await producer.send({
        topic: TOPIC,
        messages: Array.from({ length: PER_BATCH }, (_, i) => ({ value: `m-${b}-${i}` })),
      });
    }
    await producer.disconnect();
  });

  afterAll(async () => {
    await deleteTopics([TOPIC]).catch(() => undefined);
    await cleanUpGroupEverywhere(JOB);
  });

  it('counts resolved offsets once and reports the lag of each batch, down to 0', async () => {
    const ctx = await NestFactory.createApplicationContext(
      NubiumMetricsModule.forRoot({
        job: JOB,
        app: APP,
        ...LOCAL_CACHE_OPTIONS,
      }),
      { logger: false },
    );
    const metrics = ctx.get(MetricsManager);
    const pusher = ctx.get(MetricsPusher);
    const consumer = instrumentConsumer(
      createKafka('klag-consumer', logLevel.NOTHING).consumer({
        groupId: JOB,
        maxWaitTimeInMs: 200,
        maxBytesPerPartition: 1,
      }),
      metrics,
    );
    let resume: (() => void) | undefined;
    const lagLabels = { job: JOB, app: APP, topic: TOPIC, partition: '0' };
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch, resolveOffset, pause }) => {
          // Half the batch resolved by hand, the rest by kafkajs's auto-resolve.
          for (const message of batch.messages.slice(0, PER_BATCH / 2))
            resolveOffset(message.offset);
          if (resume === undefined) resume = pause();
        },
      });
      await waitFor(
        () =>
          resume !== undefined && metrics.messagesConsumed(TOPIC) === PER_BATCH ? true : undefined,
        {
          timeoutMs: 20_000,
          what: 'the first batch processed',
        },
      );
      // END_BATCH_PROCESS comes right after the batch handler returns.
      await waitFor(
        async () => {
          await pusher.pushNow();
          const lag = await readEveryGateway(LAG_METRIC, lagLabels);
          return lag.every((v) => v === (BATCHES - 1) * PER_BATCH) ? lag : undefined;
        },
        {
          timeoutMs: 10_000,
          intervalMs: 200,
          what: `lag ${(BATCHES - 1) * PER_BATCH} on every gateway`,
        },
      );
      expect(await readEveryGateway('messages_consumed', { job: JOB, topic: TOPIC })).toEqual(
        PUSHGATEWAY_ADDRS.map(() => PER_BATCH),
      );

      resume!();
      await waitFor(
        () => (metrics.messagesConsumed(TOPIC) >= BATCHES * PER_BATCH ? true : undefined),
        {
          timeoutMs: 20_000,
          what: 'every batch processed',
        },
      );
      await waitFor(
        async () => {
          await pusher.pushNow();
          const lag = await readEveryGateway(LAG_METRIC, lagLabels);
          return lag.every((v) => v === 0) ? lag : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 200, what: 'lag 0 on every gateway' },
      );
      expect(await readEveryGateway('messages_consumed', { job: JOB, topic: TOPIC })).toEqual(
        PUSHGATEWAY_ADDRS.map(() => BATCHES * PER_BATCH),
      );
    } finally {
      await consumer.disconnect();
      await ctx.close();
    }
  });
});
