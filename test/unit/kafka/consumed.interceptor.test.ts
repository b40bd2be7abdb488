import { lastValueFrom, NEVER, Observable, of, throwError, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { KafkaContext } from '@nestjs/microservices';
import { KafkaConsumedInterceptor } from '../../../lib/kafka/consumed.interceptor';
import { ProcessingTimeHistogram } from '../../../lib/kafka/processing-time.histogram';
import {
  fakeConsumer,
  httpExecutionContext,
  kafkaExecutionContext,
  testManager,
} from '../../support/fake-kafka';

class Rejected extends Error {}

describe('KafkaConsumedInterceptor', () => {
  it('counts one consumed message on the context topic when the handler completes', async () => {
    const metrics = testManager();
    const interceptor = new KafkaConsumedInterceptor(metrics);
    await lastValueFrom(
      interceptor.intercept(kafkaExecutionContext('orders'), { handle: () => of('done') }),
    );
    await lastValueFrom(
      interceptor.intercept(kafkaExecutionContext('orders'), { handle: () => of(undefined) }),
    );
    expect(metrics.messagesConsumed('orders')).toBe(2);
  });

  it('does not count a message whose handler fails, and lets the error through unchanged', async () => {
    const metrics = testManager();
    const error = new Rejected('no');
    const result = lastValueFrom(
      new KafkaConsumedInterceptor(metrics).intercept(kafkaExecutionContext('orders'), {
        handle: () => throwError(() => error),
      }),
    );
    await expect(result).rejects.toBe(error);
    expect(metrics.messagesConsumed('orders')).toBe(0);
  });

  it('hands every value on in order and counts the message once, when the handler completes', async () => {
    const metrics = testManager();
    const counted = new KafkaConsumedInterceptor(metrics).intercept(
      kafkaExecutionContext('orders'),
      { handle: () => of(1, 2, 3) },
    );
    const seen: number[] = [];
    const values = lastValueFrom(
      new Observable<unknown>((subscriber) =>
        counted.subscribe({
          next: (value) => {
            seen.push(value as number);
            expect(metrics.messagesConsumed('orders')).toBe(0); // not before it completes
            subscriber.next(value);
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        }),
      ).pipe(toArray()),
    );
    await expect(values).resolves.toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 2, 3]);
    expect(metrics.messagesConsumed('orders')).toBe(1);
  });

  it('counts once a source that completes twice, and nothing for one that throws when subscribed', async () => {
    const metrics = testManager();
    const interceptor = new KafkaConsumedInterceptor(metrics);
    const twice = new Observable<string>((subscriber) => {
      subscriber.next('a');
      subscriber.complete();
      subscriber.complete();
    });
    await lastValueFrom(
      interceptor.intercept(kafkaExecutionContext('orders'), { handle: () => twice }),
    );
    expect(metrics.messagesConsumed('orders')).toBe(1);
    const error = new Rejected('at subscription');
    const throwing = new Observable<string>(() => {
      throw error;
    });
    await expect(
      lastValueFrom(
        interceptor.intercept(kafkaExecutionContext('orders'), { handle: () => throwing }),
      ),
    ).rejects.toBe(error);
    expect(metrics.messagesConsumed('orders')).toBe(1);
  });

  it('tears the handler down and counts nothing when the caller unsubscribes before it completes', () => {
    const metrics = testManager();
    let tornDown = false;
    const pending = new Observable<string>(() => () => {
      tornDown = true;
    });
    const subscription = new KafkaConsumedInterceptor(metrics)
      .intercept(kafkaExecutionContext('orders'), { handle: () => pending })
      .subscribe();
    expect(tornDown).toBe(false);
    subscription.unsubscribe();
    expect(tornDown).toBe(true);
    expect(metrics.messagesConsumed('orders')).toBe(0);
    // Through an operator, as Nest's own chain hands it the handler's observable.
    const never = new KafkaConsumedInterceptor(metrics)
      .intercept(kafkaExecutionContext('orders'), { handle: () => NEVER.pipe(toArray()) })
      .subscribe();
    never.unsubscribe();
    expect(never.closed).toBe(true);
    expect(metrics.messagesConsumed('orders')).toBe(0);
  });

  it('reports the lag of the consumers it sees until the app shuts down', async () => {
    const metrics = testManager();
    const consumer = fakeConsumer();
    const interceptor = new KafkaConsumedInterceptor(metrics);
    await lastValueFrom(
      interceptor.intercept(kafkaExecutionContext('orders', consumer), {
        handle: () => of('done'),
      }),
    );
    expect(consumer.listening('consumer.end_batch_process')).toBe(1);
    interceptor.onApplicationShutdown();
    expect(consumer.listening('consumer.end_batch_process')).toBe(0);
  });

  it('passes HTTP calls through untouched, counting nothing', async () => {
    const metrics = testManager();
    const source = of('body');
    const result = new KafkaConsumedInterceptor(metrics).intercept(httpExecutionContext(), {
      handle: () => source,
    });
    expect(result).toBe(source);
  });

  it('keeps seconds_behind from the message and times the handler to its outcome when processing time is on', async () => {
    const metrics = testManager();
    ProcessingTimeHistogram.of(metrics, { buckets: [10] });
    const interceptor = new KafkaConsumedInterceptor(metrics);
    const context = kafkaExecutionContext('orders');
    context.getArgByIndex<KafkaContext>(1).getMessage().timestamp = String(Date.now() - 9_000);
    await lastValueFrom(interceptor.intercept(context, { handle: () => of('done') }));
    await expect(
      lastValueFrom(
        interceptor.intercept(kafkaExecutionContext('orders'), {
          handle: () => throwError(() => new Rejected('no')),
        }),
      ),
    ).rejects.toThrow('no');
    const behind = (await metrics.registry.getSingleMetric('seconds_behind')!.get()).values;
    expect(behind[0].value).toBeGreaterThanOrEqual(9);
    const text = await metrics.registry.getSingleMetricAsString('message_processing_seconds');
    expect(text).toContain(
      'message_processing_seconds_count{app="orders",job="pod-1",topic="orders"} 2',
    );
    expect(metrics.messagesConsumed('orders')).toBe(1);
  });
});
