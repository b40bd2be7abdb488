import { isObservable, Observable } from 'rxjs';
import type { MetricsManager } from '../manager/metrics.manager';

/**
 * `source`, counting one consumed message on `topic` when it completes (not when it errors).
 * A bare Observable instead of `pipe(tap(...))`: the operator costs about twice as much per
 * message, and this runs on every message of every Kafka handler.
 */
export function countOnComplete<T>(
  source: Observable<T>,
  metrics: MetricsManager,
  topic: string,
): Observable<T> {
  return new Observable<T>((subscriber) =>
    source.subscribe({
      next: (value) => subscriber.next(value),
      error: (error: unknown) => subscriber.error(error),
      complete: () => {
        metrics.incMessagesConsumed(topic);
        subscriber.complete();
      },
    }),
  );
}

/**
 * What a Kafka handler method returned, counting one consumed message on `topic` once it
 * completes without an exception: a plain value at once, a promise when it fulfils (a rejection
 * passes through uncounted), an observable when it completes. Nest treats a promise of an
 * observable as the observable, so that one counts when the observable completes.
 */
export function countConsumedOutcome(
  result: unknown,
  metrics: MetricsManager,
  topic: string,
): unknown {
  if (result === null || typeof result !== 'object') {
    metrics.incMessagesConsumed(topic);
    return result;
  }
  if (isObservable(result)) return countOnComplete(result, metrics, topic);
  const then = (result as Partial<PromiseLike<unknown>>).then;
  if (typeof then === 'function') {
    return then.call(result, (value: unknown) => countConsumedOutcome(value, metrics, topic));
  }
  metrics.incMessagesConsumed(topic);
  return result;
}
