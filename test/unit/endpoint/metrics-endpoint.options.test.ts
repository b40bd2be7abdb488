import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import {
  MetricsManager,
  MetricsOptionsError,
  NubiumMetricsModule,
  resolveMetricsOptions,
  type MetricsModuleOptions,
} from '../../../lib';
import { CapturingLogger } from '../../support/logs';
import { optionsFailure } from '../../support/options';

const base = { job: 'pod-1', app: 'orders', pushEnabled: false };

describe('metricsEndpoint option', () => {
  it('is off by default', () => {
    expect(resolveMetricsOptions(base, {}).metricsEndpoint).toBeUndefined();
  });

  it('resolves true to /metrics and keeps a given path', () => {
    expect(resolveMetricsOptions({ ...base, metricsEndpoint: true }, {}).metricsEndpoint).toEqual({
      path: '/metrics',
    });
    expect(resolveMetricsOptions({ ...base, metricsEndpoint: {} }, {}).metricsEndpoint).toEqual({
      path: '/metrics',
    });
    expect(
      resolveMetricsOptions({ ...base, metricsEndpoint: { path: '/internal/metrics' } }, {})
        .metricsEndpoint,
    ).toEqual({
      path: '/internal/metrics',
    });
  });

  it.each([
    [{ path: 'metrics' }, 'metricsEndpoint.path'],
    [{ path: '/metrics/:name' }, 'metricsEndpoint.path'],
    [{ path: '/metrics*' }, 'metricsEndpoint.path'],
    ['on', 'metricsEndpoint'],
  ])('rejects metricsEndpoint %j naming the option', (value, option) => {
    const resolve = () => resolveMetricsOptions({ ...base, metricsEndpoint: value as never }, {});
    expect(resolve).toThrow(MetricsOptionsError);
    expect(resolve).toThrow(`option "${option}"`);
  });

  describe('with a port of its own', () => {
    const resolve = (metricsEndpoint: MetricsModuleOptions['metricsEndpoint'], env = {}) =>
      resolveMetricsOptions({ ...base, metricsEndpoint }, env);

    it.each([
      ['given in code', { port: 9464 }, {}, 'code'],
      ['METRICS_ENDPOINT_PORT alone', undefined, { METRICS_ENDPOINT_PORT: '9464' }, 'env'],
    ] as const)('serves /metrics on all interfaces of the port %s', (_, value, env, source) => {
      const options = resolve(value, env);
      expect(options.metricsEndpoint).toEqual({
        path: '/metrics',
        port: 9464,
        host: undefined,
        portSource: source,
      });
      expect(options.sources.metricsEndpoint).toBe(source);
    });

    it('keeps a given host and path, and takes the port as a string as the env var would give it', () => {
      expect(
        resolve({ port: ' 9100 ', host: '127.0.0.1', path: '/internal/metrics' }).metricsEndpoint,
      ).toEqual({
        path: '/internal/metrics',
        port: 9100,
        host: '127.0.0.1',
        portSource: 'code',
      });
      expect(resolve({ port: 9464, host: '::' }).metricsEndpoint).toMatchObject({ host: '::' });
    });

    it('moves true and { path } onto the port of METRICS_ENDPOINT_PORT, and the port in code wins over it', () => {
      const env = { METRICS_ENDPOINT_PORT: '9464' };
      expect(resolve(true, env).metricsEndpoint).toMatchObject({ path: '/metrics', port: 9464 });
      expect(resolve({ path: '/m' }, env).metricsEndpoint).toMatchObject({
        path: '/m',
        port: 9464,
      });
      expect(resolve({ port: 9100 }, env).metricsEndpoint).toMatchObject({
        port: 9100,
        portSource: 'code',
      });
    });

    it('stays off with metricsEndpoint: false whatever METRICS_ENDPOINT_PORT says', () => {
      expect(resolve(false, { METRICS_ENDPOINT_PORT: '9464' }).metricsEndpoint).toBeUndefined();
      expect(resolve(false, { METRICS_ENDPOINT_PORT: 'nonsense' }).metricsEndpoint).toBeUndefined();
    });

    it('counts a blank METRICS_ENDPOINT_PORT as not set', () => {
      expect(resolve(undefined, { METRICS_ENDPOINT_PORT: '  ' }).metricsEndpoint).toBeUndefined();
      expect(resolve(true, { METRICS_ENDPOINT_PORT: '' }).metricsEndpoint).toEqual({
        path: '/metrics',
      });
    });

    it.each([
      [0, 'must be at least 1, got 0'],
      [65_536, 'must be at most 65535, got 65536'],
      ['9464x', 'must be a number, got "9464x"'],
      [9464.5, 'must be a whole number, got 9464.5'],
      [true, 'must be a number, got true'],
    ])('rejects the port %j given in code, naming metricsEndpoint.port', (port, reason) => {
      const error = optionsFailure(() => resolve({ port: port as number }));
      expect(error.option).toBe('metricsEndpoint.port');
      expect(error.envVar).toBe('METRICS_ENDPOINT_PORT');
      expect(error.message).toBe(
        `NubiumMetricsModule: option "metricsEndpoint.port" (given in code) ${reason}`,
      );
    });

    it('rejects a bad METRICS_ENDPOINT_PORT, naming the env var it came from', () => {
      const error = optionsFailure(() => resolve(undefined, { METRICS_ENDPOINT_PORT: '70000' }));
      expect(error.message).toBe(
        'NubiumMetricsModule: option "metricsEndpoint.port" (from env METRICS_ENDPOINT_PORT) must be at most 65535, got "70000"',
      );
      expect(error.source).toBe('env');
    });

    it.each([
      [{ port: 9464, host: 'localhost' }, 'must be an IP address to listen on'],
      [{ port: 9464, host: '' }, 'must be an IP address to listen on'],
      [{ port: 9464, host: 7 }, 'must be an IP address to listen on'],
      [{ host: '0.0.0.0' }, 'is only for a metrics port of its own'],
    ])('rejects metricsEndpoint %j naming metricsEndpoint.host', (value, reason) => {
      const error = optionsFailure(() => resolve(value as never));
      expect(error.option).toBe('metricsEndpoint.host');
      expect(error.message).toContain(reason);
    });

    it('rejects an array rather than reading it as { path }', () => {
      const error = optionsFailure(() => resolve([] as never));
      expect(error.option).toBe('metricsEndpoint');
      expect(error.message).toContain('must be true, false, { path } or { port, host?, path? }');
    });
  });

  it('warns, naming the path, and leaves an app without an HTTP server running when the endpoint is on', async () => {
    @Module({
      imports: [
        NubiumMetricsModule.forRoot({ ...base, metricsEndpoint: { path: '/internal/metrics' } }),
      ],
    })
    class WorkerModule {}
    const logs = new CapturingLogger();
    let app: INestApplicationContext | undefined;
    try {
      app = await NestFactory.createApplicationContext(WorkerModule, { logger: logs });
      app.get(MetricsManager).incMessagesConsumed('t');
      expect(app.get(MetricsManager).messagesConsumed('t')).toBe(1);
    } finally {
      await app?.close();
    }
    const about = logs.lines.filter((l) => l.message.includes('metricsEndpoint'));
    expect(about.map((l) => [l.level, l.context])).toEqual([['warn', 'NubiumMetrics']]);
    expect(about.map((l) => l.message)).toEqual([
      expect.stringMatching(/metricsEndpoint.*no HTTP server.*\/internal\/metrics is not served/),
    ]);
  });

  it('does not warn about the endpoint when it is off', async () => {
    @Module({ imports: [NubiumMetricsModule.forRoot(base)] })
    class WorkerModule {}
    const logs = new CapturingLogger();
    const app = await NestFactory.createApplicationContext(WorkerModule, { logger: logs });
    await app.close();
    expect(logs.text()).not.toContain('metricsEndpoint');
  });
});
