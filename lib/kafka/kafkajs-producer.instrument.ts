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

function countSends(sender: Pick<Producer, 'send' | 'sendBatch'>, count: Count): void {
  const send = sender.send.bind(sender);
  const sendBatch = sender.sendBatch.bind(sender);
  sender.send = async (record: ProducerRecord) => {
    const result = await send(record);
    count(record.topic, record.messages.length);
    return result;
  };
  sender.sendBatch = async (batch: ProducerBatch) => {
    const result = await sendBatch(batch);
    for (const { topic, messages } of batch.topicMessages ?? []) count(topic, messages.length);
    return result;
  };
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
