import { lastValueFrom, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { KafkaConsumedInterceptor } from '../../../lib/kafka/consumed.interceptor';
import { httpExecutionContext, kafkaExecutionContext, testManager } from './support';

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

  it('passes HTTP calls through untouched, counting nothing', async () => {
    const metrics = testManager();
    const source = of('body');
    const result = new KafkaConsumedInterceptor(metrics).intercept(httpExecutionContext(), {
      handle: () => source,
    });
    expect(result).toBe(source);
  });
});
