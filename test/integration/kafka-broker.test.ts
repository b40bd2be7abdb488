// The real broker from `bash scripts/kafka.sh up` works with kafkajs the way the
// library's counting relies on: group consumption delivers each message once,
// an unknown topic is an error (no auto-creation), and a message whose handler
// throws is delivered again.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { logLevel, Partitioners, type Admin, type Consumer, type Producer } from 'kafkajs';
import {
  assertKafkaReachable,
  createKafka,
  createTopics,
  deleteTopics,
  produceMessages,
  uniqueTopic,
} from '../support/kafka';

const K = 50;

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Kafka broker with kafkajs', () => {
  const topics: string[] = [];
  const consumers: Consumer[] = [];
  const producers: Producer[] = [];
  let admin: Admin | undefined;

  beforeAll(async () => {
    await assertKafkaReachable();
    admin = createKafka('kafka-broker-test-admin').admin();
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.allSettled(consumers.map((consumer) => consumer.disconnect()));
    await Promise.allSettled(producers.map((producer) => producer.disconnect()));
    await admin?.disconnect();
    if (topics.length > 0) await deleteTopics(topics).catch(() => undefined);
  });

  async function newTopic(prefix: string, partitions = 1): Promise<string> {
    const topic = uniqueTopic(prefix);
    topics.push(topic);
    await createTopics([topic], partitions);
    return topic;
  }

  it(`consumes exactly the ${K} messages produced, with a consumer group that commits`, async () => {
    const topic = await newTopic('broker-roundtrip');
    const groupId = uniqueTopic('broker-roundtrip-group');
    const sent = await produceMessages(topic, K);
    expect(sent.map((meta) => [meta.partition, meta.baseOffset])).toEqual([[0, '0']]);

    const seen: string[] = [];
    const consumer = createKafka('kafka-broker-test-consumer').consumer({
      groupId,
      // A short fetch wait: disconnect() waits for the fetch in flight (5 s by default).
      maxWaitTimeInMs: 200,
    });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
      },
    });
    await waitFor(`${K} messages`, () => seen.length >= K);
    // Nothing more arrives after the K-th message.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await consumer.disconnect(); // commits the resolved offsets

    expect(seen).toHaveLength(K);
    expect(new Set(seen).size).toBe(K);
    expect(seen).toEqual(Array.from({ length: K }, (_, i) => `message-${i}`));

    const offsets = await admin!.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets).toEqual([
      { topic, partitions: [{ partition: 0, offset: String(K), metadata: null }] },
    ]);
    const end = await admin!.fetchTopicOffsets(topic);
    expect(end.map((p) => p.high)).toEqual([String(K)]);
  });

  it('fails to produce to a topic that does not exist (auto-creation is off)', async () => {
    const topic = uniqueTopic('broker-unknown');
    const producer = createKafka('kafka-broker-test-unknown', logLevel.NOTHING).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 1, initialRetryTime: 100 },
    });
    producers.push(producer);
    await producer.connect();
    await expect(
      producer.send({ topic, messages: [{ value: 'nobody listens' }] }),
    ).rejects.toThrow();
    expect(await admin!.listTopics()).not.toContain(topic);
  });

  it('delivers again a message whose eachMessage threw', async () => {
    const topic = await newTopic('broker-redelivery');
    const groupId = uniqueTopic('broker-redelivery-group');
    const n = 5;
    const failing = 'message-2';
    await produceMessages(topic, n);

    const deliveries: string[] = [];
    let thrown = false;
    // NOTHING: kafkajs logs the handler's error at ERROR level, expected here.
    const consumer = createKafka('kafka-broker-test-redelivery', logLevel.NOTHING).consumer({
      groupId,
      maxWaitTimeInMs: 200,
      retry: { retries: 5, initialRetryTime: 100 },
    });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value!.toString();
        deliveries.push(value);
        if (value === failing && !thrown) {
          thrown = true;
          throw new Error('handler fails once');
        }
      },
    });
    await waitFor(`${n} messages and one redelivery`, () => deliveries.length >= n + 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await consumer.disconnect();

    // The failed message comes back once; the ones before it were done and are
    // not delivered again; the ones after it are delivered once, after the retry.
    expect(thrown).toBe(true);
    expect(deliveries).toEqual([
      'message-0',
      'message-1',
      'message-2',
      'message-2',
      'message-3',
      'message-4',
    ]);
    const offsets = await admin!.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets[0].partitions[0].offset).toBe(String(n));
  });
});
