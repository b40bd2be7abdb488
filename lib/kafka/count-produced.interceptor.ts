import {
  Logger,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { tap, type Observable } from 'rxjs';
import { LOGGER_CONTEXT } from '../metrics.constants';
import type { MetricsManager } from '../manager/metrics.manager';
import type { CountedClients } from './counted-clients';
import { uncountableResult } from './kafka.messages';
import { countProducedResult } from './produced-count';

const NOTHING = Symbol('nothing emitted');

/**
 * Counts what one `@CountProduced` handler produced, once its result stream completes without
 * an error (the last emitted value is the handler's result). Bound per handler by the explorer.
 * Counts nothing in an app where the module counts a `ClientKafka` (see {@link CountedClients}).
 */
export class CountProducedInterceptor implements NestInterceptor {
  private warned = false;

  constructor(
    private readonly metrics: MetricsManager,
    /** Topic named in the decorator, or `null`: count what the handler returns. */
    readonly topic: string | null,
    private readonly handlerName: string,
    /** When the module counts the app's `ClientKafka` sends, this interceptor counts nothing. */
    private readonly clients: CountedClients,
  ) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.clients.active) return next.handle();
    let last: unknown = NOTHING;
    return next.handle().pipe(
      tap({
        next: (value) => (last = value),
        complete: () => this.count(last === NOTHING ? undefined : last),
      }),
    );
  }

  private count(result: unknown): void {
    if (countProducedResult(this.metrics, this.topic, result) || this.warned) return;
    this.warned = true;
    new Logger(LOGGER_CONTEXT).warn(uncountableResult(this.handlerName));
  }
}
