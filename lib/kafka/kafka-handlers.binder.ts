import {
  Inject,
  Injectable,
  Logger,
  type NestInterceptor,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { LOGGER_CONTEXT } from '../metrics.constants';
import { INTERCEPTORS_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { MetricsManager } from '../manager/metrics.manager';
import { ConsumedMeters } from './consumed-meters';
import { KafkaConsumedInterceptor } from './consumed.interceptor';
import {
  unwrapConsumedHandler,
  wrapConsumedHandler,
  type CountingTarget,
  type HandlerTopic,
} from './consumed-handler.wrapper';
import { CountProducedInterceptor } from './count-produced.interceptor';
import { CountedClients } from './counted-clients';
import {
  KafkaHandlersExplorer,
  type FoundController,
  type WrapPlan,
} from './kafka-handlers.explorer';
import { KafkaMetadataAccessor, type RouteArgs } from './kafka-metadata.accessor';
import {
  BOUND_BY_MODULE,
  DECLARED_BY_MODULE,
  KAFKA_COUNTING_OPTIONS,
  MS_PARAM_CONTEXT,
  MS_PARAM_PAYLOAD,
} from './kafka.constants';
import type { KafkaCountingOptions } from '../interfaces/kafka-counting-options.interface';
import { boundHandlers } from './kafka.messages';
import { ProcessingTimeHistogram } from './processing-time.histogram';

type Handler = (...args: unknown[]) => unknown;

/**
 * Makes the handlers {@link KafkaHandlersExplorer} found count, and undoes it on shutdown.
 * Consumed messages: each Kafka handler method whose topic the call's `KafkaContext` or its own
 * pattern tells is wrapped on its class (no interceptor: Nest builds an observable chain per
 * interceptor, the largest cost of a handler call); when the app does not take `@Ctx()`, a
 * `KafkaContext` parameter is declared after the method's own, so that Nest hands the wrapper the
 * message's timestamp and consumer (for `seconds_behind` and the lag gauge) while the method
 * keeps its arguments. The other Kafka handlers get {@link KafkaConsumedInterceptor}; the
 * `@CountProduced` ones get their interceptor. HTTP routes get nothing, so they pay nothing.
 */
@Injectable()
export class KafkaHandlersBinder implements OnApplicationShutdown {
  private readonly restore: Array<() => void> = [];
  private readonly meters: ConsumedMeters;

  constructor(
    private readonly metrics: MetricsManager,
    private readonly metadata: KafkaMetadataAccessor,
    @Inject(KAFKA_COUNTING_OPTIONS) private readonly options: KafkaCountingOptions,
    private readonly clients: CountedClients,
    /** Bound where a wrapper cannot count; a provider of the module, so Nest shuts it down. */
    private readonly interceptor: KafkaConsumedInterceptor,
    explorer: KafkaHandlersExplorer,
  ) {
    this.meters = new ConsumedMeters(metrics, { processingTime: options.processingTime });
    // When the providers are created, not at onModuleInit as nestjs/schedule explores: Nest
    // reads each handler method and its interceptors once, when it builds the message handlers
    // (`connectMicroservice()` at once, a microservice's `listen()` / `init()`) and the routes
    // (`app.init()`), and all of that happens before the init hooks run.
    this.bind(explorer.explore());
  }

  /** Counts in the handlers found, once, before Nest reads the methods. */
  private bind(controllers: readonly FoundController[]): void {
    let consumed = 0;
    let produced = 0;
    for (const controller of controllers) {
      const prototype = controller.type.prototype as object;
      let target: CountingTarget | undefined;
      for (const handler of controller.handlers) {
        let method = handler.method;
        const bind: NestInterceptor[] = [];
        if (this.options.countConsumed && handler.consumed) {
          if (handler.wrap === undefined) {
            bind.push(this.interceptor);
          } else {
            target ??= {
              source: controller.source,
              type: controller.type,
              metrics: this.metrics,
              meters: this.meters,
            };
            method = this.wrap(prototype, handler.name, handler.wrap, target);
          }
          consumed++;
        }
        if (handler.produced !== undefined) {
          const name = `${controller.type.name}.${handler.name}`;
          bind.unshift(
            new CountProducedInterceptor(this.metrics, handler.produced, name, this.clients),
          );
          this.clients.decorated.push(name);
          produced++;
        }
        if (bind.length > 0) this.bindInterceptors(method, bind);
      }
    }
    // The metrics exist from start-up (a name clash is logged now, not on the first message);
    // the histogram also serves instrumentConsumer in an app without Nest Kafka handlers.
    if (consumed > 0) this.meters.resolve();
    else if (this.options.processingTime)
      ProcessingTimeHistogram.of(this.metrics, this.options.processingTime);
    if (consumed + produced > 0) new Logger(LOGGER_CONTEXT).log(boundHandlers(consumed, produced));
  }

  onApplicationShutdown(): void {
    // Last done, first undone: a method's interceptors come off its wrapper before the wrapper goes.
    for (const undo of this.restore.splice(0).reverse()) undo();
    this.meters.close();
  }

  private wrap(prototype: object, name: string, plan: WrapPlan, target: CountingTarget): Handler {
    const declare = plan.contextIndex < 0;
    const topic: HandlerTopic = declare
      ? { contextIndex: plan.freeIndex, topic: plan.pattern, contextDeclared: true }
      : { contextIndex: plan.contextIndex, topic: undefined };
    const wrapper = wrapConsumedHandler(
      prototype,
      name,
      topic,
      target,
      declare ? () => this.declareContext(plan.paramsHost, name, plan.freeIndex) : undefined,
    );
    this.restore.push(() => unwrapConsumedHandler(prototype, name, target, wrapper));
    return wrapper;
  }

  /**
   * Adds a `KafkaContext` parameter at `index` to the method's parameter decorators, as a
   * trailing `@Ctx()` would (the app's own are copied, not changed); returns the undo.
   */
  private declareContext(host: object, name: string, index: number): () => void {
    const own = this.metadata.ownRouteArgs(host, name);
    // Without parameter decorators Nest passes the payload alone; declared ones replace that.
    const args: RouteArgs = this.metadata.routeArgs(host, name) ?? {
      [`${MS_PARAM_PAYLOAD}:0`]: { index: 0, data: undefined, pipes: [] } as RouteArgs[string],
    };
    const context = { index, data: undefined, pipes: [], [DECLARED_BY_MODULE]: true };
    Reflect.defineMetadata(
      ROUTE_ARGS_METADATA,
      { ...args, [`${MS_PARAM_CONTEXT}:${index}`]: context },
      host,
      name,
    );
    return () => {
      if (own === undefined) Reflect.deleteMetadata(ROUTE_ARGS_METADATA, host, name);
      else Reflect.defineMetadata(ROUTE_ARGS_METADATA, own, host, name);
    };
  }

  /** Puts the counting interceptors first among the method's own, so they see its outcome last. */
  private bindInterceptors(method: Handler, interceptors: NestInterceptor[]): void {
    for (const interceptor of interceptors)
      Object.defineProperty(interceptor, BOUND_BY_MODULE, { value: true, configurable: true });
    const original = this.metadata.ownInterceptors(method);
    // A second app in the process replaces the first one's instead of stacking on top of them.
    const others = (original ?? []).filter((i) => !this.metadata.isBoundByModule(i));
    setOwnInterceptors(method, [...interceptors, ...others]);
    this.restore.push(() => {
      const now = this.metadata.ownInterceptors(method) ?? [];
      const kept = now.filter((i) => !interceptors.includes(i as NestInterceptor));
      setOwnInterceptors(method, original === undefined && kept.length === 0 ? undefined : kept);
    });
  }
}

/** Replaces the method's own interceptors (`undefined` removes the metadata). */
function setOwnInterceptors(method: Handler, interceptors: unknown[] | undefined): void {
  if (interceptors === undefined) Reflect.deleteMetadata(INTERCEPTORS_METADATA, method);
  else Reflect.defineMetadata(INTERCEPTORS_METADATA, interceptors, method);
}
