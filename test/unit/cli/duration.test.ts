import { describe, expect, it } from 'vitest';
import { parseDurationSeconds } from '../../../lib/cli/duration';

describe('parseDurationSeconds', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['1.5m', 90],
    ['45', 45],
    [' 2m ', 120],
  ])('reads %s as %d seconds', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each(['', 'm', '15 m', '-5s', '1d', '15min', 'abc', '1e3s'])('refuses %j', (text) => {
    expect(parseDurationSeconds(text)).toBeUndefined();
  });
});
