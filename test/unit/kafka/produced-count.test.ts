import { lastValueFrom, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CountProducedInterceptor } from '../../../lib/kafka/count-produced.interceptor';
import { CountedClients } from '../../../lib/kafka/counted-clients';
import { countProducedResult } from '../../../lib/kafka/produced-count';
import { httpExecutionContext, testManager } from '../../support/fake-kafka';

describe('@CountProduced counting rule', () => {
  it('counts one message to the decorator topic per completion, or the length of a returned array', () => {
    const m = testManager();
    expect(countProducedResult(m, 'invoices', { ok: true })).toBe(true);
    expect(countProducedResult(m, 'invoices', undefined)).toBe(true);
    expect(countProducedResult(m, 'invoices', [1, 2, 3])).toBe(true);
    expect(m.messagesProduced('invoices')).toBe(5);
  });

  it('without a topic counts the messages of the returned record, records or batch per topic', () => {
    const m = testManager();
    expect(countProducedResult(m, null, { topic: 'a', messages: [{}, {}] })).toBe(true);
    expect(
      countProducedResult(m, null, [
        { topic: 'a', messages: [{}] },
        { topic: 'b', messages: [{}] },
      ]),
    ).toBe(true);
    expect(
      countProducedResult(m, null, { topicMessages: [{ topic: 'b', messages: [{}, {}, {}] }] }),
    ).toBe(true);
    expect([m.messagesProduced('a'), m.messagesProduced('b')]).toEqual([3, 4]);
  });

  it('without a topic counts nothing for a result that does not say what was sent', () => {
    const m = testManager();
    expect(countProducedResult(m, null, { ok: true })).toBe(false);
    expect(countProducedResult(m, null, [{ topic: 'a' }])).toBe(false);
    expect(countProducedResult(m, null, undefined)).toBe(false);
    expect(m.messagesProduced('a')).toBe(0);
  });

  it('counts the last value of a completed handler stream and nothing for a failed one', async () => {
    const m = testManager();
    const interceptor = new CountProducedInterceptor(
      m,
      null,
      'Orders.handle',
      new CountedClients(),
    );
    await lastValueFrom(
      interceptor.intercept(httpExecutionContext(), {
        handle: () => of({ topic: 'a', messages: [{}, {}] }),
      }),
    );
    const failed = lastValueFrom(
      interceptor.intercept(httpExecutionContext(), {
        handle: () => throwError(() => new Error('send failed')),
      }),
    );
    await expect(failed).rejects.toThrow('send failed');
    expect(m.messagesProduced('a')).toBe(2);
  });
});
