import { Logger } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { MetricsManager } from '../../../lib/manager/metrics.manager';
import type { ExternalRequestLabels } from '../../../lib/interfaces/external-request-labels.interface';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import type { MetricsModuleOptions } from '../../../lib/interfaces/metrics-options.interface';

function manager(options: MetricsModuleOptions = {}, registry = new Registry()): MetricsManager {
  const resolved = resolveMetricsOptions(
    { job: 'pod-1', app: 'orders', pushEnabled: false, ...options },
    {},
  );
  return new MetricsManager(resolved, registry);
}

async function series(m: MetricsManager) {
  const metric = await m.registry.getSingleMetric('external_requests')!.get();
  return {
    type: metric.type,
    values: metric.values.map((v) => ({ labels: v.labels, value: v.value })),
  };
}

const fixed = { app: 'orders', job: 'pod-1' };

describe('MetricsManager.incExternalRequests', () => {
  let warn: MockInstance;
  beforeEach(() => {
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('counts calls per label set in external_requests, a gauge labelled like the original', async () => {
    const m = manager();
    m.incExternalRequests({
      requestTo: 'salesforce',
      requestEndpoint: '/leads',
      requestType: 'POST',
      isBulk: true,
      statusCode: 201,
    });
    m.incExternalRequests(
      {
        requestTo: 'salesforce',
        requestEndpoint: '/leads',
        requestType: 'POST',
        isBulk: 1,
        statusCode: '201',
      },
      2,
    );
    m.incExternalRequests({ requestTo: 'eloqua' });

    expect(await series(m)).toEqual({
      type: 'gauge',
      values: [
        {
          labels: {
            ...fixed,
            request_to: 'salesforce',
            request_endpoint: '/leads',
            request_type: 'POST',
            is_bulk: '1',
            status_code: '201',
          },
          value: 3,
        },
        {
          labels: {
            ...fixed,
            request_to: 'eloqua',
            request_endpoint: '',
            request_type: '',
            is_bulk: '0',
            status_code: '200',
          },
          value: 1,
        },
      ],
    });
    expect(m.externalRequests({ requestTo: 'eloqua', isBulk: false, statusCode: 200 })).toBe(1);
  });

  it('is pushed as a counter with metricType counter, folding only what was added since', async () => {
    const m = manager({ metricType: 'counter' });
    m.incExternalRequests({ requestTo: 'crm' }, 2);
    await m.registry.metrics();
    m.incExternalRequests({ requestTo: 'crm' }, 3);

    expect(await series(m)).toMatchObject({ type: 'counter', values: [{ value: 5 }] });
  });

  it('adds external_requests to the registry only at the first count', async () => {
    const m = manager();
    expect(m.registry.getSingleMetric('external_requests')).toBeUndefined();
    expect(await m.registry.metrics()).not.toContain('external_requests');

    m.incExternalRequests({ requestTo: 'crm' });

    expect(m.registry.getSingleMetric('external_requests')).toBeDefined();
  });

  it('caps distinct label sets at maxTopics and counts the rest in one overflow series, so the total still adds up', async () => {
    const m = manager({ maxTopics: 2 });
    for (let i = 0; i < 5; i++) m.incExternalRequests({ requestTo: `svc${i}` }, i + 1);
    m.incExternalRequests({ requestTo: 'svc0' });

    const values = (await series(m)).values;
    expect(values).toHaveLength(3);
    expect(values[2]).toEqual({
      labels: {
        ...fixed,
        request_to: '__overflow__',
        request_endpoint: '__overflow__',
        request_type: '__overflow__',
        is_bulk: '__overflow__',
        status_code: '__overflow__',
      },
      value: 3 + 4 + 5,
    });
    expect(values.reduce((sum, v) => sum + v.value, 0)).toBe(1 + 2 + 3 + 4 + 5 + 1);
    expect(m.externalRequests({ requestTo: 'svc0' })).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain('external_requests: more than 2 distinct');
  });

  it('keeps label sets apart whatever characters their values hold', async () => {
    const m = manager();
    m.incExternalRequests({ requestTo: 'a|b', requestEndpoint: 'c' });
    m.incExternalRequests({ requestTo: 'a', requestEndpoint: 'b|c' }, 2);
    m.incExternalRequests({ requestTo: 'a","b', requestEndpoint: '' }, 3);
    m.incExternalRequests({ requestTo: 'a', requestEndpoint: 'b' }, 4);

    expect((await series(m)).values.map((v) => v.value)).toEqual([1, 2, 3, 4]);
  });

  it('escapes hostile label values in the pushed text', async () => {
    const m = manager();
    m.incExternalRequests({ requestTo: 'cr"m', requestEndpoint: '/a\\b\nc', requestType: 'ĞET ☃' });

    expect(await m.registry.metrics()).toContain(
      'external_requests{app="orders",job="pod-1",request_to="cr\\"m",request_endpoint="/a\\\\b\\nc",request_type="ĞET ☃",is_bulk="0",status_code="200"} 1',
    );
  });

  it('ignores label values that are not strings or numbers, and labels that throw, without throwing', async () => {
    const m = manager();
    const hostile = {
      get requestTo(): string {
        throw new Error('boom');
      },
    } as ExternalRequestLabels;
    const calls = [
      () => m.incExternalRequests({ requestTo: { evil: true } as unknown as string }),
      () => m.incExternalRequests({ requestTo: 'crm', statusCode: Symbol('x') as never }),
      () => m.incExternalRequests({ requestTo: 'crm', isBulk: (() => 1) as never }),
      () => m.incExternalRequests(null as never),
      () => m.incExternalRequests(hostile),
    ];
    for (const call of calls) expect(call).not.toThrow();
    m.incExternalRequests({ requestTo: 'crm' });

    expect((await series(m)).values).toEqual([
      { labels: expect.objectContaining({ request_to: 'crm' }), value: 1 },
    ]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain('"request_to" is a value of type object');
  });

  it('ignores increments that would corrupt a count', () => {
    const m = manager();
    for (const bad of [-1, NaN, Infinity, '2' as unknown as number]) {
      m.incExternalRequests({ requestTo: 'crm' }, bad);
    }
    m.incExternalRequests({ requestTo: 'crm' }, 0);
    m.incExternalRequests({ requestTo: 'crm' });

    expect(m.externalRequests({ requestTo: 'crm' })).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("leaves an app's own external_requests alone: its counts go nowhere and are logged once", async () => {
    const registry = new Registry();
    const own = new Counter({ name: 'external_requests', help: 'mine', registers: [registry] });
    own.inc(7);
    const m = manager({}, registry);

    expect(() => m.incExternalRequests({ requestTo: 'crm' })).not.toThrow();
    m.incExternalRequests({ requestTo: 'crm' });

    expect(await registry.getSingleMetricAsString('external_requests')).toContain(
      'external_requests 7',
    );
    expect(m.externalRequests({ requestTo: 'crm' })).toBe(0);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain('external_requests: cannot be added');
  });
});
