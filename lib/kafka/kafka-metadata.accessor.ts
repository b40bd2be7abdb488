import { Injectable, type NestInterceptor, type Type } from '@nestjs/common';
import {
  INTERCEPTORS_METADATA,
  PARAMTYPES_METADATA,
  PATH_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import {
  BOUND_BY_MODULE,
  COUNT_PRODUCED_METADATA,
  DECLARED_BY_MODULE,
  MS_PARAM_CONTEXT,
  MS_PATTERN_METADATA,
  MS_TRANSPORT_KAFKA,
  MS_TRANSPORT_METADATA,
} from './kafka.constants';

type Handler = (...args: unknown[]) => unknown;
/** An interceptor as `@UseInterceptors` stores it: a class or an instance. */
export type InterceptorRef = Type<NestInterceptor> | NestInterceptor;
/** One parameter of a handler as Nest's parameter decorators store it, keyed `<type>:<index>`. */
export type RouteArgs = Readonly<Record<string, { readonly index?: unknown }>>;

/**
 * Every read of handler metadata the Kafka counting does, in one place: Nest's (patterns,
 * transports, routes, parameters, interceptors) and the module's own (`@CountProduced`, the marks
 * the binder leaves). Reads only; the binder writes.
 */
@Injectable()
export class KafkaMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  /** A message handler (`@EventPattern` / `@MessagePattern`) the Kafka transport may call. */
  isKafkaHandler(handler: Handler): boolean {
    if (this.reflector.get<unknown>(MS_PATTERN_METADATA, handler) === undefined) return false;
    const transport = this.reflector.get<unknown>(MS_TRANSPORT_METADATA, handler);
    return transport === undefined || transport === MS_TRANSPORT_KAFKA;
  }

  /** Also an HTTP route (`@Get`, `@Post`, ...). */
  isHttpRoute(handler: Handler): boolean {
    return this.reflector.get<unknown>(PATH_METADATA, handler) !== undefined;
  }

  /** The handler's pattern when it is one string: in Nest's Kafka transport, the topic. */
  singleStringPattern(handler: Handler): string | undefined {
    const patterns = this.reflector.get<unknown>(MS_PATTERN_METADATA, handler);
    const only: unknown = Array.isArray(patterns) && patterns.length === 1 ? patterns[0] : patterns;
    return typeof only === 'string' ? only : undefined;
  }

  /** The `@CountProduced` argument: a topic, `null` (count the result), or `undefined` (not decorated). */
  countProducedTopic(handler: Handler): string | null | undefined {
    return this.reflector.get<string | null | undefined>(COUNT_PRODUCED_METADATA, handler);
  }

  /** Interceptors bound to the method and to its class by `@UseInterceptors`. */
  interceptors(handler: Handler, controller: Type<unknown>): InterceptorRef[] {
    const own = this.reflector.get<InterceptorRef[] | undefined>(INTERCEPTORS_METADATA, handler);
    const ofClass = this.reflector.get<InterceptorRef[] | undefined>(
      INTERCEPTORS_METADATA,
      controller,
    );
    return [...(ofClass ?? []), ...(own ?? [])];
  }

  /** The method's own interceptors, as `@UseInterceptors` (and the binder) left them. */
  ownInterceptors(handler: Handler): InterceptorRef[] | undefined {
    return this.reflector.get<InterceptorRef[] | undefined>(INTERCEPTORS_METADATA, handler);
  }

  /** An interceptor the binder of this or another app bound, not one the app applied. */
  isBoundByModule(interceptor: InterceptorRef): boolean {
    return typeof interceptor === 'object' && BOUND_BY_MODULE in interceptor;
  }

  /**
   * The class Nest reads a method's parameters from: the constructor its prototype names, as
   * long as that class has the same method (so, a class wrapped in a `Proxy` by a decorator gives
   * the class inside), else the controller class itself.
   */
  paramsHost(controller: Type<unknown>, name: string): object {
    const prototype = controller.prototype as Record<string, unknown>;
    const ctor: unknown = prototype.constructor;
    return typeof ctor === 'function' &&
      (ctor.prototype as Record<string, unknown> | undefined)?.[name] === prototype[name]
      ? ctor
      : controller;
  }

  /** The method's parameter decorators, its class's ancestors' included, as Nest reads them. */
  routeArgs(host: object, name: string): RouteArgs | undefined {
    return Reflect.getMetadata(ROUTE_ARGS_METADATA, host, name) as RouteArgs | undefined;
  }

  /** The same, set on `host` itself (not inherited): what the binder puts back. */
  ownRouteArgs(host: object, name: string): RouteArgs | undefined {
    return Reflect.getOwnMetadata(ROUTE_ARGS_METADATA, host, name) as RouteArgs | undefined;
  }

  /** Index of the `@Ctx()` parameter the app declared, or -1 (a context the binder declared does not count). */
  contextParamIndex(host: object, name: string): number {
    for (const [key, param] of Object.entries(this.routeArgs(host, name) ?? {})) {
      if (
        key.startsWith(`${MS_PARAM_CONTEXT}:`) &&
        typeof param.index === 'number' &&
        !(DECLARED_BY_MODULE in param)
      )
        return param.index;
    }
    return -1;
  }

  /**
   * The first parameter index Nest fills with nothing: past every decorated parameter, and past
   * the method's declared parameters (so that a pipe never sees the type of an undecorated one).
   */
  freeParamIndex(controller: Type<unknown>, host: object, name: string, handler: Handler): number {
    const args = this.routeArgs(host, name);
    // Without parameter decorators, Nest passes the payload as the first argument.
    let next = args === undefined ? 1 : 0;
    for (const param of Object.values(args ?? {})) {
      if (typeof param.index === 'number') next = Math.max(next, param.index + 1);
    }
    const types = Reflect.getMetadata(PARAMTYPES_METADATA, controller.prototype as object, name) as
      unknown[] | undefined;
    return Math.max(next, types?.length ?? 0, handler.length);
  }
}
