'use strict';
// Kafka helpers of the throwaway apps, copied next to each app's entry by run.sh so that kafkajs
// resolves from the app's own node_modules. CommonJS, so the ESM app imports it too.
const { Kafka, logLevel, Partitioners } = require('kafkajs');
const { sampleLine, scrape, waitFor } = require('./compat-support.cjs');

/** A quiet kafkajs client of the test broker. */
function createKafka(clientId, broker) {
  return new Kafka({ clientId, brokers: [broker], logLevel: logLevel.ERROR });
}

/** The broker does not create topics on its own: the run's topic is made here, then filled. */
async function createAndFill(kafka, topic, count) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: count }, (_, i) => ({ value: `compat-${i}` })),
    });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Deletes the run's topic and its consumer groups: those whose id starts with `groupPrefix` (Nest's
 * transport appends its own suffix to the group id it is given).
 */
async function cleanUp(kafka, topic, groupPrefix) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
    const { groups } = await admin.listGroups();
    const ours = groups.map((g) => g.groupId).filter((id) => id.startsWith(groupPrefix));
    if (ours.length > 0) await admin.deleteGroups(ours);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until the app's /metrics serves a lag of 0 for `topic`, whose every message the handler
 * has seen: the gauge is set when kafkajs ends a batch, which may be just after the handler's last
 * delivery settled.
 */
function waitForZeroLag(port, topic, timeoutMs) {
  return waitFor({
    state: async () =>
      sampleLine((await scrape(port)).text, 'kafka_consumer_offset_lag', { topic }),
    done: (line) => line !== undefined && line.endsWith(' 0'),
    failure: (line) =>
      `/metrics serves ${line ?? 'no kafka_consumer_offset_lag sample'} for ${topic}, every message of which was handled, instead of a lag of 0`,
    timeoutMs,
  });
}

module.exports = { createKafka, createAndFill, cleanUp, waitForZeroLag };
