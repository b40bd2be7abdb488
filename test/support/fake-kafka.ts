// Fakes of kafkajs and of the Nest Kafka transport for unit tests, and a manager that never pushes.
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { KafkaContext } from '@nestjs/microservices';
import type { ProducerBatch, ProducerRecord, RecordMetadata } from 'kafkajs';
import { Registry } from 'prom-client';
import { MetricsManager } from '../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../lib/metrics.options';

/** A manager with its own registry that never pushes (`maxTopics` as given, else the default). */
export function testManager(maxTopics?: number): MetricsManager {
  return new MetricsManager(
    resolveMetricsOptions({ job: 'pod-1', app: 'orders', pushEnabled: false, maxTopics }, {}),
    new Registry(),
  );
}

/** The execution context Nest's Kafka transport gives a handler for a message of `topic`. */
export function kafkaExecutionContext(topic: string, consumer: unknown = {}): ExecutionContextHost {
  const kafkaContext = new KafkaContext([
    {} as never,
    0,
    topic,
    consumer as never,
    async () => undefined,
    {} as never,
  ]);
  const host = new ExecutionContextHost([{ value: 1 }, kafkaContext]);
  host.setType('rpc');
  return host;
}

type Listener = (event: { payload: Record<string, unknown> }) => void;

/** The part of a kafkajs consumer the lag reads: instrumentation events, fired by hand. */
export function fakeConsumer() {
  const listeners = new Map<string, Set<Listener>>();
  const consumer = {
    events: { END_BATCH_PROCESS: 'consumer.end_batch_process', GROUP_JOIN: 'consumer.group_join' },
    on(event: string, listener: Listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
      return () => listeners.get(event)!.delete(listener);
    },
    emit(event: string, payload: Record<string, unknown>) {
      for (const listener of listeners.get(event) ?? []) listener({ payload });
    },
    listening: (event: string) => listeners.get(event)?.size ?? 0,
  };
  return consumer;
}

/** The execution context of an HTTP route. */
export function httpExecutionContext(): ExecutionContextHost {
  const host = new ExecutionContextHost([{}, {}, () => undefined]);
  host.setType('http');
  return host;
}

/** A send the fake kafkajs producer refuses, as the broker refuses a message over `max.message.bytes`. */
export class RefusedSend extends Error {}

/**
 * The part of a kafkajs producer a `ClientKafka` uses, with no broker: `send` / `sendBatch`
 * resolve at once (the broker's acknowledgement), or reject with {@link RefusedSend} for a
 * message whose value is `'refuse'`.
 */
export function fakeProducer() {
  const refused = (messages: readonly { value?: unknown }[]) =>
    messages.some((m) => m.value === 'refuse');
  const producer = {
    events: { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' },
    connects: 0,
    on: () => () => undefined,
    async connect() {
      producer.connects++;
    },
    async disconnect() {},
    async send(record: ProducerRecord): Promise<RecordMetadata[]> {
      if (refused(record.messages)) throw new RefusedSend('MESSAGE_TOO_LARGE');
      return [{ topicName: record.topic, partition: 0, errorCode: 0 }];
    },
    async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
      const records = batch.topicMessages ?? [];
      if (records.some((r) => refused(r.messages))) throw new RefusedSend('MESSAGE_TOO_LARGE');
      return records.map((r) => ({ topicName: r.topic, partition: 0, errorCode: 0 }));
    },
    async transaction(): Promise<never> {
      throw new Error('no transactions in the fake producer');
    },
  };
  /** Its own methods, before anything wraps them. */
  const own = {
    send: producer.send,
    sendBatch: producer.sendBatch,
    transaction: producer.transaction,
  };
  return Object.assign(producer, { own });
}

/** A fake kafkajs producer of {@link fakeProducer}, as a kafkajs `Producer`. */
export type FakeProducer = ReturnType<typeof fakeProducer>;

/**
 * Makes a Nest `ClientKafka` (`producerOnlyMode`) connect to no broker: its kafkajs client is a
 * stand-in handing out {@link fakeProducer}s; `producers` lists those it created, one per
 * `connect()` after a `close()`.
 */
export function withFakeKafka(client: object): { producers: FakeProducer[] } {
  const producers: FakeProducer[] = [];
  Object.assign(client, {
    createClient: async () => ({
      producer: () => {
        const producer = fakeProducer();
        producers.push(producer);
        return producer;
      },
    }),
  });
  return { producers };
}
