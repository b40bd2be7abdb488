import { Injectable, Scope, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { KafkaConsumedInterceptor } from './consumed.interceptor';
import { KafkaMetadataAccessor } from './kafka-metadata.accessor';

type Handler = (...args: unknown[]) => unknown;

/** How a method wrapper can find a handler's `KafkaContext` and topic. */
export interface WrapPlan {
  /** The class Nest reads the method's parameters from. */
  readonly paramsHost: object;
  /** Index of the app's own `@Ctx()` parameter, or -1 (the binder declares one at {@link freeIndex}). */
  readonly contextIndex: number;
  /** The handler's single string pattern, when it has one. */
  readonly pattern: string | undefined;
  /** First parameter index Nest fills with nothing. */
  readonly freeIndex: number;
}

/** A controller method the Kafka counting concerns. */
export interface FoundHandler {
  readonly name: string;
  /** The method as found: what Nest reads unless the binder wraps it. */
  readonly method: Handler;
  /**
   * A Kafka message handler (`@EventPattern` / `@MessagePattern` without a transport or with
   * `Transport.KAFKA`) the module may count in: not when the app applies
   * {@link KafkaConsumedInterceptor} to it or to its class itself.
   */
  readonly consumed: boolean;
  /**
   * How a wrapper would count it; `undefined` when only the call tells the topic (an object or
   * array pattern without `@Ctx()`), for a `Scope.REQUEST` controller (a new instance per
   * message) and for a method that is also an HTTP route (the wrapper cannot tell the transports
   * apart): those need the interceptor.
   */
  readonly wrap: WrapPlan | undefined;
  /** The `@CountProduced` topic, `null` (count the result), or `undefined` (not decorated). */
  readonly produced: string | null | undefined;
}

/** A controller with the handlers the Kafka counting concerns. */
export interface FoundController {
  readonly type: Type<unknown>;
  /** Nest's wrapper of the controller: its `instance` is read when a message comes. */
  readonly source: InstanceWrapper;
  readonly handlers: readonly FoundHandler[];
}

/**
 * Finds, once, the Kafka message handlers and the `@CountProduced` handlers of every controller,
 * with DiscoveryService and MetadataScanner (as nestjs/schedule's explorer finds its jobs), and
 * says how each can be counted. It only reads: {@link KafkaHandlersBinder} acts on what it finds.
 */
@Injectable()
export class KafkaHandlersExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly metadata: KafkaMetadataAccessor,
  ) {}

  /** The controllers with at least one Kafka or `@CountProduced` handler. */
  explore(): FoundController[] {
    const found: FoundController[] = [];
    for (const source of this.discovery.getControllers()) {
      const type = source.metatype as Type<unknown> | null;
      if (!type?.prototype) continue;
      const prototype = type.prototype as Record<string, unknown>;
      const handlers: FoundHandler[] = [];
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[name] as Handler;
        const kafka = this.metadata.isKafkaHandler(method);
        const produced = this.metadata.countProducedTopic(method);
        if (!kafka && produced === undefined) continue;
        const consumed = kafka && !this.appliesConsumed(method, type);
        const wrap =
          consumed && source.scope !== Scope.REQUEST
            ? this.wrapPlan(type, name, method)
            : undefined;
        handlers.push({ name, method, consumed, wrap, produced });
      }
      if (handlers.length > 0) found.push({ type, source, handlers });
    }
    return found;
  }

  private wrapPlan(type: Type<unknown>, name: string, method: Handler): WrapPlan | undefined {
    if (this.metadata.isHttpRoute(method)) return undefined;
    const paramsHost = this.metadata.paramsHost(type, name);
    const contextIndex = this.metadata.contextParamIndex(paramsHost, name);
    const pattern = this.metadata.singleStringPattern(method);
    if (contextIndex < 0 && pattern === undefined) return undefined;
    const freeIndex = this.metadata.freeParamIndex(type, paramsHost, name, method);
    return { paramsHost, contextIndex, pattern, freeIndex };
  }

  /** The app applies the interceptor itself (`@UseInterceptors`): counting again would count twice. */
  private appliesConsumed(method: Handler, type: Type<unknown>): boolean {
    return this.metadata
      .interceptors(method, type)
      .some(
        (i) =>
          i === KafkaConsumedInterceptor ||
          (i instanceof KafkaConsumedInterceptor && !this.metadata.isBoundByModule(i)),
      );
  }
}
