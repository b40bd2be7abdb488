import {
  INTERCEPTORS_METADATA,
  PATH_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants';
import type { NestInterceptor, Type } from '@nestjs/common';
import {
  COUNT_PRODUCED_METADATA,
  MS_PARAM_CONTEXT,
  MS_PATTERN_METADATA,
  MS_TRANSPORT_KAFKA,
  MS_TRANSPORT_METADATA,
} from './kafka.constants';

type Handler = (...args: unknown[]) => unknown;
type InterceptorRef = Type<NestInterceptor> | NestInterceptor;

/** Every read and write of handler metadata the Kafka counting does, in one place. */
export const kafkaMetadata = {
  /** A message handler (`@EventPattern` / `@MessagePattern`) the Kafka transport may call. */
  isKafkaHandler(handler: Handler): boolean {
    if (Reflect.getMetadata(MS_PATTERN_METADATA, handler) === undefined) return false;
    const transport: unknown = Reflect.getMetadata(MS_TRANSPORT_METADATA, handler);
    return transport === undefined || transport === MS_TRANSPORT_KAFKA;
  },

  /** Also an HTTP route (`@Get`, `@Post`, ...). */
  isHttpRoute(handler: Handler): boolean {
    return Reflect.getMetadata(PATH_METADATA, handler) !== undefined;
  },

  /** The handler's pattern when it is one string: in Nest's Kafka transport, the topic. */
  singleStringPattern(handler: Handler): string | undefined {
    const patterns: unknown = Reflect.getMetadata(MS_PATTERN_METADATA, handler);
    const only: unknown = Array.isArray(patterns) && patterns.length === 1 ? patterns[0] : patterns;
    return typeof only === 'string' ? only : undefined;
  },

  /** Index of the method's `@Ctx()` parameter, or -1 when it takes none. */
  contextParamIndex(controller: Type<unknown>, method: string): number {
    const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) as
      Record<string, { index?: unknown }> | undefined;
    for (const [key, param] of Object.entries(args ?? {})) {
      if (key.startsWith(`${MS_PARAM_CONTEXT}:`) && typeof param.index === 'number')
        return param.index;
    }
    return -1;
  },

  /** The `@CountProduced` argument: a topic, `null` (count the result), or `undefined` (not decorated). */
  countProducedTopic(handler: Handler): string | null | undefined {
    return Reflect.getMetadata(COUNT_PRODUCED_METADATA, handler) as string | null | undefined;
  },

  /** Interceptors bound to the method and to its class by `@UseInterceptors`. */
  interceptors(handler: Handler, controller: Type<unknown>): InterceptorRef[] {
    const own = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? []) as InterceptorRef[];
    const ofClass = (Reflect.getMetadata(INTERCEPTORS_METADATA, controller) ??
      []) as InterceptorRef[];
    return [...ofClass, ...own];
  },

  /** The method's own interceptors, as `@UseInterceptors` left them. */
  ownInterceptors(handler: Handler): InterceptorRef[] | undefined {
    return Reflect.getMetadata(INTERCEPTORS_METADATA, handler) as InterceptorRef[] | undefined;
  },

  /** Replaces the method's own interceptors (`undefined` removes the metadata). */
  setOwnInterceptors(handler: Handler, interceptors: InterceptorRef[] | undefined): void {
    if (interceptors === undefined) Reflect.deleteMetadata(INTERCEPTORS_METADATA, handler);
    else Reflect.defineMetadata(INTERCEPTORS_METADATA, interceptors, handler);
  },
};
