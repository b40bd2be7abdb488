import type { MetricsManager } from '../manager/metrics.manager';
import { NOT_TIMED, type ConsumedMeters } from './consumed-meters';
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
  /** What the app's consumed messages feed besides the count: lag, `seconds_behind`, processing time. */
  readonly meters: ConsumedMeters;
}

/** Where a wrapped handler finds the message's `KafkaContext` and its topic. */
export interface HandlerTopic {
  /** Index of the argument holding the `KafkaContext` (the app's `@Ctx()` or one the module declared), or -1. */
  readonly contextIndex: number;
  /**
   * Topic of a call without a Kafka context: the handler's single string pattern. `undefined` when
   * the app takes `@Ctx()` itself: then a call from another transport counts nothing.
   */
  readonly topic: string | undefined;
  /** The context argument is the module's, not the app's: the method gets the arguments before it only. */
  readonly contextDeclared?: boolean;
}

/** Undoes what was set up with a wrapper when its last user goes. */
type Undo = () => void;

/**
 * What a wrapper keeps, on the wrapper function itself: several apps in one process (tests) may
 * share a controller class and its prototype, so a method is wrapped once and each call counts
 * for the app whose instance runs it.
 */
interface WrapperState {
  readonly original: Handler;
  /** The property as it was on the prototype (`undefined`: inherited, not its own). */
  readonly before: PropertyDescriptor | undefined;
  readonly users: Set<CountingTarget>;
  /** Instances already matched to their app. */
  readonly owners: WeakMap<object, CountingTarget>;
  readonly undo: Undo | undefined;
}

const STATE = Symbol('nubium-metrics counting wrapper');
type Wrapper = Handler & { [STATE]?: WrapperState };

/**
 * Replaces `prototype[name]` with a wrapper that counts each call completing without an
 * exception, unless an earlier app did already (then `target` joins its users); carries over the
 * method's own metadata (patterns, interceptors, guards, pipes, filters). `setUp` runs when the
 * wrapper is made, and what it returns when the last user goes. Returns the function Nest will read.
 */
export function wrapConsumedHandler(
  prototype: object,
  name: string,
  topic: HandlerTopic,
  target: CountingTarget,
  setUp?: () => Undo,
): Handler {
  const known = wrapperOn(prototype, name);
  if (known !== undefined) {
    known[STATE]!.users.add(target);
    return known;
  }
  const before = Object.getOwnPropertyDescriptor(prototype, name);
  const original = (prototype as Record<string, Handler>)[name];
  const state: WrapperState = {
    original,
    before,
    users: new Set([target]),
    owners: new WeakMap(),
    undo: setUp?.(),
  };
  const wrapper: Wrapper = countingWrapper(state, topic);
  Object.defineProperty(wrapper, STATE, { value: state });
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
  return wrapper;
}

/**
 * `target` no longer uses `wrapper` (what {@link wrapConsumedHandler} returned); the last user
 * puts the original method back.
 */
export function unwrapConsumedHandler(
  prototype: object,
  name: string,
  target: CountingTarget,
  wrapper: Handler,
): void {
  const state = (wrapper as Wrapper)[STATE];
  if (state === undefined || !state.users.delete(target)) return;
  const instance = target.source.instance;
  if (typeof instance === 'object' && instance !== null && state.owners.get(instance) === target)
    state.owners.delete(instance);
  if (state.users.size > 0) return;
  state.undo?.();
  // Someone wrapped it again on top of ours: leave theirs in place (ours no longer counts).
  if ((prototype as Record<string, unknown>)[name] !== wrapper) return;
  if (state.before === undefined) delete (prototype as Record<string, unknown>)[name];
  else Object.defineProperty(prototype, name, state.before);
}

/** The counting wrapper that is `prototype`'s own `name`, if it is one. */
function wrapperOn(prototype: object, name: string): Wrapper | undefined {
  if (!Object.hasOwn(prototype, name)) return undefined;
  const method = (prototype as Record<string, unknown>)[name] as Wrapper | undefined;
  return typeof method === 'function' && method[STATE] !== undefined ? method : undefined;
}

// `arguments` rather than rest parameters, and only read in place: `apply(this, arguments)` and
// `arguments[i]` hand the call on without V8 making an arguments object (or an array) for it, on
// every message; passing `arguments` itself to a function would make one.
/* eslint-disable prefer-rest-params */
function countingWrapper(state: WrapperState, topic: HandlerTopic): Handler {
  const { contextIndex: index, topic: fallback } = topic;
  const original = state.original;
  // The module declared the context after the method's own `index` arguments: they alone are
  // handed on, so the method sees the arguments it declared, as without the module.
  const declared = topic.contextDeclared === true;
  return function countConsumed(this: unknown): unknown {
    const context: unknown = index >= 0 ? arguments[index] : undefined;
    const target = targetOf(state, this);
    const topic = target === undefined ? undefined : (kafkaTopicOfArg(context) ?? fallback);
    const start = topic === undefined ? NOT_TIMED : target!.meters.begin(context);
    let result: unknown;
    try {
      result = !declared
        ? original.apply(this, arguments as unknown as unknown[])
        : index <= 3
          ? callFirst(original, this, index, arguments[0], arguments[1], arguments[2])
          : original.apply(this, Array.prototype.slice.call(arguments, 0, index) as unknown[]);
    } catch (error) {
      if (topic !== undefined) target!.meters.end(topic, start);
      throw error;
    }
    if (topic === undefined) return result;
    return countConsumedOutcome(result, target!.metrics, topic, target!.meters, start);
  };
}
/* eslint-enable prefer-rest-params */

/** Calls `original` with its first `n` (at most three) arguments. */
function callFirst(
  original: Handler,
  self: unknown,
  n: number,
  a0: unknown,
  a1: unknown,
  a2: unknown,
): unknown {
  switch (n) {
    case 0:
      return original.call(self);
    case 1:
      return original.call(self, a0);
    case 2:
      return original.call(self, a0, a1);
    default:
      return original.call(self, a0, a1, a2);
  }
}

function targetOf(state: WrapperState, self: unknown): CountingTarget | undefined {
  if (self === null || typeof self !== 'object') return undefined;
  return state.owners.get(self) ?? resolve(state, self);
}

/**
 * First call on an instance: finds the app it belongs to. A request-scoped controller (a new
 * instance per message) counts for the one app that registered its class; when several did,
 * the instance cannot be told apart and is not counted.
 */
function resolve(state: WrapperState, self: object): CountingTarget | undefined {
  let perRequest: CountingTarget | undefined;
  let candidates = 0;
  for (const target of state.users) {
    if (target.source.instance === self) {
      state.owners.set(self, target);
      return target;
    }
    if (self instanceof target.type && target.source.isDependencyTreeStatic?.() === false) {
      perRequest = target;
      candidates++;
    }
  }
  return candidates === 1 ? perRequest : undefined;
}
