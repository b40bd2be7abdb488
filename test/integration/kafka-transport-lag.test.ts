// Lag and time behind, with no app code, against the real broker: a Nest Kafka transport app whose
// handlers take neither @Ctx() nor anything but @Payload() gets kafka_consumer_offset_lag and
// seconds_behind; an instrumentConsumer app gets seconds_behind too. Each value is read back from
// the app's registry and from every Pushgateway after a push.
import {
  Controller,
  Inject,
  Module,
  type DynamicModule,
  type INestApplicationContext,
  type INestMicroservice,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload, ServerKafka } from '@nestjs/microservices';
import { logLevel, type Consumer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentConsumer, MetricsManager, MetricsPusher, NubiumMetricsModule } from '../../lib';
import {
  assertKafkaReachable,
  createKafka,
  createTopics,
  deleteTopics,
  KAFKA_BROKER,
  produceOneByOne,
  registrySample,
  uniqueTopic,
} from '../support/kafka';
import { cleanUpGroupEverywhere, findSample, readPushgateway, waitFor } from '../support/stack';
import { LOCAL_CACHE_OPTIONS, PUSHGATEWAY_ADDRS } from '../support/stack-config';

// The lag gauge's name, as dashboards and the README know it.
const LAG_METRIC = 'kafka_consumer_offset_lag';

const APP = 'kafka-transport-lag-app';
const RUN = uniqueTopic('run');
const LAG_TOPIC = uniqueTopic('ktl-lag');
const AGE_TOPIC = uniqueTopic('ktl-age');
const PLAIN_AGE_TOPIC = uniqueTopic('ktl-age-kafkajs');
const JOBS = {
  lag: `ktl-lag-${RUN}`,
  age: `ktl-age-${RUN}`,
  plain: `ktl-age-kafkajs-${RUN}`,
};
const WAITING = 20;
const OLD = 5;
const FRESH = 3;
/** How old the messages a test produces while nothing consumes are when its consumer starts. */
const AGE_MS = 10_000;
const SECONDS_BEHIND = 'seconds_behind';

/** The test's hook into the handler: called with each payload the handler receives. */
const SEEN = Symbol('seen');
type Seen = (topic: string, value: unknown) => void;

function handlersFor(topic: string) {
  @Controller()
  class PayloadOnlyHandlers {
    constructor(@Inject(SEEN) private readonly seen: Seen) {}

    // No @Ctx(): the module finds the message's timestamp and consumer on its own.
    @EventPattern(topic)
    handle(@Payload() value: unknown): void {
      this.seen(topic, value);
    }
  }
  return PayloadOnlyHandlers;
}

function appModule(job: string, topic: string, seen: Seen): DynamicModule {
  @Module({})
  class TransportLagModule {}
  return {
    module: TransportLagModule,
    imports: [
      NubiumMetricsModule.forRoot({
        job,
        app: APP,
        ...LOCAL_CACHE_OPTIONS,
      }),
    ],
    controllers: [handlersFor(topic)],
    providers: [{ provide: SEEN, useValue: seen }],
  };
}

/** Nest's own Kafka transport; the test keeps the server to reach its consumer (`unwrap()`). */
function kafkaServer(job: string): ServerKafka {
  return new ServerKafka({
    client: { clientId: job, brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING },
    // One record batch per fetch: each message was sent alone, so each batch holds one message.
    consumer: { groupId: job, maxWaitTimeInMs: 200, maxBytesPerPartition: 1 },
    subscribe: { fromBeginning: true },
  });
}

async function startApp(
  job: string,
  topic: string,
  seen: Seen,
): Promise<{ app: INestMicroservice; server: ServerKafka; metrics: MetricsManager }> {
  const server = kafkaServer(job);
  const app = await NestFactory.createMicroservice(appModule(job, topic, seen), {
    strategy: server,
    logger: ['error', 'warn'],
  });
  await app.listen();
  return { app, server, metrics: app.get(MetricsManager) };
}

/**
 * Pushes until every Pushgateway took the push and holds a value of the sample that `accept`s,
 * and returns those values (other tests of the shared stack may have a gateway down a while).
 */
