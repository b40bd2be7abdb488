// Helpers for tests that talk to the real Kafka broker started by `bash scripts/kafka.sh up`.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type RecordMetadata } from 'kafkajs';
import { KAFKA_BROKER } from './stack-config';

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

/** Creates the topics (replication 1) and waits until every partition has a leader. */
export async function createTopics(names: string[], partitions = 1): Promise<void> {
  const admin = createKafka('test-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the topics that exist among `names`; names that do not exist are ignored. */
export async function deleteTopics(names: string[]): Promise<void> {
  const admin = createKafka('test-admin').admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = names.filter((name) => existing.has(name));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
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
