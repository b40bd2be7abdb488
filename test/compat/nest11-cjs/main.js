'use strict';
// A CommonJS Nest 11 app on Express with a Kafka microservice, as users write it without a
// TypeScript build: decorators applied by hand. Counts by hand, counts the messages its Kafka
// handler consumes through Nest 11's own transport, serves /metrics, pushes, and prints what it saw.
require('reflect-metadata');
const { Controller, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { EventPattern, Transport } = require('@nestjs/microservices');
const { Kafka, logLevel, Partitioners } = require('kafkajs');
const { NubiumMetricsModule, MetricsManager, MetricsPusher } = require('nubium-metrics-nestjs');

const {
  COMPAT_APP,
  COMPAT_JOB,
  COMPAT_TOPIC,
  COMPAT_DNS_SERVER,
  COMPAT_SERVICE_NAME,
  COMPAT_KAFKA_BROKER,
  COMPAT_KAFKA_TOPIC,
} = process.env;
const KAFKA_MESSAGES = 5;

// Deliveries the handler saw: the count must equal them, so a message counted twice shows.
let deliveries = 0;

class EventsController {
  async handle() {
    deliveries++;
  }
}
Controller()(EventsController);
EventPattern(COMPAT_KAFKA_TOPIC)(
  EventsController.prototype,
  'handle',
  Object.getOwnPropertyDescriptor(EventsController.prototype, 'handle'),
);

class AppModule {}
Module({
  imports: [
    NubiumMetricsModule.forRoot({
      app: COMPAT_APP,
      job: COMPAT_JOB,
      serviceName: COMPAT_SERVICE_NAME,
      dnsServers: [COMPAT_DNS_SERVER],
      pushRateSeconds: 3600,
      // Own name: the shared test gateways may hold messages_consumed of another type.
      metricNames: { consumed: 'compat_messages_consumed' },
      metricsEndpoint: true,
    }),
  ],
  controllers: [EventsController],
})(AppModule);

const kafka = new Kafka({
  clientId: COMPAT_APP,
  brokers: [COMPAT_KAFKA_BROKER],
  logLevel: logLevel.ERROR,
});

/** The broker does not create topics on its own: the run's topic is made here, then filled. */
async function createAndFill(topic, count) {
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

async function deleteTopic(topic) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Polls until the handler saw `expected` deliveries and the wrapper counted exactly those (each
 * delivery's count lands as its promise settles, before the next poll), or the deadline passes.
 */
async function waitForConsumed(metrics, topic, expected, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (deliveries !== expected || metrics.messagesConsumed(topic) !== deliveries) {
    if (
      deliveries > expected ||
      metrics.messagesConsumed(topic) > expected ||
      Date.now() > deadline
    )
      throw new Error(
        `${metrics.messagesConsumed(topic)} counted as consumed from ${topic} for ${deliveries} deliveries (expected ${expected} of each) after ${Date.now() - deadline + timeoutMs} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main() {
  await createAndFill(COMPAT_KAFKA_TOPIC, KAFKA_MESSAGES);
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  app.connectMicroservice({
    transport: Transport.KAFKA,
    options: {
      client: { clientId: COMPAT_APP, brokers: [COMPAT_KAFKA_BROKER], logLevel: logLevel.ERROR },
      consumer: { groupId: `${COMPAT_JOB}-group`, maxWaitTimeInMs: 200 },
      producer: { createPartitioner: Partitioners.DefaultPartitioner },
      subscribe: { fromBeginning: true },
    },
  });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  try {
    const metrics = app.get(MetricsManager);
    metrics.incMessagesConsumed(COMPAT_TOPIC, 3);
    await waitForConsumed(metrics, COMPAT_KAFKA_TOPIC, KAFKA_MESSAGES, 30_000);
    const scrape = await fetch(`http://127.0.0.1:${app.getHttpServer().address().port}/metrics`, {
      signal: AbortSignal.timeout(5000),
    });
    const served = (await scrape.text())
      .split('\n')
      .find(
        (line) =>
          line.startsWith('compat_messages_consumed{') && line.includes(`topic="${COMPAT_TOPIC}"`),
      );
    const report = await app.get(MetricsPusher).pushNow();
    console.log(
      JSON.stringify({
        endpoint: { status: scrape.status, served },
        kafka: {
          topic: COMPAT_KAFKA_TOPIC,
          consumed: metrics.messagesConsumed(COMPAT_KAFKA_TOPIC),
        },
        push: { ok: report.ok, succeeded: report.succeeded },
      }),
    );
    if (!report.ok || scrape.status !== 200) process.exitCode = 1;
  } finally {
    await app.close();
    await deleteTopic(COMPAT_KAFKA_TOPIC).catch((error) => console.error(error));
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
