// Helpers for tests that talk to the real Kafka broker started by `bash scripts/kafka.sh up`.
import { randomBytes } from 'node:crypto';
import type { DynamicModule, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { Kafka, logLevel, Partitioners, type Admin, type RecordMetadata } from 'kafkajs';
import type { Registry } from 'prom-client';
import { findSample } from './stack';
import { KAFKA_BROKER } from './stack-config';
import { parseTextFormat } from './text-format';

/** Bootstrap address of the test broker, with the stack's other addresses in stack-config.ts. */
export { KAFKA_BROKER };

/**
 * A kafkajs client for the test broker. Quiet: only errors are logged; pass
 * logLevel.NOTHING where a test provokes errors on purpose.
 */
export function createKafka(clientId: string, level: logLevel = logLevel.ERROR): Kafka {
  return new Kafka({
    clientId,
    brokers: [KAFKA_BROKER],
    logLevel: level,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
  });
}

/** A topic name no earlier run has used: `${prefix}-<time>-<random>`. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Fails with a message that says what to run when the broker does not answer.
 * Meant for beforeAll: one quick Admin round trip, no long retries.
 */
export async function assertKafkaReachable(timeoutMs = 5_000): Promise<void> {
  const admin = new Kafka({
    clientId: 'test-kafka-check',
    brokers: [KAFKA_BROKER],
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 3_000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  }).admin();
  try {
    const cluster = await admin.connect().then(() => admin.describeCluster());
    if (cluster.brokers.length === 0) throw new Error('the cluster lists no broker');
  } catch (err) {
    throw new Error(
      `Kafka is not reachable at ${KAFKA_BROKER} (${(err as Error).message}). ` +
        'Start it first: bash scripts/kafka.sh up',
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Runs `work` with a connected admin client of the test broker, disconnecting it after. */
async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafka('test-admin').admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates the topics (replication 1) and waits until every partition has a leader. `config`:
 * topic settings, e.g. `{ 'max.message.bytes': '1024' }`.
 */
export async function createTopics(
  names: string[],
  partitions = 1,
  config: Record<string, string> = {},
): Promise<void> {
  const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }));
  return withAdmin(async (admin) => {
    await admin.createTopics({
      topics: names.map((topic) => ({
        topic,
        numPartitions: partitions,
        replicationFactor: 1,
        configEntries,
      })),
      waitForLeaders: true,
    });
  });
}

/** Deletes the topics that exist among `names`; names that do not exist are ignored. */
export async function deleteTopics(names: string[]): Promise<void> {
  return withAdmin(async (admin) => {
    const existing = new Set(await admin.listTopics());
    const topics = names.filter((name) => existing.has(name));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  });
}

/**
 * Produces `count` messages to `topic` in one batch (acks from all replicas).
 * Values default to `message-<i>`; keys are `key-<i>`.
 */
export async function produceMessages(
  topic: string,
  count: number,
  valueFn: (index: number) => string | Buffer = (index) => `message-${index}`,
): Promise<RecordMetadata[]> {
  const producer = createKafka('test-producer').producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    return await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: count }, (_, index) => ({
        key: `key-${index}`,
        value: valueFn(index),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Messages the broker holds in `topic`, summed over its partitions (high watermark minus the
 * first offset): what producers really wrote, counted by the broker, not by any app.
 */
export async function topicMessageCount(topic: string): Promise<number> {
  return withAdmin(async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  });
}

/**
 * Messages of `topic` the consumer group `groupId` has committed, summed over the partitions
 * (committed offset minus the partition's first offset; a partition with no commit counts 0):
 * what the group consumed and acknowledged, as the broker recorded it.
 */
export async function committedCount(groupId: string, topic: string): Promise<number> {
  return withAdmin(async (admin) => {
    const low = new Map(
      (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.low)]),
    );
    const [found] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (found?.partitions ?? []).reduce(
      (sum, p) => sum + Math.max(0, Number(p.offset) - (low.get(p.partition) ?? 0)),
      0,
    );
  });
}

/** Ids of the broker's consumer groups that start with `prefix`. */
export async function consumerGroupsStartingWith(prefix: string): Promise<string[]> {
  return withAdmin(async (admin) => {
    const { groups } = await admin.listGroups();
    return groups
      .map((g) => g.groupId)
      .filter((id) => id.startsWith(prefix))
      .sort();
  });
}

/**
 * Produces `count` messages to `topic`, one send each, so each is a record batch of its own: a
 * consumer with `maxBytesPerPartition: 1` then fetches them one batch at a time. Returns the
 * time (ms since the epoch) just before the first send.
 */
export async function produceOneByOne(topic: string, count: number): Promise<number> {
  const producer = createKafka('test-producer').producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    const startedAt = Date.now();
    for (let index = 0; index < count; index++) {
      await producer.send({ topic, acks: -1, messages: [{ value: `message-${index}` }] });
    }
    return startedAt;
  } finally {
    await producer.disconnect();
  }
}

/**
 * The value of the one sample with this name and (at least) these labels in the registry's
 * text output (what a push sends, read at this moment), or undefined.
 */
export async function registrySample(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  return findSample(parseTextFormat(await registry.metrics()), name, labels);
}

/**
 * A Nest Kafka microservice of `module` on the test broker, listening: client `clientId`, consumer
 * group `groupId`, reading from the start. The caller closes it.
 */
export async function listenKafkaMicroservice(
  module: DynamicModule,
  clientId: string,
  groupId: string,
): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(module, {
    transport: Transport.KAFKA,
    options: {
      client: { clientId, brokers: [KAFKA_BROKER], logLevel: logLevel.ERROR },
      consumer: { groupId, maxWaitTimeInMs: 200 },
      subscribe: { fromBeginning: true },
    },
    logger: ['error', 'warn'],
  });
  try {
    await app.listen();
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
