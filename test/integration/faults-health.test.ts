// The @nestjs/terminus health indicator of the pushes, driven by real cache pod failures; and
// the library loading without @nestjs/terminus installed.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Module, ServiceUnavailableException, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { describe, expect, it } from 'vitest';
import {
  MetricsHealthIndicator,
  MetricsHealthModule,
  MetricsPusher,
  NubiumMetricsModule,
} from '../../lib';
import { CapturingLogger, compileLib, restoreStack, STACK_OPTIONS } from '../support/faults';
import { useFaultTestScope, type FaultTestScope } from '../support/fault-scope';
import { TEST_RUN_DIR } from '../support/protected-gateway';
import { stopPushgateway } from '../support/stack';
import { PUSHGATEWAY_ADDRS } from '../support/stack-config';

const JOB = 'faults-health';
const [POD0, POD1, POD2] = PUSHGATEWAY_ADDRS;

/** An app with the metrics and health modules, closed (and its group deleted) after the test. */
async function healthApp(
  scope: FaultTestScope,
  minTargets?: number,
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      NubiumMetricsModule.forRoot({
        ...STACK_OPTIONS,
        job: scope.job(JOB),
        app: 'faults-health-app',
      }),
      TerminusModule,
      minTargets === undefined ? MetricsHealthModule : MetricsHealthModule.forRoot({ minTargets }),
    ],
  })
  class HealthTestModule {}
  return scope.track(
    await NestFactory.createApplicationContext(HealthTestModule, { logger: new CapturingLogger() }),
  );
}

function check(app: INestApplicationContext, minTargets?: number) {
  const indicator = app.get(MetricsHealthIndicator);
  return app
    .get(HealthCheckService)
    .check([() => indicator.isHealthy('nubium_metrics', { minTargets })]);
}

async function failure(work: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceUnavailableException);
  return (error as ServiceUnavailableException).getResponse() as Record<string, unknown>;
}

describe('push health indicator', () => {
  const scope = useFaultTestScope();

  it('is up before the first push and while enough pods accept, down with the failed pods named when too few do', async () => {
    const app = await healthApp(scope, 2);
    const pusher = app.get(MetricsPusher);

    const before = await check(app);
    expect(before.status).toBe('ok');
    expect(before.details.nubium_metrics).toMatchObject({
      status: 'up',
      succeeded: 0,
      minTargets: 2,
      targets: [],
    });

    await pusher.pushNow();
    expect((await check(app)).details.nubium_metrics).toMatchObject({ status: 'up', succeeded: 3 });

    await stopPushgateway(1);
    await pusher.pushNow();
    expect((await check(app)).details.nubium_metrics).toMatchObject({ status: 'up', succeeded: 2 });

    await stopPushgateway(2);
    await pusher.pushNow();
    const down = await failure(check(app));
    expect(down.status).toBe('error');
    expect((down.error as Record<string, unknown>).nubium_metrics).toMatchObject({
      status: 'down',
      succeeded: 1,
      minTargets: 2,
      discovery: 'dns',
      targets: [
        { address: POD0, ok: true },
        { address: POD1, ok: false, error: expect.stringContaining('ECONNREFUSED') },
        { address: POD2, ok: false, error: expect.stringContaining('ECONNREFUSED') },
      ],
    });
    // A per-check minTargets overrides the module's.
    expect((await check(app, 1)).status).toBe('ok');

    await restoreStack();
    await pusher.pushNow();
    expect((await check(app)).status).toBe('ok');
  });

  it('defaults to one pod: down only when no pod accepted the last push', async () => {
    const app = await healthApp(scope);
    const pusher = app.get(MetricsPusher);
    await stopPushgateway(0);
    await stopPushgateway(1);
    await pusher.pushNow();
    expect((await check(app)).details.nubium_metrics).toMatchObject({
      status: 'up',
      succeeded: 1,
      minTargets: 1,
    });

    await stopPushgateway(2);
    await pusher.pushNow();
    const down = await failure(check(app));
    expect((down.error as Record<string, unknown>).nubium_metrics).toMatchObject({
      status: 'down',
      succeeded: 0,
    });
  });

  it('loads and runs the metrics module without @nestjs/terminus; only the health module asks for it', async () => {
    const dir = join(TEST_RUN_DIR, 'faults-health');
    compileLib(dir);
    // Resolving @nestjs/terminus fails in the child, as in an app that does not install it.
    const script = `
      const Module = require('node:module');
      const resolveFilename = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request === '@nestjs/terminus' || request.startsWith('@nestjs/terminus/')) {
          throw Object.assign(new Error("Cannot find module '@nestjs/terminus'"), { code: 'MODULE_NOT_FOUND' });
        }
        return resolveFilename.call(this, request, ...rest);
      };
      require('reflect-metadata');
      const { Module: NestModule } = require('@nestjs/common');
      const { NestFactory } = require('@nestjs/core');
      const lib = require(${JSON.stringify(join(dir, 'lib/index.js'))});
      const options = { serviceName: '127.0.0.1', job: 'faults-health-child', app: 'x', pushEnabled: false };
      class Plain {}
      NestModule({ imports: [lib.NubiumMetricsModule.forRoot(options)] })(Plain);
      class WithHealth {}
      NestModule({ imports: [lib.NubiumMetricsModule.forRoot(options), lib.MetricsHealthModule] })(WithHealth);
      (async () => {
        const plain = await NestFactory.createApplicationContext(Plain, { logger: false });
        plain.get(lib.MetricsManager).incMessagesConsumed('t', 2);
        console.log('plain ok', plain.get(lib.MetricsManager).messagesConsumed('t'));
        await plain.close();
        await NestFactory.createApplicationContext(WithHealth, { logger: false, abortOnError: false }).then(
          () => console.log('health started'),
          (e) => console.log('health failed:', e.message),
        );
      })();
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
      cwd: resolve(__dirname, '../..'),
      timeout: 30_000,
    });
    expect(stdout).toContain('plain ok 2');
    expect(stdout).toContain(
      "health failed: MetricsHealthModule needs @nestjs/terminus (>= 11) installed: Cannot find module '@nestjs/terminus'",
    );
  });
});
