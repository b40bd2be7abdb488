// The module's own metrics port (`metricsEndpoint: { port }`) in the three kinds of Nest app:
// a Kafka microservice against the test broker, an application context beside the real metrics
// cache, and an HTTP app beside its own server. Each test scrapes the port over loopback and
// reads back counts it made itself.
import { createServer, Socket, type Server } from 'node:net';
import {
  Controller,
  Get,
  Module,
  type DynamicModule,
  type INestApplication,
  type INestApplicationContext,
} from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  MetricsManager,
  MetricsOptionsError,
  MetricsPusher,
  NubiumMetricsModule,
  type MetricsModuleOptions,
} from '../../lib';
import {
  assertKafkaReachable,
  createTopics,
  deleteTopics,
  produceMessages,
  uniqueTopic,
} from '../support/kafka';
import { bootApp, connectTo, freePort, scrapePort } from '../support/metrics-port';
import { cleanUpGroupEverywhere, findSample, readPushgateway, waitFor } from '../support/stack';
import { LOCAL_CACHE_OPTIONS, PUSHGATEWAY_ADDRS } from '../support/stack-config';
import { parseTextFormat, type Sample } from '../support/text-format';

const RUN = uniqueTopic('metrics-port');
const APP = 'metrics-port-app';
const TOPIC = uniqueTopic('mp-in');
const K = 25;
// The README's promise, as a literal: prom-client's text format 0.0.4.
const TEXT_FORMAT = 'text/plain; version=0.0.4; charset=utf-8';

const pullOnly = (job: string, metricsEndpoint: MetricsModuleOptions['metricsEndpoint']) => ({
  app: APP,
  job: `${job}-${RUN}`,
  pushEnabled: false,
  metricsEndpoint,
});

/** Counts what it handles, beside the module's own count. */
@Controller()
class TopicController {
  seen = 0;

  @EventPattern(TOPIC)
  handle(@Payload() value: unknown): void {
    if (value !== undefined) this.seen++;
  }
}

@Controller('orders')
class OrdersController {
  @Get()
  list(): string[] {
    return ['o-1'];
  }
}

function rootModule(options: MetricsModuleOptions, controllers: Array<new () => unknown> = []) {
  @Module({ imports: [NubiumMetricsModule.forRoot(options)], controllers })
  class RootModule {}
  return RootModule as unknown as DynamicModule;
}

/** The samples the metrics port serves now; fails on anything but a 200 in the text format. */
async function scrapeSamples(port: number, host?: string): Promise<Sample[]> {
  const response = await scrapePort(port, { host });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe(TEXT_FORMAT);
  return parseTextFormat(await response.text());
}

