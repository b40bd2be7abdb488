import { isObservable, Observable } from 'rxjs';
import type { MetricsManager } from '../manager/metrics.manager';
import { NOT_TIMED, type ConsumedMeters } from './consumed-meters';

/**
 * `source`, counting one consumed message on `topic` when it completes (not when it errors), and
 * ending the message's processing time (started at `start`, see {@link ConsumedMeters.begin})
 * when it completes or errors. A bare Observable instead of `pipe(tap(...))`: the operator costs
 * about twice as much per message, and this runs on every message of every Kafka handler.
 */
export function countOnComplete<T>(
  source: Observable<T>,
  metrics: MetricsManager,
  topic: string,
  meters?: ConsumedMeters,
  start = NOT_TIMED,
): Observable<T> {
  return new Observable<T>((subscriber) =>
    source.subscribe({
      next: (value) => subscriber.next(value),
      error: (error: unknown) => {
        meters?.end(topic, start);
        subscriber.error(error);
      },
      complete: () => {
        metrics.incMessagesConsumed(topic);
        meters?.end(topic, start);
        subscriber.complete();
      },
    }),
  );
}

/**
 * What a Kafka handler method returned, counting one consumed message on `topic` once it
 * completes without an exception: a plain value at once, a promise when it fulfils (a rejection
 * passes through uncounted), an observable when it completes. Nest treats a promise of an
 * observable as the observable, so that one counts when the observable completes. The processing
 * time started at `start` ends with the outcome, whichever it is.
 */
export function countConsumedOutcome(
  result: unknown,
  metrics: MetricsManager,
  topic: string,
  meters?: ConsumedMeters,
  start = NOT_TIMED,
): unknown {
  if (result === null || typeof result !== 'object') {
    metrics.incMessagesConsumed(topic);
    meters?.end(topic, start);
    return result;
  }
  if (isObservable(result)) return countOnComplete(result, metrics, topic, meters, start);
  const then = (result as Partial<PromiseLike<unknown>>).then;
  if (typeof then === 'function') {
    if (start === NOT_TIMED)
      return then.call(result, (value: unknown) => countConsumedOutcome(value, metrics, topic));
    return then.call(
      result,
      (value: unknown) => countConsumedOutcome(value, metrics, topic, meters, start),
      (error: unknown) => {
        meters!.end(topic, start);
        throw error;
      },
    );
  }
  metrics.incMessagesConsumed(topic);
  meters?.end(topic, start);
  return result;
}
