import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import {
  MetricsManager,
  MetricsOptionsError,
  NubiumMetricsModule,
  resolveMetricsOptions,
} from '../../../lib';
import { CapturingLogger } from '../../support/logs';

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
