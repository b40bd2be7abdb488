import type { Series } from './prometheus';
import type { Sent } from './sent';
import { TOPICS } from '../topics';

/** The app names (APP_NAME) of the three setups in the demo. */
export const APPS = {
  loop: 'sample-loop',
  http: 'sample-http',
  microservice: 'sample-microservice',
} as const;

export const METRICS = ['messages_consumed', 'messages_produced', 'messages_errors'] as const;

/** One line of the table: a metric of an app for one topic (or exception type). */
export interface Row {
  app: string;
  metric: string;
  /** The topic, or for messages_errors the exception type. */
  key: string;
  expected: number;
  /** What Prometheus read, or undefined when it has no such series. */
  actual: number | undefined;
}

const rowId = (app: string, metric: string, key: string): string => `${app}\t${metric}\t${key}`;

/** What each setup must have counted, given what the traffic generator sent. */
export function expectedRows(sent: Sent): Row[] {
  const enriched = sent.orders - sent.ordersWithoutEmail;
  const rows: Array<[string, string, string, number]> = [
    [APPS.loop, 'messages_consumed', TOPICS.orders, sent.orders],
    [APPS.loop, 'messages_produced', TOPICS.enrichedOrders, enriched],
    [APPS.loop, 'messages_errors', 'MissingEmailError', sent.ordersWithoutEmail],
    [APPS.http, 'messages_produced', TOPICS.forms, sent.goodForms],
    [APPS.http, 'messages_errors', 'BadRequestException', sent.badForms],
    [APPS.microservice, 'messages_consumed', TOPICS.forms, sent.goodForms],
    [APPS.microservice, 'messages_consumed', TOPICS.enrichedOrders, enriched],
  ];
  return rows.map(([app, metric, key, expected]) => ({
    app,
    metric,
    key,
    expected,
    actual: undefined,
  }));
}

/** The PromQL selector of everything the demo's apps of this run pushed. */
export function demoSelector(runId: string): string {
  const jobs = Object.values(APPS)
    .map((app) => `${app}-${runId}`)
    .join('|');
  return `{__name__=~"${METRICS.join('|')}",job=~"${jobs}"}`;
}

/**
 * Merges the series Prometheus holds into the expected rows; a series nobody expected
 * becomes a row of its own, expected 0, so it shows (and fails the comparison).
 */
export function fillRows(expected: Row[], series: Series[]): Row[] {
  const rows = new Map(
    expected.map((r) => [
      rowId(r.app, r.metric, r.key),
      { ...r, actual: undefined as number | undefined },
    ]),
  );
  for (const { labels, value } of series) {
    const metric = labels.__name__ ?? '';
    const key = (metric === 'messages_errors' ? labels.exception : labels.topic) ?? '';
    const id = rowId(labels.app ?? '', metric, key);
    let row = rows.get(id);
    if (!row) {
      row = { app: labels.app ?? '', metric, key, expected: 0, actual: undefined };
      rows.set(id, row);
    }
    // Every cache pod serves the same series; Prometheus keeps one. Several jobs of one app add up.
    row.actual = (row.actual ?? 0) + value;
  }
  return [...rows.values()];
}

/** True when Prometheus read exactly the expected value of every row. */
export function allMatch(rows: Row[]): boolean {
  return rows.every((r) => (r.actual ?? 0) === r.expected);
}

/** The table as text: one line per row, sent next to what Prometheus read from the cache pods. */
export function formatTable(rows: Row[]): string {
  const header = ['app', 'metric', 'topic / exception', 'sent', 'Prometheus', ''];
  const lines = rows.map((r) => {
    const ok = (r.actual ?? 0) === r.expected;
    return [
      r.app,
      r.metric,
      r.key,
      String(r.expected),
      r.actual === undefined ? '-' : String(r.actual),
      ok ? 'ok' : 'MISMATCH',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const numeric = new Set([3, 4]);
  const format = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    format(header),
    widths
      .map((w) => '-'.repeat(w))
      .join('  ')
      .trimEnd(),
    ...lines.map(format),
  ].join('\n');
}
