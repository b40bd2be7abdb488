import { describe, expect, it } from 'vitest';
import { MetricsOptionsError } from '../../../lib/options/metrics-options.error';
import { resolveProcessingTime } from '../../../lib/options/processing-time.option';

describe('resolveProcessingTime', () => {
  it('is off when absent or false, and gives the default buckets for true or {}', () => {
    expect([undefined, null, false].map((v) => resolveProcessingTime(v))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const defaults = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    expect(resolveProcessingTime(true)?.buckets).toEqual(defaults);
    expect(resolveProcessingTime({})?.buckets).toEqual(defaults);
  });

  it('keeps a copy of the buckets given, so a later change to the array changes nothing', () => {
    const given = [0.1, 1];
    const resolved = resolveProcessingTime({ buckets: given });
    given.push(10);
    expect(resolved?.buckets).toEqual([0.1, 1]);
  });

  it('refuses buckets that are not increasing, positive and at most 50, naming the option its caller gives', () => {
    const refused = (value: unknown) => {
      try {
        resolveProcessingTime(value, 'instrumentConsumer processingTime');
      } catch (error) {
        return error instanceof MetricsOptionsError ? error.message : String(error);
      }
      return 'accepted';
    };
    expect(refused({ buckets: [1, 0.5] })).toMatch(
      /option "instrumentConsumer processingTime\.buckets".*increasing/,
    );
    expect(refused({ buckets: [0, 1] })).toMatch(/positive/);
    expect(refused({ buckets: Array.from({ length: 51 }, (_, i) => i + 1) })).toMatch(/1 to 50/);
    expect(refused({ buckets: Array.from({ length: 50 }, (_, i) => i + 1) })).toBe('accepted');
    expect(refused('yes')).toMatch(
      /option "instrumentConsumer processingTime".*true, false or \{ buckets/,
    );
  });
});
