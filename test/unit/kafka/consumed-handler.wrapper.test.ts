import { KafkaContext } from '@nestjs/microservices';
import { lastValueFrom, Observable, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ConsumedMeters } from '../../../lib/kafka/consumed-meters';
import { ProcessingTimeHistogram } from '../../../lib/kafka/processing-time.histogram';
import {
  unwrapConsumedHandler,
  wrapConsumedHandler,
  type CountingTarget,
  type HandlerTopic,
} from '../../../lib/kafka/consumed-handler.wrapper';
import type { MetricsManager } from '../../../lib/manager/metrics.manager';
import { testManager } from '../../support/fake-kafka';

class Failed extends Error {}

const ORDERS: HandlerTopic = { contextIndex: -1, topic: 'orders' };

function kafkaContext(topic: string): KafkaContext {
  return new KafkaContext([{} as never, 0, topic, {} as never, async () => {}, {} as never]);
}

/** A fresh handler class per test (the wrapper's state is per prototype). */
function handlers() {
  class Handlers {
    result: () => unknown = () => undefined;
    handle(_data: unknown, _context?: unknown): unknown {
      return this.result();
    }
  }
  Reflect.defineMetadata('microservices:pattern', ['orders'], Handlers.prototype.handle);
  return Handlers;
}

/** Registers `instance` as one app's controller counting into a new manager. */
function register(
  type: CountingTarget['type'],
  instance: object,
): { target: CountingTarget; metrics: MetricsManager } {
  const metrics = testManager();
  const target: CountingTarget = {
    source: { instance },
    type,
    metrics,
    meters: new ConsumedMeters(metrics),
  };
  return { target, metrics };
}

function setUp(topic: HandlerTopic = ORDERS) {
  const Type = handlers();
  const instance = new Type();
  const { target, metrics } = register(Type, instance);
  wrapConsumedHandler(Type.prototype, 'handle', topic, target);
  return { Type, instance, target, metrics };
}

