import { Logger } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { MetricsManager } from '../../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import type { MetricsModuleOptions } from '../../../lib/interfaces/metrics-options.interface';

function manager(options: MetricsModuleOptions = {}, registry = new Registry()): MetricsManager {
  const resolved = resolveMetricsOptions(
    { job: 'pod-1', app: 'orders', pushEnabled: false, ...options },
    {},
  );
  return new MetricsManager(resolved, registry);
}

async function values(m: MetricsManager, name: string) {
  const metric = await m.registry.getSingleMetric(name)!.get();
  return {
    type: metric.type,
    help: metric.help,
    values: metric.values.map((v) => ({ labels: v.labels, value: v.value })),
  };
}

describe('MetricsManager custom metrics', () => {
  let warn: MockInstance;
  beforeEach(() => {
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('registers a gauge labelled app, job and topic = its own name, as the original did', async () => {
    const m = manager();
    m.registerCustomMetric('leads_enriched', 'Leads enriched from the CRM');
    m.incCustomMetric('leads_enriched');
    m.incCustomMetric('leads_enriched', 4);

    expect(await values(m, 'leads_enriched')).toEqual({
      type: 'gauge',
      help: 'Leads enriched from the CRM',
      values: [{ labels: { app: 'orders', job: 'pod-1', topic: 'leads_enriched' }, value: 5 }],
    });
    expect(m.customMetric('leads_enriched')).toBe(5);
  });

  it('is pushed as a counter with metricType counter', async () => {
    const m = manager({ metricType: 'counter' });
    m.registerCustomMetric('leads_enriched', 'x');
    m.incCustomMetric('leads_enriched', 2);
    await m.registry.metrics();
    m.incCustomMetric('leads_enriched');

    expect(await values(m, 'leads_enriched')).toMatchObject({
      type: 'counter',
      values: [{ value: 3 }],
    });
  });

  it('counts nothing for an unregistered name, never throws, and logs each name once', async () => {
    const m = manager();
    const before = await m.registry.metrics();

    for (let i = 0; i < 3; i++) expect(() => m.incCustomMetric('not_registered')).not.toThrow();
    m.incCustomMetric('other\nname', 2);

    expect(await m.registry.metrics()).toBe(before);
    expect(m.customMetric('not_registered')).toBe(0);
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining('incCustomMetric("not_registered"): no custom metric of that name'),
      expect.stringContaining('incCustomMetric("other\\nname")'),
    ]);
  });

  it('stops warning about unregistered names after a hundred of them', () => {
    const m = manager();
    for (let i = 0; i < 500; i++) m.incCustomMetric(`unknown_${i}`);

    expect(warn).toHaveBeenCalledTimes(101);
    expect(String(warn.mock.calls[100][0])).toContain('further unregistered names are ignored');
  });

  it.each([
    ['', 'must match'],
    ['1st_metric', 'must match'],
    ['with space', 'must match'],
    ['kebab-case', 'must match'],
    ['quote"d', 'must match'],
    ['__reserved', 'reserved'],
    ['nubium_metrics_mine', 'reserved'],
  ])('refuses the name %j at registration with a clear error', (name, reason) => {
    const m = manager();
    expect(() => m.registerCustomMetric(name, 'x')).toThrow(
      `registerCustomMetric(${JSON.stringify(name)}): `,
    );
    expect(() => m.registerCustomMetric(name, 'x')).toThrow(reason);
    expect(m.registry.getSingleMetric(name)).toBeUndefined();
  });

  it('refuses a name that is not a string, and a missing description', () => {
    const m = manager();
    expect(() => m.registerCustomMetric(42 as never, 'x')).toThrow('a value of type number');
    expect(() => m.registerCustomMetric('ok_name', '')).toThrow('non-empty string');
    expect(() => m.registerCustomMetric('ok_name', undefined as never)).toThrow('non-empty string');
  });

  it("refuses a name the registry already has: a standard metric, external_requests or one of the app's own", () => {
    const registry = new Registry();
    new Gauge({ name: 'app_queue_depth', help: 'mine', registers: [registry] });
    const m = manager({}, registry);

    expect(() => m.registerCustomMetric('messages_consumed', 'x')).toThrow(
      'already has another metric of that name',
    );
    expect(() => m.registerCustomMetric('app_queue_depth', 'x')).toThrow(
      'already has another metric of that name',
    );
    expect(() => m.registerCustomMetric('external_requests', 'x')).toThrow(
      "is the module's own, counted by incExternalRequests",
    );
  });

  it('keeps the first registration and its count when a name is registered again', () => {
    const m = manager();
    m.registerCustomMetric('leads_enriched', 'first');
    m.incCustomMetric('leads_enriched', 2);
    m.registerCustomMetric('leads_enriched', 'second');
    m.incCustomMetric('leads_enriched');

    expect(m.customMetric('leads_enriched')).toBe(3);
  });

  it('ignores increments that would corrupt a count, logged once per metric', () => {
    const m = manager();
    m.registerCustomMetric('leads_enriched', 'x');
    for (const bad of [-1, NaN, Infinity, '3' as unknown as number]) {
      m.incCustomMetric('leads_enriched', bad);
    }
    m.incCustomMetric('leads_enriched', 0);
    m.incCustomMetric('leads_enriched');

    expect(m.customMetric('leads_enriched')).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
