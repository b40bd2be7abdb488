import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { registerDefaultMetrics } from '../../../lib/manager/default-metrics';
import {
  MetricsManager,
  MetricsOptionsError,
  NubiumMetricsModule,
  resolveMetricsOptions,
} from '../../../lib';

const base = { job: 'pod-1', app: 'orders', pushEnabled: false };

/** Label sets of a metric's values, read from the registry (its text has "Nan" before any data). */
async function sampleLabels(registry: Registry, name: string): Promise<Record<string, unknown>[]> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.map((v) => v.labels) ?? [];
}

async function metricNames(registry: Registry): Promise<string[]> {
  return (await registry.getMetricsAsJSON()).map((m) => m.name);
}

describe('registerDefaultMetrics', () => {
  it('adds the process metrics labelled with app and job', async () => {
    const registry = new Registry();

    expect(registerDefaultMetrics(registry, { prefix: '', app: 'orders', job: 'pod-1' })).toBe(
      true,
    );

    expect(await sampleLabels(registry, 'process_cpu_user_seconds_total')).toEqual([
      { app: 'orders', job: 'pod-1' },
    ]);
    expect(await sampleLabels(registry, 'nodejs_heap_size_used_bytes')).toEqual([
      { app: 'orders', job: 'pod-1' },
    ]);
  });

  it('prefixes every default metric name with the prefix', async () => {
    const registry = new Registry();

    registerDefaultMetrics(registry, { prefix: 'orders_', app: 'orders', job: 'pod-1' });

    const names = await metricNames(registry);
    expect(names).toContain('orders_process_cpu_user_seconds_total');
    expect(names.every((n) => n.startsWith('orders_'))).toBe(true);
  });

  it('keeps the default metrics a shared registry already has instead of throwing a duplicate-registration error', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });

    expect(registerDefaultMetrics(registry, { prefix: '', app: 'orders', job: 'pod-1' })).toBe(
      false,
    );

    expect(await sampleLabels(registry, 'process_cpu_user_seconds_total')).toEqual([{}]);
  });
});

describe('defaultMetrics option', () => {
  const apps: INestApplicationContext[] = [];
  afterEach(async () => {
    while (apps.length) await apps.pop()!.close();
  });

  async function registryOf(
    options: Parameters<typeof NubiumMetricsModule.forRoot>[0],
  ): Promise<Registry> {
    @Module({ imports: [NubiumMetricsModule.forRoot(options)] })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    apps.push(app);
    return app.get(MetricsManager).registry;
  }

  it('is off by default: the registry holds only the module metrics', async () => {
    const registry = await registryOf(base);

    expect(registry.getSingleMetric('process_cpu_user_seconds_total')).toBeUndefined();
  });

  it('adds prefixed default metrics with the same app and job labels as the standard metrics', async () => {
    const registry = await registryOf({ ...base, defaultMetrics: { prefix: 'node_' } });

    expect(await sampleLabels(registry, 'node_process_resident_memory_bytes')).toEqual([
      { app: 'orders', job: 'pod-1' },
    ]);
  });

  it.each([
    [{ prefix: '1bad' }, 'defaultMetrics.prefix'],
    [{ prefix: 'with space_' }, 'defaultMetrics.prefix'],
    ['yes', 'defaultMetrics'],
  ])('rejects defaultMetrics %j naming the option', (value, option) => {
    const resolve = () => resolveMetricsOptions({ ...base, defaultMetrics: value as never }, {});
    expect(resolve).toThrow(MetricsOptionsError);
    expect(resolve).toThrow(`option "${option}"`);
  });

  it('resolves true to no prefix and false to off', () => {
    expect(resolveMetricsOptions({ ...base, defaultMetrics: true }, {}).defaultMetrics).toEqual({
      prefix: '',
    });
    expect(
      resolveMetricsOptions({ ...base, defaultMetrics: false }, {}).defaultMetrics,
    ).toBeUndefined();
  });
});
