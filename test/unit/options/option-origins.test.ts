// Where a refused value came from, as the error says it: returned by the forRootAsync factory,
// given to forRoot, or read from the env var. Sources stay 'code' for both kinds of code.
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MetricsOptionsError,
  NubiumMetricsModule,
  RESOLVED_METRICS_OPTIONS,
  type MetricsModuleOptions,
  type ResolvedMetricsOptions,
} from '../../../lib';
import { useClearedMetricsEnv } from '../../support/options';

const base = { job: 'pod-1', app: 'orders', pushEnabled: false } as const;
const closers: (() => Promise<unknown>)[] = [];

useClearedMetricsEnv();
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function boot(imported: DynamicModule) {
  @Module({ imports: [imported] })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, {
    logger: false,
    abortOnError: false,
  });
  closers.push(() => app.close());
  return app;
}

/** The start-up error of the module with `imported`; fails when it boots. */
async function startupError(imported: DynamicModule): Promise<MetricsOptionsError> {
  const error = await boot(imported).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MetricsOptionsError);
  return error as MetricsOptionsError;
}

const fromFactory = (options: Record<string, unknown>) =>
  NubiumMetricsModule.forRootAsync({
    useFactory: (): MetricsModuleOptions => ({ ...base, ...options }),
  });

@Injectable()
class OptionsFactory {
  create(): MetricsModuleOptions {
    return { ...base, podPort: '70000' };
  }
}

describe('option errors name where the value came from', () => {
  it('says a value returned by the forRootAsync factory came from there', async () => {
    const error = await startupError(fromFactory({ podPort: '70000' }));
    expect(error.message).toBe(
      'NubiumMetricsModule: option "podPort" (returned by the forRootAsync factory) must be at most 65535, got "70000"',
    );
    expect(error).toMatchObject({ option: 'podPort', source: 'code', fromFactory: true });
  });

  it('says so for a useClass options factory as well', async () => {
    const error = await startupError(
      NubiumMetricsModule.forRootAsync({ useClass: OptionsFactory }),
    );
    expect(error.message).toContain('option "podPort" (returned by the forRootAsync factory)');
  });

  it('says a value given to forRoot was given in code', async () => {
    const error = await startupError(NubiumMetricsModule.forRoot({ ...base, podPort: '70000' }));
    expect(error.message).toBe(
      'NubiumMetricsModule: option "podPort" (given in code) must be at most 65535, got "70000"',
    );
    expect(error.fromFactory).toBe(false);
  });

  it('says a value the factory left out and the env var set came from the env var', async () => {
    process.env.METRICS_POD_PORT = '70000';
    const error = await startupError(fromFactory({}));
    expect(error.message).toBe(
      'NubiumMetricsModule: option "podPort" (from env METRICS_POD_PORT) must be at most 65535, got "70000"',
    );
  });

  it('names the factory for a key of an object option it returned', async () => {
    const names = await startupError(fromFactory({ metricNames: { consumed: '9in' } }));
    expect(names.message).toBe(
      'NubiumMetricsModule: option "metricNames.consumed" (returned by the forRootAsync factory) must be a valid Prometheus metric name, got "9in"',
    );
    const buckets = await startupError(fromFactory({ processingTime: { buckets: [2, 1] } }));
    expect(buckets.message).toMatch(
      /^NubiumMetricsModule: option "processingTime\.buckets" \(returned by the forRootAsync factory\) /,
    );
  });

  it('names the factory as what turned pushing on when no service name is set', async () => {
    const error = await startupError(fromFactory({ pushEnabled: 'true' }));
    expect(error.message).toBe(
      'NubiumMetricsModule: option "serviceName" (env METRICS_SERVICE_NAME) is required and was not set: pushing is enabled by option "pushEnabled" (returned by the forRootAsync factory)',
    );
  });

  it("keeps source 'code' for values the factory returned", async () => {
    const app = await boot(fromFactory({ podPort: '9092' }));
    const { sources } = app.get<ResolvedMetricsOptions>(RESOLVED_METRICS_OPTIONS);
    expect(sources).toMatchObject({ podPort: 'code', job: 'code', pushRateSeconds: 'default' });
  });
});
