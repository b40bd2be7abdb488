import { lastValueFrom, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { KafkaContext } from '@nestjs/microservices';
import { KafkaConsumedInterceptor } from '../../../lib/kafka/consumed.interceptor';
import { ProcessingTimeHistogram } from '../../../lib/kafka/processing-time.histogram';
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
