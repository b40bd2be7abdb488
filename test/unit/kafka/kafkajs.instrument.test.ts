import type {
  Batch,
  Consumer,
  ConsumerRunConfig,
  EachBatchPayload,
  EachMessagePayload,
  Producer,
  Transaction,
} from 'kafkajs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { instrumentConsumer, instrumentProducer } from '../../../lib/kafka/kafkajs.instrument';
import { MetricsManager } from '../../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import { testManager } from '../../support/fake-kafka';

class Invalid extends Error {}

/** The part of a kafkajs consumer the helpers touch: run() keeps the config it got. */
function fakeConsumer(): Consumer & { config?: ConsumerRunConfig } {
  const consumer = {
    config: undefined as ConsumerRunConfig | undefined,
    events: { END_BATCH_PROCESS: 'consumer.end_batch_process', GROUP_JOIN: 'consumer.group_join' },
    on: () => () => undefined,
    run: async (config?: ConsumerRunConfig) => {
      consumer.config = config;
    },
  };
  return consumer as unknown as Consumer & { config?: ConsumerRunConfig };
}

const messagePayload = (topic: string) =>
  ({ topic, partition: 0, message: {} }) as unknown as EachMessagePayload;

function batchPayload(topic: string, offsets: string[], resolved: string[]): EachBatchPayload {
  const batch = {
    topic,
    partition: 0,
    messages: offsets.map((offset) => ({ offset })),
  } as unknown as Batch;
  return {
    batch,
    resolveOffset: (offset: string) => resolved.push(offset),
  } as unknown as EachBatchPayload;
}

describe('instrumentConsumer', () => {
  it('eachMessage: counts a message once its handler returns and each failed attempt as an error', async () => {
    const m = testManager();
    const consumer = instrumentConsumer(fakeConsumer(), m);
    let attempts = 0;
    await consumer.run({
      eachMessage: async () => {
        if (attempts++ === 0) throw new Invalid('first attempt');
      },
    });
    const each = consumer.config!.eachMessage!;
    await expect(each(messagePayload('orders'))).rejects.toThrow('first attempt');
    await each(messagePayload('orders'));
    expect([m.messagesConsumed('orders'), m.messageErrors('Invalid')]).toEqual([1, 1]);
  });

  it('eachBatch: counts messages as their offsets are resolved and the rest at auto-resolve, each once', async () => {
    const m = testManager();
    const consumer = instrumentConsumer(fakeConsumer(), m);
    const resolved: string[] = [];
    await consumer.run({
      eachBatch: async ({ resolveOffset }) => {
        resolveOffset('8');
        expect(m.messagesConsumed('orders')).toBe(2);
        resolveOffset('8');
        resolveOffset('10');
      },
    });
    await consumer.config!.eachBatch!(
      batchPayload('orders', ['7', '8', '10', '11', '12'], resolved),
    );
    expect(resolved).toEqual(['8', '8', '10']);
    expect(m.messagesConsumed('orders')).toBe(5);
  });

  it('eachBatch: a failed batch counts only the messages resolved before the error, and one error', async () => {
    const m = testManager();
    const consumer = instrumentConsumer(fakeConsumer(), m);
    await consumer.run({
      eachBatch: async ({ resolveOffset }) => {
        resolveOffset('99');
        throw new Invalid('bad message 100');
      },
    });
    await expect(
      consumer.config!.eachBatch!(batchPayload('orders', ['98', '99', '100', '101'], [])),
    ).rejects.toThrow();
    expect([m.messagesConsumed('orders'), m.messageErrors('Invalid')]).toEqual([2, 1]);
  });

  it('eachBatch with auto-resolve off counts only what the handler resolves', async () => {
    const m = testManager();
    const consumer = instrumentConsumer(fakeConsumer(), m);
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ resolveOffset }) => resolveOffset('1'),
    });
    await consumer.config!.eachBatch!(batchPayload('orders', ['0', '1', '2'], []));
    expect(m.messagesConsumed('orders')).toBe(2);
  });

  it('instrumenting twice does not count twice', async () => {
    const m = testManager();
    const consumer = instrumentConsumer(instrumentConsumer(fakeConsumer(), m), m);
    await consumer.run({ eachMessage: async () => undefined });
    await consumer.config!.eachMessage!(messagePayload('orders'));
    expect(m.messagesConsumed('orders')).toBe(1);
  });
});

