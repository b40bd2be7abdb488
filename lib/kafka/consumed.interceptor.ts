import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import { MetricsManager } from '../manager/metrics.manager';
import { kafkaTopicOf } from './kafka-context';

/**
 * Counts `messages_consumed{topic}` once per message a Kafka handler completes without an
 * exception. A failed attempt is not counted here (the errors filter counts it), so a message
 * the transport redelivers after a failure counts once, when an attempt succeeds.
 * The module binds it to every Kafka handler; `@UseInterceptors(KafkaConsumedInterceptor)`
 * applies it to one handler. Outside the Kafka transport it passes the call through.
 */
@Injectable()
export class KafkaConsumedInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsManager) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const topic = kafkaTopicOf(context);
    if (topic === undefined) return next.handle();
    const metrics = this.metrics;
    const handled = next.handle();
    // A bare Observable instead of `pipe(tap(...))`: the operator costs about twice as much per
    // message, and this runs on every message of every Kafka handler.
    return new Observable((subscriber) =>
      handled.subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          metrics.incMessagesConsumed(topic);
          subscriber.complete();
        },
      }),
    );
  }
}
