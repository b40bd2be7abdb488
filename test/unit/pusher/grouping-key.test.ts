import { describe, expect, it } from 'vitest';
import { groupingPath } from '../../../lib/pusher/grouping-key';

describe('groupingPath', () => {
  it('keeps a plain pod name as it is', () => {
    expect(groupingPath('orders-7d9f-abcde')).toBe('/metrics/job/orders-7d9f-abcde');
  });

  it('percent-encodes spaces and unicode', () => {
    expect(groupingPath('my pod é')).toBe('/metrics/job/my%20pod%20%C3%A9');
  });

  it('sends a job with "/" base64url-encoded, as the Pushgateway specifies', () => {
    expect(groupingPath('team/orders')).toBe(
      `/metrics/job@base64/${Buffer.from('team/orders').toString('base64url')}`,
    );
    expect(Buffer.from(groupingPath('a/b?c').split('/').pop()!, 'base64url').toString()).toBe(
      'a/b?c',
    );
  });
});