describe('the metrics port of the module', () => {
  const apps: INestApplicationContext[] = [];
  const boot = async (...args: Parameters<typeof bootApp>) => {
    const app = await bootApp(...args);
    apps.push(app);
    return app;
  };

  afterEach(async () => {
    while (apps.length) await apps.pop()!.close();
  });

  describe('in a Kafka microservice (NestFactory.createMicroservice)', () => {
    beforeAll(async () => {
      await assertKafkaReachable();
      await createTopics([TOPIC]);
      await produceMessages(TOPIC, K);
    });
    afterAll(() => deleteTopics([TOPIC]).catch(() => undefined));

    it(`serves exactly the ${K} messages the test produced on every interface, and refuses connections once app.close() returns`, async () => {
      const port = await freePort();
      const app = await boot(
        'microservice',
        rootModule(pullOnly('microservice', { port }), [TopicController]),
        { groupId: `metrics-port-${RUN}` },
      );
      const handler = app.get(TopicController);
      const labels = { app: APP, job: `microservice-${RUN}`, topic: TOPIC };

      const counted = await waitFor(
        async () => {
          const value = findSample(await scrapeSamples(port), 'messages_consumed', labels);
          return value !== undefined && value >= K ? value : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: `messages_consumed >= ${K} on the port` },
      );

      expect(counted).toBe(K);
      expect(handler.seen).toBe(K);
      // All interfaces by default: IPv4 and IPv6 loopback both reach it.
      expect(findSample(await scrapeSamples(port, '::1'), 'messages_consumed', labels)).toBe(K);

      // No enableShutdownHooks: app.close() alone frees the port.
      await app.close();
      apps.pop();
      expect(await connectTo(port, '127.0.0.1')).toBe('refused');
      expect(await connectTo(port, '::1')).toBe('refused');
    });
  });

  describe('in an application context (NestFactory.createApplicationContext)', () => {
    const job = `context-${RUN}`;
    const groupingLabels = { worker: '7' };
    afterAll(() => cleanUpGroupEverywhere(job, groupingLabels));

    it('serves the series the metrics cache holds for the same pod, with the same labels and counts', async () => {
      const port = await freePort();
      const app = await boot(
        'context',
        rootModule({
          ...LOCAL_CACHE_OPTIONS,
          app: APP,
          job,
          groupingLabels,
          metricsEndpoint: { port, host: '127.0.0.1' },
        }),
      );
      const metrics = app.get(MetricsManager);
      metrics.incMessagesConsumed('orders.created', 3);
      metrics.incMessagesProduced('orders.enriched', 2);
      metrics.incMessageErrors(new RangeError('bad'));
      // Twice, so that the pusher's own metrics of a finished cycle are in the pushed body too.
      for (let i = 0; i < 2; i++) {
        expect((await app.get(MetricsPusher).pushNow()).succeeded).toBe(PUSHGATEWAY_ADDRS.length);
      }

      const cached = (await readPushgateway(PUSHGATEWAY_ADDRS[0]))
        .filter((s) => s.labels.job === job && !s.name.startsWith('push_'))
        .map(({ name, labels: { instance: _, ...labels }, value }) => ({ name, labels, value }));
      const pulled = await scrapeSamples(port);

      const byKey = (samples: Sample[]) =>
        new Map(samples.map((s) => [`${s.name}${JSON.stringify(sorted(s.labels))}`, s]));
      const cachedSeries = byKey(cached);
      const pulledSeries = byKey(pulled);
      expect(cachedSeries.size).toBeGreaterThan(5);
      expect([...pulledSeries.keys()].sort()).toEqual([...cachedSeries.keys()].sort());
      const standard = { app: APP, job, ...groupingLabels };
      for (const [name, labels, value] of [
        ['messages_consumed', { ...standard, topic: 'orders.created' }, 3],
        ['messages_produced', { ...standard, topic: 'orders.enriched' }, 2],
        ['messages_errors', { ...standard, exception: 'RangeError' }, 1],
      ] as const) {
        expect(findSample(pulled, name, labels), `${name} pulled`).toBe(value);
        expect(findSample(cached, name, labels), `${name} cached`).toBe(value);
      }
    });
  });

  describe('in an HTTP app (NestFactory.create)', () => {
    it("serves beside the app's own server, which keeps its routes and does not serve the metrics", async () => {
      const port = await freePort();
      const app = (await boot(
        'http',
        rootModule(pullOnly('http', { port, host: '127.0.0.1', path: '/internal/metrics' }), [
          OrdersController,
        ]),
      )) as INestApplication;
      app.get(MetricsManager).incMessagesProduced('forms', 4);
      const own = (await app.getUrl()).replace('[::1]', '127.0.0.1');

      const pulled = await scrapePort(port, { path: '/internal/metrics' });
      const orders = await fetch(`${own}/orders`, { signal: AbortSignal.timeout(5000) });
      const metricsOnOwn = await fetch(`${own}/internal/metrics`, {
        signal: AbortSignal.timeout(5000),
      });

      expect(pulled.status).toBe(200);
      const samples = parseTextFormat(await pulled.text());
      expect(findSample(samples, 'messages_produced', { app: APP, topic: 'forms' })).toBe(4);
      expect(orders.status).toBe(200);
      expect(await orders.json()).toEqual(['o-1']);
      expect(metricsOnOwn.status).toBe(404);
      expect(new URL(own).port).not.toBe(String(port));
    });
  });

  describe('errors', () => {
    let blocker: Server | undefined;
    afterEach(async () => {
      await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
      blocker = undefined;
    });

    it('fails start-up with a MetricsOptionsError naming the port in use, given in code or by METRICS_ENDPOINT_PORT', async () => {
      const port = await freePort();
      blocker = createServer();
      await new Promise<void>((resolve) => blocker!.listen({ port }, resolve));

      const fromCode = await boot('context', rootModule(pullOnly('busy', { port }))).catch(
        (error: unknown) => error,
      );
      const previous = process.env.METRICS_ENDPOINT_PORT;
      process.env.METRICS_ENDPOINT_PORT = String(port);
      const fromEnv = await boot('context', rootModule(pullOnly('busy-env', undefined)))
        .catch((error: unknown) => error)
        .finally(() => {
          if (previous === undefined) delete process.env.METRICS_ENDPOINT_PORT;
          else process.env.METRICS_ENDPOINT_PORT = previous;
        });

      for (const [error, origin] of [
        [fromCode, 'given in code'],
        [fromEnv, 'from env METRICS_ENDPOINT_PORT'],
      ] as const) {
        expect(error).toBeInstanceOf(MetricsOptionsError);
        expect((error as MetricsOptionsError).message).toBe(
          `NubiumMetricsModule: option "metricsEndpoint.port" (${origin}) cannot be listened on: port ${port} (all interfaces) is already in use`,
        );
      }
      expect(blocker.listening).toBe(true);
    });

    it('answers 404 for other paths, 405 with an Allow header for other methods, and HEAD with headers only', async () => {
      const port = await freePort();
      const app = await boot(
        'context',
        rootModule(pullOnly('answers', { port, host: '127.0.0.1' })),
      );
      app.get(MetricsManager).incMessagesConsumed('t', 1);

      for (const path of ['/', '/metric', '/metrics/', '/metrics/x', '/other']) {
        expect((await scrapePort(port, { path })).status, path).toBe(404);
      }
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const response = await scrapePort(port, { method });
        expect(response.status, method).toBe(405);
        expect(response.headers.get('allow'), method).toBe('GET, HEAD');
      }
      const head = await scrapePort(port, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe(TEXT_FORMAT);
      expect(await head.text()).toBe('');
      const withQuery = await scrapePort(port, { path: '/metrics?debug=1' });
      expect(withQuery.status).toBe(200);
      expect(findSample(parseTextFormat(await withQuery.text()), 'messages_consumed')).toBe(1);
    });

    it('drops a client that never finishes its headers and refuses oversized headers, answering scrapes meanwhile', async () => {
      const port = await freePort();
      const app = await boot('context', rootModule(pullOnly('slow', { port, host: '127.0.0.1' })));
      app.get(MetricsManager).incMessagesConsumed('t', 2);

      const slow = new Socket();
      let closedAt: number | undefined;
      slow.once('close', () => (closedAt = Date.now()));
      slow.on('error', () => undefined);
      await new Promise<void>((resolve) => slow.connect(port, '127.0.0.1', resolve));
      const openedAt = Date.now();
      slow.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');

      expect(findSample(await scrapeSamples(port), 'messages_consumed', { topic: 't' })).toBe(2);
      const big = await fetch(`http://127.0.0.1:${port}/metrics`, {
        // Between the port's limit and Node's default of 16 KiB.
        headers: { 'X-Big': 'a'.repeat(12 * 1024) },
        signal: AbortSignal.timeout(5000),
      }).then(
        (response) => response.status,
        (error: Error) => error.message,
      );
      expect(big).toBe(431);
      // Well within Node's default (60 s for the headers, 5 min for the whole request).
      await waitFor(() => closedAt, {
        timeoutMs: 20_000,
        intervalMs: 50,
        what: 'the server to drop the client that never finished its headers',
      });
      expect(closedAt! - openedAt).toBeGreaterThan(1_000);
      expect(findSample(await scrapeSamples(port), 'messages_consumed', { topic: 't' })).toBe(2);
    });
  });
});

function sorted(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}