async function pushedEverywhere(
  app: INestApplicationContext,
  name: string,
  labels: Record<string, string>,
  accept: (value: number) => boolean,
): Promise<number[]> {
  return waitFor(
    async () => {
      const report = await app.get(MetricsPusher).pushNow();
      if (report.succeeded !== PUSHGATEWAY_ADDRS.length) return undefined;
      const values = await Promise.all(
        PUSHGATEWAY_ADDRS.map(async (addr) =>
          findSample(await readPushgateway(addr), name, labels),
        ),
      );
      return values.every((v) => v !== undefined && accept(v)) ? (values as number[]) : undefined;
    },
    {
      timeoutMs: 20_000,
      intervalMs: 250,
      what: `${name} ${JSON.stringify(labels)} on every gateway`,
    },
  );
}

/** Waits until `time` (ms since the epoch): the age the test measures, not a synchronisation. */
async function until(time: number): Promise<void> {
  await waitFor(() => (Date.now() >= time ? true : undefined), {
    timeoutMs: Math.max(0, time - Date.now()) + 5_000,
    intervalMs: 100,
    what: `${new Date(time).toISOString()}`,
  });
}

/**
 * Produces `OLD` messages on `topic`, which nothing consumes yet, and waits until they are
 * `AGE_MS` old; when they were produced (the test's own clock). Each test ages its own, so how
 * old they are does not depend on how long the tests before it took.
 */
async function agedMessages(topic: string): Promise<number> {
  const producedAt = await produceOneByOne(topic, OLD);
  await until(producedAt + AGE_MS);
  return producedAt;
}

