// An ESM Nest 12 app ("type": "module") on Fastify with a Kafka microservice, importing the
// CommonJS package: Node's require(esm) lets the package load the same ESM copy of @nestjs/common
// the app imports. Its options come from @nestjs/config's ConfigService, which hands out the env
// values as strings. Counts by hand, counts and times the messages its Kafka handler consumes
// through Nest 12's own transport, serves /metrics, pushes, and prints what it saw; run.sh then
// reads the push back.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Transport } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import kafkajs from 'kafkajs';
import {
  NubiumMetricsModule,
  MetricsManager,
  MetricsPusher,
  RESOLVED_METRICS_OPTIONS,
} from 'nubium-metrics-nestjs';
import { createKafka, createAndFill, cleanUp, waitForZeroLag } from './compat-kafka.cjs';
import { sampleLine, scrape, waitFor } from './compat-support.cjs';

const { logLevel, Partitioners } = kafkajs;
const { APP_NAME, HOSTNAME, COMPAT_TOPIC, COMPAT_KAFKA_BROKER, COMPAT_KAFKA_TOPIC } = process.env;
// How many messages run.sh has the app produce to its topic and expects handled.
const KAFKA_MESSAGES = Number(process.env.COMPAT_KAFKA_MESSAGES);

// Deliveries the handler saw: the count must equal them, so a message counted twice shows.
let deliveries = 0;
// The option values the factory passed on, as ConfigService handed them out.
let given;

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
    // The README's forRootAsync with ConfigService; the job comes from HOSTNAME, as in a pod.
    NubiumMetricsModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config) => {
        given = {
          app: config.get('APP_NAME'),
          serviceName: config.get('METRICS_SERVICE_NAME'),
          pushRateSeconds: config.get('METRICS_PUSH_RATE'),
          pushEnabled: config.get('METRICS_PUSH_ENABLED'),
        };
        return {
          ...given,
          dnsServers: [config.get('COMPAT_DNS_SERVER')],
          // Own name: the shared test gateways may hold messages_consumed of another type.
          metricNames: { consumed: 'compat_messages_consumed' },
          metricsEndpoint: true,
          processingTime: true,
        };
      },
    }),
  ],
  controllers: [EventsController],
})(AppModule);

/** What the app expects of its options, its count and its Kafka handler; empty when all hold. */
function problems(resolved, consumed) {
  const found = [];
  for (const option of ['app', 'serviceName', 'pushRateSeconds', 'pushEnabled']) {
    if (typeof given[option] !== 'string')
      found.push(`ConfigService gave ${option} as ${typeof given[option]}, not the env's string`);
    if (resolved.sources[option] !== 'code')
      found.push(`${option} came from ${resolved.sources[option]}, not from the factory`);
  }
  if (resolved.pushRateSeconds !== 3600)
    found.push(`pushRateSeconds '3600' resolved to ${JSON.stringify(resolved.pushRateSeconds)}`);
  if (resolved.pushEnabled !== true)
    found.push(`pushEnabled 'true' resolved to ${JSON.stringify(resolved.pushEnabled)}`);
  if (resolved.job !== HOSTNAME) found.push(`job is ${resolved.job}, not HOSTNAME ${HOSTNAME}`);
  if (consumed !== KAFKA_MESSAGES)
    found.push(`${consumed} counted as consumed from ${COMPAT_KAFKA_TOPIC}, not ${KAFKA_MESSAGES}`);
  return found;
}

const kafka = createKafka(APP_NAME, COMPAT_KAFKA_BROKER);
let app;
try {
  await createAndFill(kafka, COMPAT_KAFKA_TOPIC, KAFKA_MESSAGES);
  // abortOnError: false, so that a failed start-up throws and the topic is still deleted.
  app = await NestFactory.create(AppModule, new FastifyAdapter(), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  app.enableShutdownHooks();
  app.connectMicroservice({
    transport: Transport.KAFKA,
    options: {
      client: { clientId: APP_NAME, brokers: [COMPAT_KAFKA_BROKER], logLevel: logLevel.ERROR },
      consumer: { groupId: `${HOSTNAME}-group`, maxWaitTimeInMs: 200 },
      producer: { createPartitioner: Partitioners.DefaultPartitioner },
      subscribe: { fromBeginning: true },
    },
  });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const port = app.getHttpServer().address().port;
  const metrics = app.get(MetricsManager);
  metrics.incMessagesConsumed(COMPAT_TOPIC, 3);
  // Each delivery's count lands as its promise settles, before the next poll.
  await waitFor({
    state: () => metrics.messagesConsumed(COMPAT_KAFKA_TOPIC),
    done: (counted) => deliveries === KAFKA_MESSAGES && counted === deliveries,
    broken: (counted) => deliveries > KAFKA_MESSAGES || counted > KAFKA_MESSAGES,
    failure: (counted) =>
      `${counted} counted as consumed from ${COMPAT_KAFKA_TOPIC} for ${deliveries} deliveries (expected ${KAFKA_MESSAGES} of each)`,
    timeoutMs: 30_000,
  });
  const lag = await waitForZeroLag(port, COMPAT_KAFKA_TOPIC, 10_000);
  const scraped = await scrape(port);
  const served = sampleLine(scraped.text, 'compat_messages_consumed', { topic: COMPAT_TOPIC });
  const report = await app.get(MetricsPusher).pushNow();
  const resolved = app.get(RESOLVED_METRICS_OPTIONS);
  const consumed = metrics.messagesConsumed(COMPAT_KAFKA_TOPIC);
  console.log(
    JSON.stringify({
      app: APP_NAME,
      options: {
        given,
        resolved: {
          pushRateSeconds: resolved.pushRateSeconds,
          pushEnabled: resolved.pushEnabled,
          job: resolved.job,
        },
      },
      endpoint: { status: scraped.status, served },
      kafka: { topic: COMPAT_KAFKA_TOPIC, handled: deliveries, consumed, lag },
      push: { ok: report.ok, succeeded: report.succeeded },
    }),
  );
  const found = problems(resolved, consumed);
  for (const problem of found) console.error(`compat: ${APP_NAME}: ${problem}`);
  if (found.length > 0 || !report.ok || scraped.status !== 200) process.exitCode = 1;
} finally {
  await app?.close();
  await cleanUp(kafka, COMPAT_KAFKA_TOPIC, `${HOSTNAME}-group`).catch((error) =>
    console.error(error),
  );
}
