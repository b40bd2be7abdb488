import type { MetricsManager } from '../manager/metrics.manager';
import { countConsumedOutcome } from './consumed-outcome';
import { kafkaTopicOfArg } from './kafka-context';

type Handler = (...args: unknown[]) => unknown;

/**
 * One app's controller: calls on its instance count into `metrics`. `source` is Nest's
 * `InstanceWrapper`, read at call time because Nest replaces the object it starts with when it
 * instantiates the class (after the module's providers may have been created).
 */
export interface CountingTarget {
  readonly source: { readonly instance: unknown; isDependencyTreeStatic?(): boolean };
  readonly type: abstract new (...args: never[]) => unknown;
  readonly metrics: MetricsManager;
}

/** Where a wrapped handler finds its topic: the `@Ctx()` argument, else its static pattern. */
export interface HandlerTopic {
  /** Index of the `@Ctx()` parameter, or -1. */
  readonly contextIndex: number;
  /** The handler's single string pattern (the topic in Nest's Kafka transport), if it has one. */
  readonly topic: string | undefined;
}

interface WrappedMethod {
  readonly wrapper: Handler;
  /** The property as it was on the prototype (`undefined`: inherited, not its own). */
  readonly before: PropertyDescriptor | undefined;
  readonly users: Set<CountingTarget>;
}

// Module-level because several apps in one process (tests) may share one controller class and
// its prototype: the method is wrapped once, and each call counts for the app whose instance runs it.
const wrapped = new WeakMap<object, Map<string, WrappedMethod>>();
const live = new Set<CountingTarget>();
const metricsOf = new WeakMap<object, MetricsManager>();

/** Calls on `target`'s controller instance count from now on (once its methods are wrapped). */
export function addCountingTarget(target: CountingTarget): void {
  live.add(target);
}

/** Calls on `target`'s controller instance stop counting. */
export function removeCountingTarget(target: CountingTarget): void {
  live.delete(target);
  const instance = target.source.instance;
  if (
    typeof instance === 'object' &&
    instance !== null &&
    metricsOf.get(instance) === target.metrics
  )
    metricsOf.delete(instance);
}

/**
 * Replaces `prototype[name]` with a wrapper that counts each call completing without an
 * exception, unless an earlier app did already; carries over the method's own metadata
 * (patterns, interceptors, guards, pipes, filters). Returns the function Nest will read.
 */
export function wrapConsumedHandler(
  prototype: object,
  name: string,
  topic: HandlerTopic,
  target: CountingTarget,
): Handler {
  let methods = wrapped.get(prototype);
  if (methods === undefined) wrapped.set(prototype, (methods = new Map()));
  const known = methods.get(name);
  if (known !== undefined) {
    known.users.add(target);
    return known.wrapper;
  }
  const before = Object.getOwnPropertyDescriptor(prototype, name);
  const original = (prototype as Record<string, Handler>)[name];
  const wrapper = countingWrapper(original, topic);
  Object.defineProperty(wrapper, 'name', { value: original.name });
  Object.defineProperty(wrapper, 'length', { value: original.length });
  for (const key of Reflect.getOwnMetadataKeys(original) as unknown[])
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapper);
  Object.defineProperty(prototype, name, {
    value: wrapper,
    writable: before?.writable ?? true,
    enumerable: before?.enumerable ?? false,
    configurable: true,
  });
  methods.set(name, { wrapper, before, users: new Set([target]) });
  return wrapper;
}

/** `target` no longer uses the wrapper; the last user puts the original method back. */
export function unwrapConsumedHandler(
  prototype: object,
  name: string,
  target: CountingTarget,
): void {
  const methods = wrapped.get(prototype);
  const method = methods?.get(name);
  if (methods === undefined || method === undefined) return;
  method.users.delete(target);
  if (method.users.size > 0) return;
  methods.delete(name);
  // Someone wrapped it again on top of ours: leave theirs in place (ours no longer counts).
  if ((prototype as Record<string, unknown>)[name] !== method.wrapper) return;
  if (method.before === undefined) delete (prototype as Record<string, unknown>)[name];
  else Object.defineProperty(prototype, name, method.before);
}

// `arguments` rather than rest parameters: `apply(this, arguments)` hands the call on without
// copying the arguments into an array, on every message.
/* eslint-disable prefer-rest-params */
function countingWrapper(original: Handler, { contextIndex, topic: staticTopic }: HandlerTopic) {
  return function countConsumed(this: unknown): unknown {
    const metrics = metricsFor(this);
    const topic = contextIndex >= 0 ? kafkaTopicOfArg(arguments[contextIndex]) : staticTopic;
    const result = original.apply(this, arguments as unknown as unknown[]);
    return metrics === undefined || topic === undefined
      ? result
      : countConsumedOutcome(result, metrics, topic);
  };
}
/* eslint-enable prefer-rest-params */

function metricsFor(self: unknown): MetricsManager | undefined {
  if (self === null || typeof self !== 'object') return undefined;
  return metricsOf.get(self) ?? resolve(self);
}

/**
 * First call on an instance: finds the app it belongs to. A request-scoped controller (a new
 * instance per message) counts for the one app that registered its class; when several did,
 * the instance cannot be told apart and is not counted.
 */
function resolve(self: object): MetricsManager | undefined {
  let perRequest: MetricsManager | undefined;
  let candidates = 0;
  for (const target of live) {
    if (target.source.instance === self) {
      metricsOf.set(self, target.metrics);
      return target.metrics;
    }
    if (self instanceof target.type && target.source.isDependencyTreeStatic?.() === false) {
      perRequest = target.metrics;
      candidates++;
    }
  }
  return candidates === 1 ? perRequest : undefined;
}
