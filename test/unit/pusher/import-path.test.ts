import { describe, expect, it } from 'vitest';
import { importPath } from '../../../lib/pusher/import-path';

/** The labels VictoriaMetrics reads from the query: decoded, then split at the first `=`. */
function extraLabels(path: string): [string, string][] {
  const query = new URL(path, 'http://vmagent.test').searchParams;
  return query.getAll('extra_label').map((pair) => {
    const at = pair.indexOf('=');
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}

describe('importPath', () => {
  it('gives the job as the one extra_label when there are no grouping labels', () => {
    expect(importPath('/api/v1/import/prometheus', 'orders-7d9f-abcde')).toBe(
      '/api/v1/import/prometheus?extra_label=job%3Dorders-7d9f-abcde',
    );
  });

  it('appends one extra_label per grouping label, job first, in the order given', () => {
    const path = importPath('/insert/0:1/prometheus/api/v1/import/prometheus', 'pod-1', {
      worker: '2',
      process: 'api',
    });
    expect(path).toBe(
      '/insert/0:1/prometheus/api/v1/import/prometheus' +
        '?extra_label=job%3Dpod-1&extra_label=worker%3D2&extra_label=process%3Dapi',
    );
  });

  it('percent-encodes hostile values so that each reads back whole', () => {
    const hostile = 'say "hi"\\ \n/é&x=y+z?#%';
    const path = importPath('/api/v1/import/prometheus', `job ${hostile}`, { process: hostile });
    expect(path).not.toMatch(/[ \n"\\é#]|&x=|\+z/);
    expect(extraLabels(path)).toEqual([
      ['job', `job ${hostile}`],
      ['process', hostile],
    ]);
  });
});