describe('wrapConsumedHandler', () => {
  it('counts a plain return at once, on the handler pattern topic', () => {
    const { instance, metrics } = setUp();
    instance.result = () => 'ok';
    expect(instance.handle({})).toBe('ok');
    instance.result = () => undefined;
    instance.handle({});
    expect(metrics.messagesConsumed('orders')).toBe(2);
  });

  it('counts a promise when it fulfils, not before', async () => {
    const { instance, metrics } = setUp();
    let fulfil!: (value: string) => void;
    instance.result = () => new Promise<string>((resolve) => (fulfil = resolve));
    const result = instance.handle({}) as Promise<string>;
    await Promise.resolve();
    expect(metrics.messagesConsumed('orders')).toBe(0);
    fulfil('done');
    await expect(result).resolves.toBe('done');
    expect(metrics.messagesConsumed('orders')).toBe(1);
  });

  it('counts an observable when it completes, and a promise of one when that completes', async () => {
    const { instance, metrics } = setUp();
    instance.result = () => of(1, 2, 3);
    const values: number[] = [];
    await new Promise<void>((done) =>
      (instance.handle({}) as Observable<number>).subscribe({
        next: (v) => values.push(v),
        complete: done,
      }),
    );
    expect(values).toEqual([1, 2, 3]);
    expect(metrics.messagesConsumed('orders')).toBe(1);
    instance.result = async () => of('late');
    const inner = (await instance.handle({})) as Observable<string>;
    expect(metrics.messagesConsumed('orders')).toBe(1);
    await expect(lastValueFrom(inner)).resolves.toBe('late');
    expect(metrics.messagesConsumed('orders')).toBe(2);
  });

  it('does not count a throw, a rejection or an observable error, and passes each through unchanged', async () => {
    const { instance, metrics } = setUp();
    const error = new Failed('no');
    instance.result = () => {
      throw error;
    };
    expect(() => instance.handle({})).toThrow(error);
    instance.result = () => Promise.reject(error);
    await expect(instance.handle({})).rejects.toBe(error);
    instance.result = () => throwError(() => error);
    await expect(lastValueFrom(instance.handle({}) as Observable<unknown>)).rejects.toBe(error);
    expect(metrics.messagesConsumed('orders')).toBe(0);
  });

  it('takes the topic from the KafkaContext argument, and counts nothing for another transport', () => {
    const { instance, metrics } = setUp({ contextIndex: 1, topic: undefined });
    instance.handle({}, kafkaContext('invoices'));
    instance.handle({}, kafkaContext('invoices'));
    instance.handle({}, { getChannel: () => 'redis-channel' });
    instance.handle({}, undefined);
    expect(metrics.messagesConsumed('invoices')).toBe(2);
    expect(metrics.messagesConsumed('orders')).toBe(0);
  });

  it('counts into the manager of the app whose instance runs, when two apps share the class', () => {
    const Type = handlers();
    const original = Type.prototype.handle;
    const a = new Type();
    const b = new Type();
    const stranger = new Type();
    const appA = register(Type, a);
    const appB = register(Type, b);
    const wrapped = wrapConsumedHandler(Type.prototype, 'handle', ORDERS, appA.target);
    expect(wrapConsumedHandler(Type.prototype, 'handle', ORDERS, appB.target)).toBe(wrapped);
    a.handle({});
    b.handle({});
    b.handle({});
    stranger.handle({});
    expect(appA.metrics.messagesConsumed('orders')).toBe(1);
    expect(appB.metrics.messagesConsumed('orders')).toBe(2);

    // The first app closes: the wrapper stays for the second, the first no longer counts.
    unwrapConsumedHandler(Type.prototype, 'handle', appA.target, Type.prototype.handle);
    expect(Type.prototype.handle).toBe(wrapped);
    a.handle({});
    b.handle({});
    expect(appA.metrics.messagesConsumed('orders')).toBe(1);
    expect(appB.metrics.messagesConsumed('orders')).toBe(3);

    // The last one closes: the original method is back.
    unwrapConsumedHandler(Type.prototype, 'handle', appB.target, Type.prototype.handle);
    expect(Type.prototype.handle).toBe(original);
    expect(Object.getOwnPropertyDescriptor(Type.prototype, 'handle')?.enumerable).toBe(false);
  });

  it('resolves the instance on its first call, even when Nest replaced the object after registering', () => {
    const Type = handlers();
    const source: { instance: unknown } = { instance: Object.create(Type.prototype) };
    const metrics = testManager();
    const target: CountingTarget = {
      source,
      type: Type,
      metrics,
      meters: new ConsumedMeters(metrics),
    };
    wrapConsumedHandler(Type.prototype, 'handle', ORDERS, target);
    const instance = new Type();
    source.instance = instance;
    instance.handle({});
    instance.handle({});
    expect(metrics.messagesConsumed('orders')).toBe(2);
    unwrapConsumedHandler(Type.prototype, 'handle', target, Type.prototype.handle);
  });

  it('keeps the method own metadata, name and length on the wrapper', () => {
    const Type = handlers();
    const original = Type.prototype.handle;
    Reflect.defineMetadata('__interceptors__', ['app-interceptor'], original);
    Reflect.defineMetadata('__guards__', ['guard'], original);
    const { target } = register(Type, new Type());
    const wrapped = wrapConsumedHandler(Type.prototype, 'handle', ORDERS, target);
    expect(wrapped).not.toBe(original);
    expect(Reflect.getOwnMetadataKeys(wrapped).sort()).toEqual(
      Reflect.getOwnMetadataKeys(original).sort(),
    );
    expect(Reflect.getMetadata('microservices:pattern', wrapped)).toEqual(['orders']);
    expect(Reflect.getMetadata('__interceptors__', wrapped)).toEqual(['app-interceptor']);
    expect(Reflect.getMetadata('__guards__', wrapped)).toEqual(['guard']);
    expect(wrapped.name).toBe('handle');
    expect(wrapped.length).toBe(original.length);
    unwrapConsumedHandler(Type.prototype, 'handle', target, Type.prototype.handle);
    expect(Type.prototype.handle).toBe(original);
  });

  it('restores an inherited method by removing the wrapper from the subclass', () => {
    const Base = handlers();
    class Child extends Base {}
    const { target } = register(Child, new Child());
    wrapConsumedHandler(Child.prototype, 'handle', ORDERS, target);
    expect(Object.hasOwn(Child.prototype, 'handle')).toBe(true);
    unwrapConsumedHandler(Child.prototype, 'handle', target, Child.prototype.handle);
    expect(Object.hasOwn(Child.prototype, 'handle')).toBe(false);
    expect(Child.prototype.handle).toBe(Base.prototype.handle);
  });

  it('with a context the module declared, hands the method its own arguments only and counts on the context topic', () => {
    class Handlers {
      calls: unknown[][] = [];
      handle(...args: unknown[]): void {
        this.calls.push(args);
      }
      wide(...args: unknown[]): void {
        this.calls.push(args);
      }
    }
    const instance = new Handlers();
    const { target, metrics } = register(Handlers, instance);
    let undone = 0;
    const setUp = () => () => undone++;
    wrapConsumedHandler(
      Handlers.prototype,
      'handle',
      { contextIndex: 1, topic: 'fallback', contextDeclared: true },
      target,
      setUp,
    );
    wrapConsumedHandler(
      Handlers.prototype,
      'wide',
      { contextIndex: 5, topic: 'fallback', contextDeclared: true },
      target,
    );
    instance.handle('payload', kafkaContext('invoices'));
    instance.handle('payload', { getChannel: () => 'tcp' });
    instance.wide(1, 2, 3, 4, 5, kafkaContext('invoices'));
    expect(instance.calls).toEqual([['payload'], ['payload'], [1, 2, 3, 4, 5]]);
    // Another transport's call: the pattern's topic, as without a context.
    expect([metrics.messagesConsumed('invoices'), metrics.messagesConsumed('fallback')]).toEqual([
      2, 1,
    ]);
    unwrapConsumedHandler(Handlers.prototype, 'handle', target, Handlers.prototype.handle);
    expect(undone).toBe(1);
  });

  it('times each attempt to its outcome when processing time is on, a throw and a rejection included', async () => {
    const { instance, metrics } = setUp({ contextIndex: 1, topic: undefined });
    ProcessingTimeHistogram.of(metrics, { buckets: [10] });
    instance.result = () => 'ok';
    instance.handle({}, kafkaContext('orders'));
    instance.result = () => {
      throw new Failed('sync');
    };
    expect(() => instance.handle({}, kafkaContext('orders'))).toThrow('sync');
    instance.result = () => Promise.reject(new Failed('async'));
    await expect(instance.handle({}, kafkaContext('orders'))).rejects.toThrow('async');
    instance.result = () => of(1);
    await lastValueFrom(instance.handle({}, kafkaContext('orders')) as Observable<number>);
    const text = await metrics.registry.getSingleMetricAsString('message_processing_seconds');
    expect(text).toContain(
      'message_processing_seconds_count{app="orders",job="pod-1",topic="orders"} 4',
    );
    expect(metrics.messagesConsumed('orders')).toBe(2);
  });

  it('leaves a wrapper someone put on top of its own in place when the app goes, and stops counting', () => {
    const { Type, instance, target, metrics } = setUp();
    const ours = Type.prototype.handle;
    const theirs = function (this: unknown, ...args: unknown[]): unknown {
      return ours.apply(this, args as [unknown, unknown?]);
    };
    Type.prototype.handle = theirs;
    instance.handle({});
    unwrapConsumedHandler(Type.prototype, 'handle', target, ours);
    instance.handle({});
    expect(Type.prototype.handle).toBe(theirs);
    expect(metrics.messagesConsumed('orders')).toBe(1);
  });
});
