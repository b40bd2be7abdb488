import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { MetricsManager } from '../manager/metrics.manager';
import { ConsumedMeters } from './consumed-meters';
import { countOnComplete } from './consumed-outcome';
import { kafkaTopicOfArg } from './kafka-context';

/**
 * Counts `messages_consumed{topic}` once per message a Kafka handler completes without an
 * exception. A failed attempt is not counted here (the errors filter counts it), so a message
 * the transport redelivers after a failure counts once, when an attempt succeeds. Like the
 * module's wrapper, it also keeps `seconds_behind` and the consumer's lag gauge from the message's
 * `KafkaContext`, and times the handler when processing time is on.
 * The module counts without it where it can (see `KafkaHandlersBinder`) and binds it to the
 * Kafka handlers whose topic only the call tells (an object or array pattern and no `@Ctx()`);
 * `@UseInterceptors(KafkaConsumedInterceptor)` applies it to one handler. Outside the Kafka transport it passes the call through.
 */
@Injectable()
export class KafkaConsumedInterceptor implements NestInterceptor, OnApplicationShutdown {
  private readonly meters: ConsumedMeters;

  constructor(private readonly metrics: MetricsManager) {
    this.meters = new ConsumedMeters(metrics);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const kafkaContext: unknown = context.getArgByIndex(1);
    const topic = kafkaTopicOfArg(kafkaContext);
    if (topic === undefined) return next.handle();
    const start = this.meters.begin(kafkaContext);
    return countOnComplete(next.handle(), this.metrics, topic, this.meters, start);
  }

  /** Stops listening to the consumers whose lag this interceptor reported. */
  onApplicationShutdown(): void {
    this.meters.close();
  }
}
