import type { Producer, ProducerBatch, ProducerRecord, Transaction } from 'kafkajs';
import type { MetricsManager } from '../manager/metrics.manager';

type Count = (topic: string, n: number) => void;

/**
 * Counts the acknowledged sends of `producer` and of its transactions (see `instrumentProducer`);
 * returns the undo, which puts the producer's own `send`, `sendBatch` and `transaction` back.
 */
export function countProducer(producer: Producer, metrics: MetricsManager): () => void {
  // Kept to be put back as they are, never called unbound.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { send, sendBatch, transaction } = producer;
  const count = (topic: string, n: number) => metrics.incMessagesProduced(topic, n);
  countSends(producer, count);
  const begin = transaction.bind(producer);
  producer.transaction = async () => countTransaction(await begin(), count);
  return () => Object.assign(producer, { send, sendBatch, transaction });
}

/** Most topics a sender keeps the acknowledgement callback of; past them, one is made per send. */
const MAX_ACK_TOPICS = 1000;

function countSends(sender: Pick<Producer, 'send' | 'sendBatch'>, count: Count): void {
  const send = sender.send.bind(sender);
  const sendBatch = sender.sendBatch.bind(sender);
  const acks = new Map<string, <T>(result: T) => T>();
  const acked = (topic: string, n: number) => {
    return <T>(result: T): T => {
      count(topic, n);
      return result;
    };
  };
  // One message a send is what ClientKafka's emit and send make: its callback is made once per
  // topic, so such a send allocates nothing for the count but the promise that sees the ack.
  const ackOne = (topic: string) => {
    let ack = acks.get(topic);
    if (ack === undefined) {
      ack = acked(topic, 1);
      if (acks.size < MAX_ACK_TOPICS) acks.set(topic, ack);
    }
    return ack;
  };
  sender.send = (record: ProducerRecord) => {
    const n = record.messages.length;
    return send(record).then(n === 1 ? ackOne(record.topic) : acked(record.topic, n));
  };
  sender.sendBatch = (batch: ProducerBatch) =>
    sendBatch(batch).then((result) => {
      for (const { topic, messages } of batch.topicMessages ?? []) count(topic, messages.length);
      return result;
    });
}

function countTransaction(transaction: Transaction, count: Count): Transaction {
  const pending = new Map<string, number>();
  countSends(transaction, (topic, n) => pending.set(topic, (pending.get(topic) ?? 0) + n));
  const commit = transaction.commit.bind(transaction);
  const abort = transaction.abort.bind(transaction);
  transaction.commit = async () => {
    await commit();
    for (const [topic, n] of pending) count(topic, n);
    pending.clear();
  };
  transaction.abort = async () => {
    pending.clear();
    await abort();
  };
  return transaction;
}
