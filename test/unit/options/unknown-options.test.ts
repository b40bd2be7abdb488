import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MetricsOptionsError,
  NubiumMetricsModule,
  resolveMetricsOptions,
  type MetricsModuleOptions,
} from '../../../lib';
import { unknownOptions } from '../../../lib/metrics.options';
import { CapturingLogger } from '../../support/logs';
import { optionsFailure } from '../../support/options';

const base = { job: 'pod-1', app: 'orders', pushEnabled: false } as const;

/** The unknown keys of `options`, each with its suggestion, as the module would warn of them. */
function unknownOf(options: Record<string, unknown>, env = {}) {
  const given = { ...base, ...options } as MetricsModuleOptions;
  return unknownOptions(given, resolveMetricsOptions(given, env));
}

describe('unknown option keys', () => {
  it('suggests the closest known option for a typo', () => {
    expect(unknownOf({ pushRateSecond: 5, dnsServer: ['10.0.0.10'], podprot: 9091 })).toEqual([
      { key: 'pushRateSecond', closest: 'pushRateSeconds' },
      { key: 'dnsServer', closest: 'dnsServers' },
      { key: 'podprot', closest: 'podPort' },
    ]);
  });

  it('suggests an option for a key that starts it, and for the env var it reads', () => {
    expect(unknownOf({ pushTimeout: 100, METRICS_PUSH_RATE: '5' })).toEqual([
      { key: 'pushTimeout', closest: 'pushTimeoutMs' },
      { key: 'METRICS_PUSH_RATE', closest: 'pushRateSeconds' },
    ]);
  });

  it('names a key with no close option without a suggestion', () => {
    expect(unknownOf({ colour: 'blue' })).toEqual([{ key: 'colour' }]);
  });

  it('finds unknown keys of object options, with the closest key of the same option', () => {
    expect(
      unknownOf({
        metricsEndpoint: { paht: '/m' },
        metricNames: { consumd: 'in' },
        defaultMetrics: { prefix: 'x_', labels: {} },
      }),
    ).toEqual([
      { key: 'metricsEndpoint.paht', closest: 'metricsEndpoint.path' },
      { key: 'metricNames.consumd', closest: 'metricNames.consumed' },
      { key: 'defaultMetrics.labels' },
    ]);
  });

  it('knows every option and key the docs show, label names and registries included', () => {
    expect(
      unknownOf({
        groupingLabels: { process: 'api', shard: '2' },
        registry: new Registry(),
        metricsEndpoint: { path: '/internal/metrics' },
        defaultMetrics: { prefix: 'orders_' },
        processingTime: { buckets: [0.1, 1] },
        metricNames: { consumed: 'in', produced: 'out', errors: 'err' },
        auth: { username: 'u', password: 'p' },
        tls: { rejectUnauthorized: false, serverName: 'cache' },
        dnsServers: ['10.0.0.10'],
        strictOptions: false,
        metricsEndpointPath: undefined,
      }),
    ).toEqual([]);
  });

  it('fails with strictOptions, naming the key, the suggestion and every other unknown key', () => {
    const error = optionsFailure(() =>
      resolveMetricsOptions(
        { ...base, strictOptions: true, pushRateSecond: 5, colour: 'blue' } as never,
        {},
      ),
    );
    expect(error.option).toBe('pushRateSecond');
    expect(error.message).toBe(
      'NubiumMetricsModule: option "pushRateSecond" is unknown; did you mean "pushRateSeconds"? (strictOptions is on); also unknown: "colour"',
    );
  });

  it('fails with METRICS_STRICT_OPTIONS=true, and not without unknown keys', () => {
    const given = { ...base, dnsServer: ['10.0.0.10'] } as never;
    expect(
      optionsFailure(() => resolveMetricsOptions(given, { METRICS_STRICT_OPTIONS: 'true' })).option,
    ).toBe('dnsServer');
    expect(resolveMetricsOptions(base, { METRICS_STRICT_OPTIONS: 'true' }).strictOptions).toBe(
      true,
    );
  });
});

@Injectable()
class Settings {
  readonly rate = '5';
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function bootWith(imported: ReturnType<typeof NubiumMetricsModule.forRoot>) {
  @Module({ imports: [imported] })
  class AppModule {}
  const logger = new CapturingLogger();
  const app = await NestFactory.createApplicationContext(AppModule, {
    logger,
    abortOnError: false,
  });
  closers.push(() => app.close());
  const warnings = logger.lines
    .filter((l) => l.level === 'warn' && l.context === 'NubiumMetrics')
    .map((l) => l.message);
  return { app, warnings };
}

describe('NubiumMetricsModule: one start-up warning per unknown key', () => {
  it('warns of a typo given to forRoot, naming the key and the closest option', async () => {
    const { warnings } = await bootWith(
      NubiumMetricsModule.forRoot({ ...base, pushRateSecond: 5 } as MetricsModuleOptions),
    );
    expect(warnings).toEqual([
      'option "pushRateSecond" is unknown; did you mean "pushRateSeconds"?; it is ignored (strictOptions: true makes unknown options fail start-up)',
    ]);
  });

  it('warns of a typo returned by the forRootAsync factory, saying it came from there', async () => {
    const { warnings } = await bootWith(
      NubiumMetricsModule.forRootAsync({
        imports: [SettingsModule],
        inject: [Settings],
        useFactory: (settings: Settings) => ({ ...base, pushRateSecond: settings.rate }),
      }),
    );
    expect(warnings).toEqual([
      'option "pushRateSecond" (returned by the forRootAsync factory) is unknown; did you mean "pushRateSeconds"?; it is ignored (strictOptions: true makes unknown options fail start-up)',
    ]);
  });

  it('does not warn of the extras given to forRoot beside the options', async () => {
    const { warnings } = await bootWith(
      NubiumMetricsModule.forRoot({
        ...base,
        isGlobal: false,
        countKafkaConsumed: false,
        errorFilter: false,
      }),
    );
    expect(warnings).toEqual([]);
  });

  it('does not warn of the extras given to forRootAsync beside useFactory', async () => {
    const { warnings } = await bootWith(
      NubiumMetricsModule.forRootAsync({
        isGlobal: false,
        countKafkaConsumed: false,
        errorFilter: false,
        useFactory: () => base,
      }),
    );
    expect(warnings).toEqual([]);
  });

  it('warns of an extra returned by the factory, where it has no effect, saying where it goes', async () => {
    const { warnings } = await bootWith(
      NubiumMetricsModule.forRootAsync({ useFactory: () => ({ ...base, isGlobal: false }) }),
    );
    expect(warnings).toEqual([
      'option "isGlobal" (returned by the forRootAsync factory) is an extra of forRoot / forRootAsync, not an option: in forRootAsync, give it beside useFactory, not in what the factory returns; it is ignored (strictOptions: true makes unknown options fail start-up)',
    ]);
  });

  it('fails start-up with strictOptions returned by the factory, naming the factory', async () => {
    const error = await bootWith(
      NubiumMetricsModule.forRootAsync({
        useFactory: () => ({ ...base, strictOptions: true, dnsServer: ['10.0.0.10'] }),
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricsOptionsError);
    expect((error as Error).message).toBe(
      'NubiumMetricsModule: option "dnsServer" (returned by the forRootAsync factory) is unknown; did you mean "dnsServers"? (strictOptions is on)',
    );
  });
});
