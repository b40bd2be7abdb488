import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MetricsManager, exceptionName } from '../../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import type { MetricsModuleOptions } from '../../../lib/interfaces/metrics-options.interface';

function manager(options: MetricsModuleOptions = {}): MetricsManager {
  const resolved = resolveMetricsOptions(
    { job: 'pod-1', app: 'orders', pushEnabled: false, ...options },
    {},
  );
  return new MetricsManager(resolved, new Registry());
}

async function values(m: MetricsManager, name: string) {
  const metric = await m.registry.getSingleMetric(name)!.get();
  return {
    type: metric.type,
    values: metric.values.map((v) => ({ labels: v.labels, value: v.value })),
  };
}

class OrderRejected extends Error {}

describe('MetricsManager', () => {
  it('counts consumed and produced messages per topic with the app and job labels', async () => {
    const m = manager();
    m.incMessagesConsumed('orders');
    m.incMessagesConsumed('orders', 4);
    m.incMessagesConsumed('payments');
    m.incMessagesProduced('invoices', 3);
    expect(await values(m, 'messages_consumed')).toEqual({
      type: 'gauge',
      values: [
        { labels: { app: 'orders', job: 'pod-1', topic: 'orders' }, value: 5 },
        { labels: { app: 'orders', job: 'pod-1', topic: 'payments' }, value: 1 },
      ],
    });
    expect((await values(m, 'messages_produced')).values).toEqual([
      { labels: { app: 'orders', job: 'pod-1', topic: 'invoices' }, value: 3 },
    ]);
  });

  it('counts errors by exception class name', async () => {
    const m = manager();
    m.incMessageErrors(new OrderRejected('no'));
    m.incMessageErrors(new TypeError('bad'));
    m.incMessageErrors(new OrderRejected('again'));
    m.incMessageErrorsOfType('TimeoutError', 2);
    expect((await values(m, 'messages_errors')).values).toEqual([
      { labels: { app: 'orders', job: 'pod-1', exception: 'OrderRejected' }, value: 2 },
      { labels: { app: 'orders', job: 'pod-1', exception: 'TypeError' }, value: 1 },
      { labels: { app: 'orders', job: 'pod-1', exception: 'TimeoutError' }, value: 2 },
    ]);
  });

  it('names thrown non-errors by their type', () => {
    expect(exceptionName('boom')).toBe('String');
    expect(exceptionName(42)).toBe('Number');
    expect(exceptionName(undefined)).toBe('undefined');
    expect(exceptionName(null)).toBe('null');
    expect(exceptionName(Object.create(null))).toBe('Object');
    expect(exceptionName({ code: 1 })).toBe('Object');
  });

  it('pushes counters instead of gauges with metricType counter, and keeps folding deltas', async () => {
    const m = manager({ metricType: 'counter' });
    m.incMessagesConsumed('orders', 2);
    expect(await values(m, 'messages_consumed')).toMatchObject({
      type: 'counter',
      values: [{ value: 2 }],
    });
    m.incMessagesConsumed('orders', 3);
    await m.registry.metrics();
    m.incMessagesConsumed('orders');
    expect((await values(m, 'messages_consumed')).values[0].value).toBe(6);
  });

  it('uses overridden metric names', async () => {
    const m = manager({ metricNames: { errors: 'message_errors' } });
    m.incMessageErrors(new Error('x'));
    expect(await m.registry.getSingleMetricAsString('message_errors')).toContain(
      'message_errors{app="orders",job="pod-1",exception="Error"} 1',
    );
    expect(m.registry.getSingleMetric('messages_errors')).toBeUndefined();
  });

  it('ignores increments that would corrupt a count, and keeps counting', () => {
    const m = manager();
    m.incMessagesConsumed('orders', 2);
    for (const bad of [
      -1,
      NaN,
      Infinity,
      '3' as unknown as number,
      undefined as unknown as number,
      null as unknown as number,
    ]) {
      m.incMessagesConsumed('orders', bad ?? -1);
      m.incMessagesProduced('orders', bad ?? -1);
      m.incMessageErrorsOfType('E', bad ?? -1);
    }
    m.incMessagesConsumed('orders', 0);
    m.incMessagesConsumed('orders');
    expect(m.messagesConsumed('orders')).toBe(3);
    expect(m.messagesProduced('orders')).toBe(0);
    expect(m.messageErrors('E')).toBe(0);
  });

  it('caps distinct label values and counts the rest in the overflow bucket, so totals still add up', async () => {
    const m = manager({ maxExceptionTypes: 3, maxTopics: 2 });
    for (let i = 0; i < 10; i++) m.incMessageErrorsOfType(`Error${i}`, i + 1);
    m.incMessageErrorsOfType('Error0');
    for (const topic of ['a', 'b', 'c', 'd', 'a']) m.incMessagesConsumed(topic);
    const errors = (await values(m, 'messages_errors')).values;
    expect(errors).toHaveLength(4);
    expect(m.messageErrors('Error0')).toBe(2);
    expect(m.messageErrors('__overflow__')).toBe(4 + 5 + 6 + 7 + 8 + 9 + 10);
    expect(errors.reduce((sum, v) => sum + v.value, 0)).toBe(55 + 1);
    expect(m.messagesConsumed('a')).toBe(2);
    expect(m.messagesConsumed('__overflow__')).toBe(2);
  });

  it('escapes hostile label values in the pushed text', async () => {
    const m = manager({ app: 'a"b\\c\nd' });
    m.incMessagesConsumed('t"o\\p\nic');
    expect(await m.registry.metrics()).toContain(
      'messages_consumed{app="a\\"b\\\\c\\nd",job="pod-1",topic="t\\"o\\\\p\\nic"} 1',
    );
  });

  it("leaves room in the registry for the app's own metrics", async () => {
    const m = manager();
    const { Counter } = await import('prom-client');
    new Counter({ name: 'orders_rejected_total', help: 'x', registers: [m.registry] }).inc();
    expect(await m.registry.metrics()).toContain('orders_rejected_total 1');
  });
});
