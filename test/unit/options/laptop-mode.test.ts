// A developer's machine: no HOSTNAME in the env, no metrics cache configured.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MetricsManager,
  MetricsOptionsError,
  MetricsPusher,
  NubiumMetricsModule,
  resolveMetricsOptions,
  type MetricsModuleOptions,
} from '../../../lib';
import { PUSH_INTERVAL_NAME } from '../../../lib/metrics.constants';
import { parseTextFormat } from '../../support/text-format';
import { useClearedMetricsEnv } from '../../support/options';

interface LogLine {
  level: string;
  context: unknown;
  message: unknown;
}

/** Keeps every line Nest's Logger writes, with its context. */
class CapturingLogger implements LoggerService {
  readonly lines: LogLine[] = [];
  log = (message: unknown, ...rest: unknown[]) => this.add('log', message, rest);
  error = (message: unknown, ...rest: unknown[]) => this.add('error', message, rest);
  warn = (message: unknown, ...rest: unknown[]) => this.add('warn', message, rest);
  debug = (message: unknown, ...rest: unknown[]) => this.add('debug', message, rest);
  verbose = (message: unknown, ...rest: unknown[]) => this.add('verbose', message, rest);
  private add(level: string, message: unknown, rest: unknown[]): void {
    this.lines.push({ level, message, context: rest.at(-1) });
  }
  warnings(): LogLine[] {
    return this.lines.filter((l) => l.level === 'warn' && l.context === 'NubiumMetrics');
  }
}

const closers: (() => Promise<unknown>)[] = [];

useClearedMetricsEnv();
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

function rootModule(options: MetricsModuleOptions) {
  @Module({ imports: [NubiumMetricsModule.forRoot(options)] })
  class LaptopAppModule {}
  return LaptopAppModule;
}

async function bootContext(options: MetricsModuleOptions, logger = new CapturingLogger()) {
  const app = await NestFactory.createApplicationContext(rootModule(options), {
    logger,
    abortOnError: false,
  });
  closers.push(() => app.close());
  await app.init();
  return { app, logger };
}

describe('resolveMetricsOptions on a machine with no cache configured', () => {
  it("turns pushing off and takes the machine's host name as job", () => {
    const resolved = resolveMetricsOptions({ app: 'orders' }, {});
    expect(resolved).toMatchObject({ pushEnabled: false, serviceName: '', job: hostname() });
    expect(resolved.sources).toMatchObject({
      pushEnabled: 'default',
      serviceName: 'default',
      job: 'default',
    });
  });

  it('still prefers HOSTNAME for job', () => {
    expect(resolveMetricsOptions({ app: 'orders' }, { HOSTNAME: 'box-1' }).job).toBe('box-1');
  });

  it('fails naming the missing service name when pushing is enabled in code', () => {
    const error = (() => {
      try {
        resolveMetricsOptions({ app: 'orders', pushEnabled: true }, {});
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MetricsOptionsError);
    expect(error).toMatchObject({ option: 'serviceName', envVar: 'METRICS_SERVICE_NAME' });
    expect((error as Error).message).toBe(
      'NubiumMetricsModule: option "serviceName" (env METRICS_SERVICE_NAME) is required and was not set: pushing is enabled by option "pushEnabled" (given in code)',
    );
  });

  it('fails naming both env vars when METRICS_PUSH_ENABLED=true has no service name', () => {
    expect(() =>
      resolveMetricsOptions({ app: 'orders' }, { METRICS_PUSH_ENABLED: 'true' }),
    ).toThrow(
      'option "serviceName" (env METRICS_SERVICE_NAME) is required and was not set: pushing is enabled by option "pushEnabled" (from env METRICS_PUSH_ENABLED)',
    );
  });
});

describe("forRoot({ app: 'orders' }) on a developer's machine", () => {
  it('boots, schedules no push and warns once naming METRICS_SERVICE_NAME and METRICS_PUSH_ENABLED', async () => {
    const { app, logger } = await bootContext({ app: 'orders' });

    expect(app.get(SchedulerRegistry).getIntervals()).not.toContain(PUSH_INTERVAL_NAME);
    const warnings = logger.warnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain('METRICS_SERVICE_NAME');
    expect(warnings[0].message).toContain('METRICS_PUSH_ENABLED');
  });

  it('does not warn when pushing is turned off on purpose', async () => {
    const { logger } = await bootContext({ app: 'orders', pushEnabled: false });
    expect(logger.warnings()).toEqual([]);
  });

  it('fails start-up when METRICS_PUSH_ENABLED=true and no service name is set', async () => {
    process.env.METRICS_PUSH_ENABLED = 'true';
    const error = await bootContext({ app: 'orders' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricsOptionsError);
    expect((error as MetricsOptionsError).option).toBe('serviceName');
  });

  it('counts, and pushNow reports an intended skip, ok, without sending anything', async () => {
    const { app } = await bootContext({ app: 'orders' });
    const manager = app.get(MetricsManager);
    manager.incMessagesConsumed('orders.created', 3);

    const report = await app.get(MetricsPusher).pushNow();

    expect(manager.messagesConsumed('orders.created')).toBe(3);
    expect(report).toMatchObject({
      skipped: 'no-service-name',
      targets: [],
      succeeded: 0,
      ok: true,
      discovery: { targets: [], source: 'none' },
    });
    expect(app.get(MetricsPusher).lastReport).toBeUndefined();
  });

  it("serves the counts on /metrics, labelled with the machine's host name", async () => {
    const app = await NestFactory.create(rootModule({ app: 'orders', metricsEndpoint: true }), {
      logger: false,
      abortOnError: false,
    });
    closers.push(() => app.close());
    await app.listen(0, '127.0.0.1');
    app.get(MetricsManager).incMessagesProduced('invoices', 2);

    const server = app.getHttpServer() as { address(): AddressInfo };
    const { port } = server.address();
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
      signal: AbortSignal.timeout(5000),
    });

    expect(response.status).toBe(200);
    const sample = parseTextFormat(await response.text()).find(
      (s) => s.name === 'messages_produced' && s.labels.topic === 'invoices',
    );
    expect(sample).toEqual({
      name: 'messages_produced',
      labels: { app: 'orders', job: hostname(), topic: 'invoices' },
      value: 2,
    });
  });

  it('claims no push group, so two such apps in one process boot side by side', async () => {
    await bootContext({ app: 'orders' });
    await expect(bootContext({ app: 'orders' })).resolves.toBeDefined();
  });
});

describe('pushNow with a service name and pushEnabled false (stand-in Pushgateway)', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  it('still pushes when asked, as a manual push from a script', async () => {
    const received: string[] = [];
    server = createServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      req.resume().on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const { app, logger } = await bootContext({
      app: 'orders',
      job: 'script-1',
      serviceName: '127.0.0.1',
      podPort: String(port),
      pushEnabled: false,
    });
    const report = await app.get(MetricsPusher).pushNow();

    expect(report.skipped).toBeUndefined();
    expect(report.succeeded).toBe(1);
    expect(received).toEqual(['PUT /metrics/job/script-1']);
    expect(logger.warnings()).toEqual([]);
  });
});
