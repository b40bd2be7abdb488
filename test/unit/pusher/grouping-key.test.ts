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
    expect(groupingPath('team/orders')).toBe('/metrics/job@base64/dGVhbS9vcmRlcnM');
    // base64url without padding: in plain base64 'a/b?c' is 'YS9iP2M=' and 'a/b>>?' is
    // 'YS9iPj4/', a '/' no path segment can carry.
    expect(groupingPath('a/b?c')).toBe('/metrics/job@base64/YS9iP2M');
    expect(groupingPath('a/b>>?')).toBe('/metrics/job@base64/YS9iPj4_');
  });

  it('appends further grouping labels in the order given, each encoded on its own', () => {
    expect(groupingPath('pod-1', { worker: '2', process: 'a/b' })).toBe(
      '/metrics/job/pod-1/worker/2/process@base64/YS9i',
    );
  });
});
