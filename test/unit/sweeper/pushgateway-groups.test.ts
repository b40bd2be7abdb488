import { describe, expect, it } from 'vitest';
import {
  findTypeConflicts,
  isVictoriaMetricsRefusal,
  parseGroupListing,
} from '../../../lib/sweeper/pushgateway-groups';

// Shaped like a Pushgateway 1.5 `GET /api/v1/metrics` answer.
function group(
  labels: Record<string, string>,
  pushTime: string | undefined,
  families: Record<string, string>,
): Record<string, unknown> {
  const g: Record<string, unknown> = { labels, last_push_successful: true };
  for (const [name, type] of Object.entries(families)) {
    g[name] = { type, time_stamp: '2026-11-26T00:00:00Z', metrics: [{ labels, value: '1' }] };
  }
  if (pushTime !== undefined) {
    g.push_time_seconds = { type: 'GAUGE', metrics: [{ labels, value: pushTime }] };
    g.push_failure_time_seconds = { type: 'GAUGE', metrics: [{ labels, value: '0' }] };
  }
  return g;
}

const listing = (...groups: Array<Record<string, unknown>>): string =>
  JSON.stringify({ status: 'success', data: groups });

describe('parseGroupListing', () => {
  it("reads labels, last push time, types, and whether the module's own metrics are there", () => {
    const groups = parseGroupListing(
      listing(
        group({ job: 'pod-1', worker: '2' }, '1.7956756620422351e+09', {
          messages_consumed: 'GAUGE',
          nubium_metrics_push_interval_seconds: 'GAUGE',
        }),
        group({ job: 'batch' }, '1700000000', { rows: 'COUNTER' }),
      ),
    );
    expect(groups).toEqual([
      {
        labels: { job: 'pod-1', worker: '2' },
        lastPushSeconds: 1795675662.0422351,
        types: new Map([
          ['messages_consumed', 'gauge'],
          ['nubium_metrics_push_interval_seconds', 'gauge'],
        ]),
        own: true,
      },
      {
        labels: { job: 'batch' },
        lastPushSeconds: 1700000000,
        types: new Map([['rows', 'counter']]),
        own: false,
      },
    ]);
  });

  it('gives no push time when the listing has none or a zero', () => {
    const [none, zero] = parseGroupListing(
      listing(group({ job: 'a' }, undefined, {}), group({ job: 'b' }, '0', {})),
    );
    expect(none.lastPushSeconds).toBeUndefined();
    expect(zero.lastPushSeconds).toBeUndefined();
  });

  it('refuses an answer that is not a listing, so a wrong target deletes nothing', () => {
    expect(() => parseGroupListing('{"status":"error"}')).toThrow(/not a Pushgateway API listing/);
    expect(() => parseGroupListing('<html>')).toThrow();
    expect(() => parseGroupListing(listing({ labels: {} }))).toThrow(/no "job" label/);
  });
});

describe('findTypeConflicts', () => {
  it('singles out the groups that push a metric with another type than most groups', () => {
    const groups = parseGroupListing(
      listing(
        group({ job: 'a' }, '1', { messages_consumed: 'GAUGE', x: 'GAUGE' }),
        group({ job: 'b' }, '1', { messages_consumed: 'GAUGE' }),
        group({ job: 'old' }, '1', { messages_consumed: 'COUNTER', x: 'GAUGE' }),
      ),
    );
    const conflicts = findTypeConflicts(groups);
    expect([...conflicts.byGroup]).toEqual([[2, ['messages_consumed']]]);
    expect(conflicts.byName).toEqual({ messages_consumed: ['gauge', 'counter'] });
  });

  it('reports a tie without singling out any group', () => {
    const groups = parseGroupListing(
      listing(group({ job: 'a' }, '1', { m: 'GAUGE' }), group({ job: 'b' }, '1', { m: 'COUNTER' })),
    );
    const conflicts = findTypeConflicts(groups);
    expect(conflicts.byGroup.size).toBe(0);
    expect(Object.keys(conflicts.byName)).toEqual(['m']);
  });

  it('finds nothing when every group agrees', () => {
    const groups = parseGroupListing(
      listing(group({ job: 'a' }, '1', { m: 'GAUGE' }), group({ job: 'b' }, '1', { m: 'GAUGE' })),
    );
    expect(findTypeConflicts(groups)).toEqual({ byGroup: new Map(), byName: {} });
  });
});

describe('isVictoriaMetricsRefusal', () => {
  const vmagent =
    'HTTP 400: remoteAddr: "127.0.0.1:36628"; requestURI: /api/v1/metrics; unsupported path requested: "/api/v1/metrics"';

  it("recognises vmagent's answer to the listing request, as 1.79 (400) and later versions (404) give it", () => {
    expect(isVictoriaMetricsRefusal(400, vmagent)).toBe(true);
    expect(isVictoriaMetricsRefusal(404, vmagent)).toBe(true);
  });

  it('takes no other failure for it', () => {
    expect(isVictoriaMetricsRefusal(404, 'HTTP 404: 404 page not found')).toBe(false);
    expect(isVictoriaMetricsRefusal(500, vmagent)).toBe(false);
    expect(isVictoriaMetricsRefusal(undefined, 'ECONNREFUSED: connect ECONNREFUSED')).toBe(false);
  });
});
