import { describe, expect, it } from 'vitest';
import { FailureLog } from '../../../lib/pusher/failure-log';

/** A FailureLog on a clock the test moves: `at(ms)` sets the time of the next record. */
function logOnClock(reminderMs = 60_000) {
  let now = 1_000_000;
  const log = new FailureLog(reminderMs, () => now);
  return { log, at: (ms: number) => (now = 1_000_000 + ms) };
}

describe('FailureLog', () => {
  it('notes a failure when it starts, and says nothing of the cycles that fail within the minute after', () => {
    const { log, at } = logOnClock();
    expect(log.record('pod-a', false)).toEqual({ kind: 'started' });
    for (const ms of [10_000, 20_000, 59_999]) {
      at(ms);
      expect(log.record('pod-a', false)).toBeUndefined();
    }
  });

  it('reminds once a minute while the failure lasts, counting the cycles failed since the last note', () => {
    const { log, at } = logOnClock();
    log.record('pod-a', false);
    at(30_000);
    log.record('pod-a', false);
    at(60_000);
    expect(log.record('pod-a', false)).toEqual({
      kind: 'lasting',
      cycles: 2,
      since: new Date(1_000_000),
    });
    at(90_000);
    expect(log.record('pod-a', false)).toBeUndefined();
    at(119_999);
    expect(log.record('pod-a', false)).toBeUndefined();
    at(120_000);
    expect(log.record('pod-a', false)).toEqual({
      kind: 'lasting',
      cycles: 3,
      since: new Date(1_000_000),
    });
  });

  it('notes the end of a failure with the cycles it lasted, then starts afresh', () => {
    const { log, at } = logOnClock();
    for (const ms of [0, 10_000, 20_000, 70_000]) {
      at(ms);
      log.record('pod-a', false);
    }
    expect(log.record('pod-a', true)).toEqual({ kind: 'ended', cycles: 4 });
    expect(log.record('pod-a', true)).toBeUndefined();
    at(80_000);
    expect(log.record('pod-a', false)).toEqual({ kind: 'started' });
  });

  it('keeps each key apart', () => {
    const { log, at } = logOnClock(1000);
    log.record('dns', false);
    at(500);
    expect(log.record('pod-a', false)).toEqual({ kind: 'started' });
    at(1000);
    expect(log.record('dns', false)).toMatchObject({ kind: 'lasting', cycles: 1 });
    expect(log.record('pod-a', true)).toEqual({ kind: 'ended', cycles: 1 });
  });
});
