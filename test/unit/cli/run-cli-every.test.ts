import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../lib/cli/run-cli';
import type { SweepReport } from '../../../lib/interfaces/sweep-report.interface';

// A pass that fails unexpectedly, then one that works: the sweep module is replaced here only
// (vi.mock is hoisted above the imports).
const sweep = vi.hoisted(() => ({ calls: 0 }));
vi.mock('../../../lib/sweeper/sweep', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../lib/sweeper/sweep')>();
  return {
    ...original,
    sweepStaleGroups: (): Promise<SweepReport> => {
      sweep.calls++;
      if (sweep.calls === 1) return Promise.reject(new Error('listing exploded'));
      return Promise.resolve({
        startedAt: new Date(0),
        durationMs: 1,
        ttlSeconds: 60,
        dryRun: false,
        targets: [],
        kept: 0,
        deleted: 0,
        failed: 0,
        conflicting: 0,
        unreachable: [],
      });
    },
  };
});

describe('nubium-metrics sweep --every', () => {
  it('says why a pass failed and goes on with the next one, until stopped', async () => {
    const stop = new AbortController();
    let out = '';
    let err = '';
    const done = runCli(
      ['sweep', '--target', 'http://127.0.0.1:9', '--ttl', '1m', '--every', '1s'],
      {
        out: {
          write: (t: string) => {
            out += t;
            if (sweep.calls >= 2) stop.abort();
          },
        },
        err: { write: (t: string) => (err += t) },
      },
      stop.signal,
    );

    expect(await done).toBe(0);
    expect(err).toContain('the pass failed, trying again at the next one: listing exploded');
    expect(out).toContain('sweep, ttl 60s');
    expect(sweep.calls).toBeGreaterThanOrEqual(2);
  });
});
