import {
  Inject,
  Injectable,
  Logger,
  type NestInterceptor,
  Scope,
  type OnModuleDestroy,
  type Type,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { MetricsManager } from '../manager/metrics.manager';
import { KafkaConsumedInterceptor } from './consumed.interceptor';
import {
  addCountingTarget,
  removeCountingTarget,
  unwrapConsumedHandler,
  wrapConsumedHandler,
  type CountingTarget,
  type HandlerTopic,
} from './consumed-handler.wrapper';
import { CountProducedInterceptor } from './count-produced.interceptor';
import { KAFKA_COUNTING_OPTIONS, type KafkaCountingOptions } from './kafka.constants';
import { boundHandlers } from './kafka.messages';
import { kafkaMetadata } from './kafka-metadata.accessor';

type Handler = (...args: unknown[]) => unknown;

// Interceptors this library bound, wherever they came from: a second app in the same process
// (tests) replaces the first one's instead of stacking on top of them.
const autoBound = new WeakSet<NestInterceptor>();

/**
 * Finds the Kafka handlers and the `@CountProduced` handlers of every controller once. It counts
 * consumed messages by wrapping each Kafka handler method on its class (no interceptor: Nest
 * builds an observable chain per interceptor, the largest cost of a handler call), or, when only
 * the call can tell the topic, by binding {@link KafkaConsumedInterceptor}; it binds the
 * `@CountProduced` interceptor to those methods only. HTTP routes get nothing, so they pay nothing.
 * It runs when the module's providers are created, not at `onModuleInit`: Nest builds the
 * message handlers (`listen()`, `connectMicroservice()`) and the routes (`init()`) before the init
 * hooks run, and reads each method and its interceptors then.
 * Everything is undone when the module is destroyed.
 */
@Injectable()
export class KafkaHandlersExplorer implements OnModuleDestroy {
  private readonly restore: Array<() => void> = [];

  constructor(
    discovery: DiscoveryService,
    scanner: MetadataScanner,
    metrics: MetricsManager,
    @Inject(KAFKA_COUNTING_OPTIONS) options: KafkaCountingOptions,
  ) {
    const consumed = new KafkaConsumedInterceptor(metrics);
    autoBound.add(consumed);
    let consumedCount = 0;
    let producedCount = 0;
    for (const wrapper of discovery.getControllers()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller?.prototype) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      let target: CountingTarget | undefined;
      for (const name of scanner.getAllMethodNames(prototype)) {
        let handler = prototype[name] as Handler;
        const bind: NestInterceptor[] = [];
        if (
          options.countConsumed &&
          kafkaMetadata.isKafkaHandler(handler) &&
          !appliesConsumed(handler, controller)
        ) {
          const topic =
            wrapper.scope === Scope.REQUEST ? undefined : handlerTopic(controller, name, handler);
          if (topic === undefined) bind.push(consumed);
          else {
            if (target === undefined) {
              target = { source: wrapper, type: controller, metrics };
              this.addTarget(target);
            }
            handler = this.wrap(prototype, name, topic, target);
          }
          consumedCount++;
        }
        const producedTopic = kafkaMetadata.countProducedTopic(handler);
        if (producedTopic !== undefined) {
          bind.unshift(
            new CountProducedInterceptor(metrics, producedTopic, `${controller.name}.${name}`),
          );
          producedCount++;
        }
        if (bind.length > 0) this.bind(handler, bind);
      }
    }
    if (consumedCount + producedCount > 0)
      new Logger('NubiumMetrics').log(boundHandlers(consumedCount, producedCount));
  }

  onModuleDestroy(): void {
    // Last done, first undone: a method's interceptors come off its wrapper before the wrapper goes.
    for (const undo of this.restore.splice(0).reverse()) undo();
  }

  private addTarget(target: CountingTarget): void {
    addCountingTarget(target);
    this.restore.push(() => removeCountingTarget(target));
  }

  private wrap(
    prototype: object,
    name: string,
    topic: HandlerTopic,
    target: CountingTarget,
  ): Handler {
    const wrapper = wrapConsumedHandler(prototype, name, topic, target);
    this.restore.push(() => unwrapConsumedHandler(prototype, name, target));
    return wrapper;
  }

  /** Puts the counting interceptors first among the method's own, so they see its outcome last. */
  private bind(handler: Handler, interceptors: NestInterceptor[]): void {
    for (const interceptor of interceptors) autoBound.add(interceptor);
    const original = kafkaMetadata.ownInterceptors(handler);
    const others = (original ?? []).filter((i) => !autoBound.has(i as NestInterceptor));
    kafkaMetadata.setOwnInterceptors(handler, [...interceptors, ...others]);
    this.restore.push(() => {
      const now = kafkaMetadata.ownInterceptors(handler) ?? [];
      const kept = now.filter((i) => !interceptors.includes(i as NestInterceptor));
      kafkaMetadata.setOwnInterceptors(
        handler,
        original === undefined && kept.length === 0 ? undefined : kept,
      );
    });
  }
}

/**
 * Where a wrapper can find the handler's topic: its `@Ctx()` argument, else its one string
 * pattern. `undefined` (the interceptor counts instead) when neither tells it, for explicitly
 * request-scoped controllers (a new instance per message) and for methods that are also HTTP
 * routes (the wrapper cannot tell the transports apart without a context).
 */
function handlerTopic(
  controller: Type<unknown>,
  name: string,
  handler: Handler,
): HandlerTopic | undefined {
  if (kafkaMetadata.isHttpRoute(handler)) return undefined;
  const contextIndex = kafkaMetadata.contextParamIndex(controller, name);
  const topic = kafkaMetadata.singleStringPattern(handler);
  return contextIndex < 0 && topic === undefined ? undefined : { contextIndex, topic };
}

/** The app applies the interceptor itself (`@UseInterceptors`): binding it again would count twice. */
function appliesConsumed(handler: Handler, controller: Type<unknown>): boolean {
  return kafkaMetadata
    .interceptors(handler, controller)
    .some(
      (i) =>
        i === KafkaConsumedInterceptor ||
        (i instanceof KafkaConsumedInterceptor && !autoBound.has(i)),
    );
}