describe('instrumentConsumer: seconds_behind and processing time', () => {
  const at = (topic: string, timestamp: string) =>
    ({ topic, partition: 0, message: { timestamp } }) as unknown as EachMessagePayload;

  it('eachMessage: keeps the timestamp of the message handled last, and times each attempt when asked', async () => {
    const m = testManager();
    const consumer = instrumentConsumer(fakeConsumer(), m, { processingTime: { buckets: [1] } });
    let attempts = 0;
    await consumer.run({
      eachMessage: async () => {
        if (attempts++ === 1) throw new Invalid('second attempt');
      },
    });
    const each = consumer.config!.eachMessage!;
    await each(at('orders', String(Date.now() - 60_000)));
    await expect(each(at('orders', String(Date.now() - 3_000)))).rejects.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    const behind = (await m.registry.getSingleMetric('seconds_behind')!.get()).values[0].value;
    expect(behind).toBeGreaterThanOrEqual(3);
    expect(behind).toBeLessThan(30);
    const text = await m.registry.getSingleMetricAsString('message_processing_seconds');
    expect(text).toContain(
      'message_processing_seconds_count{app="orders",job="pod-1",topic="orders"} 2',
    );
  });

  it('eachBatch: keeps the timestamp of the last message resolved, without processing time', async () => {
    const m = testManager();
    const consumer = instrumentConsumer(fakeConsumer(), m);
    const now = Date.now();
    const stamps = [now - 90_000, now - 60_000, now - 5_000].map(String);
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ resolveOffset }) => resolveOffset('1'),
    });
    const payload = batchPayload('orders', ['0', '1', '2'], []);
    payload.batch.messages.forEach((message, i) =>
      Object.assign(message, { timestamp: stamps[i] }),
    );
    await consumer.config!.eachBatch!(payload);
    const behind = (await m.registry.getSingleMetric('seconds_behind')!.get()).values[0].value;
    // Message 1 (60 s behind) is the last resolved; message 2 was never handed back.
    expect(behind).toBeGreaterThanOrEqual(59);
    expect(behind).toBeLessThan(85);
  });

  it("caps the processing-time histogram at the module's maxTopics, counting later topics under '__overflow__'", async () => {
    const m = testManager(2);
    const consumer = instrumentConsumer(fakeConsumer(), m, { processingTime: { buckets: [1] } });
    await consumer.run({ eachMessage: async () => undefined });
    const each = consumer.config!.eachMessage!;
    for (const topic of ['a', 'b', 'c', 'd']) await each(at(topic, String(Date.now())));
    const text = await m.registry.getSingleMetricAsString('message_processing_seconds');
    const counts = text
      .split('\n')
      .filter((line) => line.startsWith('message_processing_seconds_count'));
    expect(counts).toEqual([
      'message_processing_seconds_count{app="orders",job="pod-1",topic="a"} 1',
      'message_processing_seconds_count{app="orders",job="pod-1",topic="b"} 1',
      'message_processing_seconds_count{app="orders",job="pod-1",topic="__overflow__"} 2',
    ]);
  });

  it('eachBatch: each resolved message gets an equal share of the time since the previous resolve', async () => {
    const m = testManager();
    const consumer = instrumentConsumer(fakeConsumer(), m, { processingTime: { buckets: [0.02] } });
    const batch = batchPayload('orders', ['1', '2', '3', '4'], []);
    batch.batch.messages.forEach((message, i) => (message.timestamp = String(Date.now() - i)));
    await consumer.run({
      eachBatch: async ({ resolveOffset }) => {
        resolveOffset('1');
        // 60 ms of work for the next two messages: 30 ms each, past the 20 ms bucket.
        const until = Date.now() + 60;
        while (Date.now() < until);
        resolveOffset('3');
      },
    });
    await consumer.config!.eachBatch!(batch);
    const text = await m.registry.getSingleMetricAsString('message_processing_seconds');
    expect(text).toContain(
      'message_processing_seconds_count{app="orders",job="pod-1",topic="orders"} 4',
    );
    // Message 1 and the auto-resolved message 4 were quick; messages 2 and 3 took 30 ms each.
    expect(text).toContain(
      'message_processing_seconds_bucket{le="0.02",app="orders",job="pod-1",topic="orders"} 2',
    );
  });

  it('follows the module: no processing time unless the registry holds the histogram or the option asks', async () => {
    const m = testManager();
    const consumer = instrumentConsumer(fakeConsumer(), m, { secondsBehind: false });
    await consumer.run({ eachMessage: async () => undefined });
    await consumer.config!.eachMessage!(at('orders', String(Date.now())));
    expect(m.registry.getSingleMetric('message_processing_seconds')).toBeUndefined();
    expect(m.registry.getSingleMetric('seconds_behind')).toBeUndefined();
    expect(() =>
      instrumentConsumer(fakeConsumer(), m, { processingTime: { buckets: [] } }),
    ).toThrow(/option "instrumentConsumer processingTime.buckets"/);
  });
});

