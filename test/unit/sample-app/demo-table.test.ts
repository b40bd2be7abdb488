// The demo's verdict: its exit code hangs on allMatch, so a wrong count, a missing series
// or a series nobody expected must each fail it and show in the table.
import { describe, expect, it } from 'vitest';
import { allMatch, expectedRows, fillRows, formatTable } from '../../../sample-app/src/demo/table';
import type { Sent } from '../../../sample-app/src/demo/sent';

const sent: Sent = {
  orders: 90,
  ordersWithoutEmail: 13,
  goodForms: 24,
  badForms: 6,
  unexpectedResponses: 0,
};

// What Prometheus returns when every app counted exactly what was sent (one copy per series).
function seriesFor(rows = expectedRows(sent)) {
  return rows.map((r) => ({
    labels: {
      __name__: r.metric,
      app: r.app,
      job: `${r.app}-abc123`,
      [r.metric === 'messages_errors' ? 'exception' : 'topic']: r.key,
    },
    value: r.expected,
  }));
}

describe('demo table', () => {
  it('expects what the traffic implies for each setup', () => {
    const rows = expectedRows(sent);
    const value = (app: string, metric: string, key: string) =>
      rows.find((r) => r.app === app && r.metric === metric && r.key === key)?.expected;
    expect(value('sample-loop', 'messages_produced', 'demo.orders-enriched')).toBe(77);
    expect(value('sample-loop', 'messages_errors', 'MissingEmailError')).toBe(13);
    expect(value('sample-http', 'messages_errors', 'BadRequestException')).toBe(6);
    expect(value('sample-microservice', 'messages_consumed', 'demo.orders-enriched')).toBe(77);
  });

  it('matches when Prometheus holds exactly the expected values', () => {
    const rows = fillRows(expectedRows(sent), seriesFor());
    expect(allMatch(rows)).toBe(true);
    expect(formatTable(rows)).not.toContain('MISMATCH');
  });

  it('fails on a count that differs', () => {
    const series = seriesFor();
    series[0].value -= 1;
    const rows = fillRows(expectedRows(sent), series);
    expect(allMatch(rows)).toBe(false);
    expect(formatTable(rows)).toMatch(/demo\.orders\s+90\s+89\s+MISMATCH/);
  });

  it('fails on a series Prometheus does not have', () => {
    const rows = fillRows(expectedRows(sent), seriesFor().slice(1));
    expect(allMatch(rows)).toBe(false);
    expect(formatTable(rows)).toMatch(/demo\.orders\s+90\s+-\s+MISMATCH/);
  });

  it('adds and fails on a series nobody expected', () => {
    const extra = {
      labels: { __name__: 'messages_errors', app: 'sample-http', exception: 'KafkaJSError' },
      value: 2,
    };
    const rows = fillRows(expectedRows(sent), [...seriesFor(), extra]);
    expect(allMatch(rows)).toBe(false);
    expect(formatTable(rows)).toMatch(
      /sample-http\s+messages_errors\s+KafkaJSError\s+0\s+2\s+MISMATCH/,
    );
  });
});