describe('lag and seconds_behind with no app code', () => {
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    await assertKafkaReachable();
    await createTopics([LAG_TOPIC, AGE_TOPIC, PLAIN_AGE_TOPIC]);
  });

  // Each test's apps and consumers stop with it.
  afterEach(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    closers.length = 0;
  });

  afterAll(async () => {
    await deleteTopics([LAG_TOPIC, AGE_TOPIC, PLAIN_AGE_TOPIC]).catch(() => undefined);
    for (const job of Object.values(JOBS)) await cleanUpGroupEverywhere(job);
  });

  it(`a Nest transport app's lag gauge reads the ${WAITING - 1} messages waiting while its consumer is paused, then 0`, async () => {
    await produceOneByOne(LAG_TOPIC, WAITING);
    const received: unknown[] = [];
    let consumer: Consumer | undefined;
    const { app, server, metrics } = await startApp(JOBS.lag, LAG_TOPIC, (_topic, value) => {
      received.push(value);
      if (received.length > 1) return;
      // The first message: pause the topic (kafkajs ends the batch after this message).
      consumer = server.unwrap<[unknown, Consumer]>()[1];
      consumer.pause([{ topic: LAG_TOPIC }]);
    });
    closers.push(() => app.close());
    const labels = { job: JOBS.lag, app: APP, topic: LAG_TOPIC, partition: '0' };

    // The handler saw one message, the topic holds WAITING: WAITING - 1 wait.
    const paused = await waitFor(
      async () => {
        const lag = await registrySample(metrics.registry, LAG_METRIC, labels);
        return lag !== undefined ? lag : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the lag of the first batch in the registry' },
    );
    expect(received).toHaveLength(1);
    expect(paused).toBe(WAITING - received.length);
    expect(await pushedEverywhere(app, LAG_METRIC, labels, (v) => v === WAITING - 1)).toEqual(
      PUSHGATEWAY_ADDRS.map(() => WAITING - 1),
    );

    consumer!.resume([{ topic: LAG_TOPIC }]);
    await waitFor(() => (received.length >= WAITING ? true : undefined), {
      timeoutMs: 30_000,
      what: `the ${WAITING} messages handled`,
    });
    await waitFor(
      async () =>
        (await registrySample(metrics.registry, LAG_METRIC, labels)) === 0 ? true : undefined,
      { timeoutMs: 10_000, what: 'lag 0 in the registry' },
    );
    expect(received).toHaveLength(WAITING);
    expect(metrics.messagesConsumed(LAG_TOPIC)).toBe(WAITING);
    expect(await pushedEverywhere(app, LAG_METRIC, labels, (v) => v === 0)).toEqual(
      PUSHGATEWAY_ADDRS.map(() => 0),
    );
  });

  it(`a Nest transport app's seconds_behind reads about ${AGE_MS / 1000} s for messages consumed that late, then near 0 for fresh ones`, async () => {
    const producedAt = await agedMessages(AGE_TOPIC);
    const received: unknown[] = [];
    const { app, metrics } = await startApp(JOBS.age, AGE_TOPIC, (_topic, value) =>
      received.push(value),
    );
    closers.push(() => app.close());
    const labels = { job: JOBS.age, app: APP };
    await waitFor(() => (metrics.messagesConsumed(AGE_TOPIC) >= OLD ? true : undefined), {
      timeoutMs: 30_000,
      what: `the ${OLD} old messages handled`,
    });

    const late = await registrySample(metrics.registry, SECONDS_BEHIND, labels);
    // What the test itself knows: how long ago it produced them (the last one a little later).
    const age = (Date.now() - producedAt) / 1000;
    expect(late).toBeGreaterThanOrEqual(8);
    expect(late).toBeLessThanOrEqual(20);
    expect(late).toBeLessThanOrEqual(age);
    expect(late).toBeGreaterThan(age - 3);
    const pushedLate = await pushedEverywhere(app, SECONDS_BEHIND, labels, (v) => v >= 8);
    for (const pushed of pushedLate) expect(pushed).toBeLessThanOrEqual(20);

    await produceOneByOne(AGE_TOPIC, FRESH);
    await waitFor(() => (metrics.messagesConsumed(AGE_TOPIC) >= OLD + FRESH ? true : undefined), {
      timeoutMs: 30_000,
      what: `the ${FRESH} fresh messages handled`,
    });
    expect(await registrySample(metrics.registry, SECONDS_BEHIND, labels)).toBeLessThan(3);
    const pushedFresh = await pushedEverywhere(app, SECONDS_BEHIND, labels, (v) => v < 3);
    expect(pushedFresh).toHaveLength(PUSHGATEWAY_ADDRS.length);
    expect(received).toHaveLength(OLD + FRESH);
  });

  it(`an instrumentConsumer app's seconds_behind reads about ${AGE_MS / 1000} s for messages consumed that late, then near 0 for fresh ones`, async () => {
    const producedAt = await agedMessages(PLAIN_AGE_TOPIC);
    const ctx = await NestFactory.createApplicationContext(
      NubiumMetricsModule.forRoot({
        job: JOBS.plain,
        app: APP,
        ...LOCAL_CACHE_OPTIONS,
      }),
      { logger: ['error', 'warn'] },
    );
    closers.push(() => ctx.close());
    const metrics = ctx.get(MetricsManager);
    const consumer = instrumentConsumer(
      createKafka('ktl-age-consumer', logLevel.NOTHING).consumer({
        groupId: JOBS.plain,
        maxWaitTimeInMs: 200,
      }),
      metrics,
    );
    closers.unshift(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topics: [PLAIN_AGE_TOPIC], fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
    const labels = { job: JOBS.plain, app: APP };
    await waitFor(() => (metrics.messagesConsumed(PLAIN_AGE_TOPIC) >= OLD ? true : undefined), {
      timeoutMs: 30_000,
      what: `the ${OLD} old messages handled`,
    });

    const late = await registrySample(metrics.registry, SECONDS_BEHIND, labels);
    const age = (Date.now() - producedAt) / 1000;
    expect(late).toBeGreaterThanOrEqual(8);
    expect(late).toBeLessThanOrEqual(20);
    expect(late).toBeLessThanOrEqual(age);
    expect(late).toBeGreaterThan(age - 3);
    const pushedLate = await pushedEverywhere(ctx, SECONDS_BEHIND, labels, (v) => v >= 8);
    for (const pushed of pushedLate) expect(pushed).toBeLessThanOrEqual(20);

    await produceOneByOne(PLAIN_AGE_TOPIC, FRESH);
    await waitFor(
      () => (metrics.messagesConsumed(PLAIN_AGE_TOPIC) >= OLD + FRESH ? true : undefined),
      { timeoutMs: 30_000, what: `the ${FRESH} fresh messages handled` },
    );
    expect(await registrySample(metrics.registry, SECONDS_BEHIND, labels)).toBeLessThan(3);
    const pushedFresh = await pushedEverywhere(ctx, SECONDS_BEHIND, labels, (v) => v < 3);
    expect(pushedFresh).toHaveLength(PUSHGATEWAY_ADDRS.length);
  });
});