function fakeProducer(fail: () => boolean): Producer {
  const send = async () => {
    if (fail()) throw new Error('broker said no');
    return [];
  };
  const transaction = {
    send,
    sendBatch: send,
    commit: async () => undefined,
    abort: async () => undefined,
  } as unknown as Transaction;
  return {
    send,
    sendBatch: send,
    transaction: async () => ({ ...transaction }),
  } as unknown as Producer;
}

describe('instrumentProducer', () => {
  it('counts the messages of each acknowledged send and sendBatch per topic, nothing for a rejected one', async () => {
    const m = testManager();
    let failing = false;
    const producer = instrumentProducer(
      fakeProducer(() => failing),
      m,
    );
    await producer.send({ topic: 'a', messages: [{ value: '1' }, { value: '2' }] });
    await producer.sendBatch({
      topicMessages: [
        { topic: 'a', messages: [{ value: '3' }] },
        { topic: 'b', messages: [{ value: '4' }] },
      ],
    });
    failing = true;
    await expect(producer.send({ topic: 'a', messages: [{ value: '5' }] })).rejects.toThrow(
      'broker said no',
    );
    expect([m.messagesProduced('a'), m.messagesProduced('b')]).toEqual([3, 1]);
  });

  it('counts the messages of a transaction when it commits and none when it aborts', async () => {
    const m = testManager();
    const producer = instrumentProducer(
      fakeProducer(() => false),
      m,
    );
    const committed = await producer.transaction();
    await committed.send({ topic: 'a', messages: [{ value: '1' }, { value: '2' }] });
    expect(m.messagesProduced('a')).toBe(0);
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'a', messages: [{ value: '3' }] });
    await aborted.abort();
    expect(m.messagesProduced('a')).toBe(2);
  });

  it('counts one-message sends to each of 1500 topics once, past the topics it keeps a callback for', async () => {
    const m = new MetricsManager(
      resolveMetricsOptions(
        { job: 'pod-1', app: 'orders', pushEnabled: false, maxTopics: 2000 },
        {},
      ),
      new Registry(),
    );
    const producer = instrumentProducer(
      fakeProducer(() => false),
      m,
    );
    const topics = Array.from({ length: 1500 }, (_, i) => `topic-${i}`);
    for (const topic of [...topics, ...topics])
      await producer.send({ topic, messages: [{ value: '1' }] });
    expect(topics.filter((topic) => m.messagesProduced(topic) !== 2)).toEqual([]);
  });

  it('hands the caller what the send resolved to, or the error it rejected with, unchanged', async () => {
    const acknowledged = [{ topicName: 'a', partition: 0, errorCode: 0 }];
    const refused = new Error('broker said no');
    let outcome: () => Promise<unknown> = async () => acknowledged;
    const producer = instrumentProducer(
      {
        send: () => outcome(),
        sendBatch: () => outcome(),
        transaction: outcome,
      } as unknown as Producer,
      testManager(),
    );
    await expect(producer.send({ topic: 'a', messages: [{ value: '1' }] })).resolves.toBe(
      acknowledged,
    );
    await expect(producer.sendBatch({ topicMessages: [] })).resolves.toBe(acknowledged);
    outcome = async () => {
      throw refused;
    };
    await expect(producer.send({ topic: 'a', messages: [{ value: '1' }] })).rejects.toBe(refused);
  });
});
