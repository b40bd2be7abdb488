// Every PromQL query of the Grafana dashboard in deploy/grafana, run against the local
// Prometheus over what the library itself pushed: a NubiumMetricsModule app counts numbers this
// test chooses and pushes them with MetricsPusher to the stack's three cache pods. Each panel's
// value is then checked against what the test counted, so a query Prometheus rejects, a label
// the library renames, or a panel that reads the wrong series fails here, not on a screen.
//
// One cache pod is made to refuse every push of this app (its Pushgateway's consistency check
// rejects a metric whose type differs from one it holds already), so the push-health panels
// have a failed pod to show: it is named in the failures, and absent from the accepted pushes.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Gauge } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsApp, restoreStack, type MetricsApp } from '../support/faults';
import { PUSHGATEWAY_ADDRS } from '../support/stack-config';
import {
  cleanUpGroupEverywhere,
  deletePushgatewayGroup,
  pushRaw,
  queryPrometheus,
  waitFor,
} from '../support/stack';

const DASHBOARD = resolve(__dirname, '../../deploy/grafana/nubium-metrics-dashboard.json');

interface Target {
  refId: string;
  expr?: string;
}
interface Panel {
  id: number;
  title: string;
  type: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; definition?: string }> };
}
type Series = { metric: Record<string, string>; value: number };

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

const queries = allPanels(dashboard.panels).flatMap((panel) =>
  (panel.targets ?? []).map((t) => ({ name: `${panel.title} [${t.refId}]`, expr: t.expr ?? '' })),
);

const RUN = randomBytes(4).toString('hex');
const APP = `dashboard-test-${RUN}`;
const JOB = `${APP}-pod-1`;
// The refusing pod holds this metric as a counter in a group of its own; the app has it as a gauge.
const CONFLICT_JOB = `${APP}-conflict`;
const CONFLICT_METRIC = `dashboard_test_${RUN}_type_conflict`;
const [REFUSING_POD, ...ACCEPTING_PODS] = PUSHGATEWAY_ADDRS;

const ORDERS = 'dashboard.orders';
const PAYMENTS = 'dashboard.payments';
const ENRICHED = 'dashboard.orders-enriched';
// What the app counts before each of its two counted pushes. Every series doubles from the first
// to the second, so each has the same first/last ratio; Prometheus's rate() and increase() then
// extrapolate every series of a cache pod by one common factor, and each panel shows the
// increases the test counted times that one factor.
const STEP = {
  consumed: { [ORDERS]: 10, [PAYMENTS]: 30 },
  produced: { [ENRICHED]: 5 },
  errors: { KeyError: 2, TimeoutError: 4 },
};
const STEP_TOTAL_CONSUMED = 40;
// Failed pushes to the refusing pod also grow by one between the two counted pushes.
const FAILURES_STEP = 1;

/** What Grafana would send: its variables replaced by values that fit this test's app. */
function expand(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replaceAll('${app}', APP)
    .replaceAll('$app', APP);
}

interface Cycle {
  start: number;
  end: number;
}

async function timedPush(m: MetricsApp): Promise<Cycle> {
  const start = Date.now() / 1000;
  const report = await m.pusher.pushNow();
  const end = Date.now() / 1000;
  // The setup the panels rely on: the refusing pod refuses, the others accept.
  expect(report.targets.map((t) => [t.address, t.ok, t.status])).toEqual([
    [REFUSING_POD, false, 400],
    ...ACCEPTING_PODS.map((a) => [a, true, 200]),
  ]);
  return { start, end };
}

function countStep(m: MetricsApp): void {
  for (const [topic, n] of Object.entries(STEP.consumed)) m.manager.incMessagesConsumed(topic, n);
  for (const [topic, n] of Object.entries(STEP.produced)) m.manager.incMessagesProduced(topic, n);
  for (const [type, n] of Object.entries(STEP.errors)) m.manager.incMessageErrorsOfType(type, n);
}

/**
 * Waits until Prometheus has scraped `total` consumed messages of the job. The cache pods push
 * an empty `instance` and the stack scrapes them with honor_labels, as the real cache is
 * scraped: the pods' copies of a series are one series in Prometheus.
 */
async function untilScraped(total: number): Promise<void> {
  await waitFor(
    async () => {
      const [sum] = await queryPrometheus(`sum(messages_consumed{job="${JOB}"})`);
      return sum?.value === total ? true : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200, what: `${total} consumed of ${JOB} in Prometheus` },
  );
}

/**
 * Waits until Prometheus has started a scrape of every cache pod after `time`: a scrape is
 * stamped when it starts, so from then on no sample stamped before `time` can still arrive, and
 * every query evaluated at `time` sees the same samples.
 */
async function untilEveryPodScrapedAfter(time: number): Promise<void> {
  await waitFor(
    async () => {
      const scrapes = await queryPrometheus('timestamp(up{job="metrics-cache"})');
      return scrapes.length === PUSHGATEWAY_ADDRS.length && scrapes.every((s) => s.value > time)
        ? true
        : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 200, what: `a scrape of every cache pod after ${time}` },
  );
}

type Row = [Record<string, string>, number];

/** What one query must show; see `expectations` below. */
interface Expectation {
  series?: Row[];
  perUnit?: number;
  ordered?: boolean;
  between?: Array<[Record<string, string>, [number, number]]>;
  only?: (s: Series) => boolean;
}

// The cache pod stamps a push with its own clock, read to the millisecond; the test's clock is
// the same host's.
const CLOCK_SLACK = 0.01;

const key = (labels: Record<string, string>): string =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  return key(a) === key(b);
}

function sortByLabels(series: Series[]): Series[] {
  return [...series].sort((a, b) => key(a.metric).localeCompare(key(b.metric)));
}

function sortedLabels(series: Series[]): Array<Record<string, string>> {
  return sortByLabels(series).map((s) => s.metric);
}

describe('Grafana dashboard, over what the library pushed', () => {
  let m: MetricsApp | undefined;
  /** Prometheus time every panel is evaluated at, after the last push was scraped. */
  let at = 0;
  let secondPush: Cycle;
  let thirdPush: Cycle;
  /** rate() per counted unit: the factor every rate panel's values share (see STEP). */
  let ratePerUnit = 0;

  beforeAll(async () => {
    await restoreStack();
    expect(
      await pushRaw(
        REFUSING_POD,
        `job/${CONFLICT_JOB}`,
        `# TYPE ${CONFLICT_METRIC} counter\n${CONFLICT_METRIC} 1\n`,
      ),
    ).toBe(200);
    m = await createMetricsApp({ job: JOB, app: APP });
    new Gauge({
      name: CONFLICT_METRIC,
      help: 'a gauge the refusing pod holds as a counter',
      registers: [m.manager.registry],
    }).set(1);

    // First push: nothing counted yet, one failure (the refusing pod) recorded for the next.
    await timedPush(m);
    countStep(m);
    secondPush = await timedPush(m);
    await untilScraped(STEP_TOTAL_CONSUMED);
    countStep(m);
    thirdPush = await timedPush(m);
    await untilScraped(2 * STEP_TOTAL_CONSUMED);
    at = Date.now() / 1000;
    await untilEveryPodScrapedAfter(at);
    // rate()'s window must hold every sample since the second push (see the 1m below).
    expect(at - secondPush.start).toBeLessThan(45);
    const [total] = await queryPrometheus(
      `sum(max without (instance) (rate(messages_consumed{job="${JOB}"}[1m])))`,
      { time: at },
    );
    ratePerUnit = total.value / STEP_TOTAL_CONSUMED;
  }, 90_000);

  afterAll(async () => {
    await m?.app.close();
    await cleanUpGroupEverywhere(JOB);
    await deletePushgatewayGroup(REFUSING_POD, CONFLICT_JOB).catch(() => undefined);
  });

  const seconds = (from: number, to: number): [number, number] => [at - to, at - from];
  /**
   * What each query must show: exactly these series, each with its value as counted (times
   * `perUnit`, the common factor, for rate and increase panels), or `between` the bounds the
   * test's own clock gives. A query with no entry here fails.
   */
  const expectations: Record<string, () => Expectation> = {
    'Consumed / s by app and topic [A]': () => ({
      perUnit: ratePerUnit,
      series: [
        [{ app: APP, topic: ORDERS }, STEP.consumed[ORDERS]],
        [{ app: APP, topic: PAYMENTS }, STEP.consumed[PAYMENTS]],
      ],
    }),
    'Produced / s by app and topic [A]': () => ({
      perUnit: ratePerUnit,
      series: [[{ app: APP, topic: ENRICHED }, STEP.produced[ENRICHED]]],
    }),
    'Errors / s by app and exception [A]': () => ({
      perUnit: ratePerUnit,
      series: [
        [{ app: APP, exception: 'KeyError' }, STEP.errors.KeyError],
        [{ app: APP, exception: 'TimeoutError' }, STEP.errors.TimeoutError],
      ],
    }),
    // increase() over the range: the same samples and extrapolation as rate() over 1m, times 60 s.
    // sort_desc: the larger count first.
    'Errors by exception type (time range) [A]': () => ({
      perUnit: ratePerUnit * 60,
      ordered: true,
      series: [
        [{ exception: 'TimeoutError' }, STEP.errors.TimeoutError],
        [{ exception: 'KeyError' }, STEP.errors.KeyError],
      ],
    }),
    'Totals per app pod [A]': () => ({
      series: [
        [{ app: APP, job: JOB, topic: ORDERS }, 2 * STEP.consumed[ORDERS]],
        [{ app: APP, job: JOB, topic: PAYMENTS }, 2 * STEP.consumed[PAYMENTS]],
      ],
    }),
    'Totals per app pod [B]': () => ({
      series: [[{ app: APP, job: JOB, topic: ENRICHED }, 2 * STEP.produced[ENRICHED]]],
    }),
    'Totals per app pod [C]': () => ({
      series: [
        [{ app: APP, job: JOB, exception: 'KeyError' }, 2 * STEP.errors.KeyError],
        [{ app: APP, job: JOB, exception: 'TimeoutError' }, 2 * STEP.errors.TimeoutError],
      ],
    }),
    'Failed pushes / s by cache pod and reason [A]': () => ({
      perUnit: ratePerUnit,
      series: [[{ app: APP, target: REFUSING_POD, reason: 'http_400' }, FAILURES_STEP]],
    }),
    // The pusher reports a cycle with the next one: the third push carries the second's times.
    // The refusing pod never accepted a push, so it has no row.
    'Seconds since the last accepted push, per app and cache pod [A]': () => ({
      between: ACCEPTING_PODS.map((target) => [
        { app: APP, target },
        seconds(secondPush.start, secondPush.end),
      ]),
    }),
    // push_time_seconds is the cache pod's own record of the last push it accepted; the query
    // covers every job, so only this app's row is checked. The pods' copies are one series (see
    // untilScraped): one row, whichever accepting pod was scraped last.
    'Seconds since each app pod last pushed, per cache pod [A]': () => ({
      only: (s) => s.metric.job === JOB,
      between: [[{ job: JOB }, seconds(thirdPush.start, thirdPush.end)]],
    }),
    'Cache pods pushed to per cycle [A]': () => ({
      series: [[{ app: APP }, PUSHGATEWAY_ADDRS.length]],
    }),
  };

  it('has queries for the three metrics and the push health', () => {
    const all = queries.map((q) => q.expr).join('\n');
    for (const metric of [
      'messages_consumed',
      'messages_produced',
      'messages_errors',
      'nubium_metrics_push_failures_total',
      'nubium_metrics_push_last_success_timestamp_seconds',
      'push_time_seconds',
    ]) {
      expect(all).toMatch(new RegExp(`\\b${metric}\\b`));
    }
    expect(queries.every((q) => q.expr.trim() !== '')).toBe(true);
  });

  it('offers the app in its app variable', async () => {
    const variable = dashboard.templating.list.find((v) => v.name === 'app')!;
    const metric = /^label_values\((\w+), app\)$/.exec(variable.definition ?? '')?.[1];
    expect(metric, variable.definition).toBeDefined();
    const found = await queryPrometheus(`count by (app) (${metric}{app="${APP}"})`, { time: at });
    expect(found.map((s) => s.metric)).toEqual([{ app: APP }]);
  });

  it.each(queries)('"$name" shows what the app counted', async ({ name, expr }) => {
    const expectation = expectations[name]?.();
    expect(expectation, `no expectation for the dashboard query "${name}"`).toBeDefined();
    const promql = expand(expr);
    expect(promql).not.toContain('$');
    const all = await queryPrometheus(promql, { time: at });
    const result = expectation.only ? all.filter(expectation.only) : all;

    if (expectation.between) {
      expect(sortedLabels(result), promql).toEqual(
        sortedLabels(expectation.between.map(([metric]) => ({ metric, value: 0 }))),
      );
      for (const [labels, [min, max]] of expectation.between) {
        const value = result.find((s) => sameLabels(s.metric, labels))!.value;
        expect(value, `${promql} ${JSON.stringify(labels)}`).toBeGreaterThanOrEqual(
          min - CLOCK_SLACK,
        );
        expect(value, `${promql} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(max + CLOCK_SLACK);
      }
      return;
    }
    const series = expectation.series!;
    const perUnit = expectation.perUnit ?? 1;
    const actual = expectation.ordered ? result : sortByLabels(result);
    const wanted = expectation.ordered
      ? series
      : sortByLabels(series.map(([metric, value]) => ({ metric, value }))).map((s): Row => [
          s.metric,
          s.value,
        ]);
    expect(
      actual.map((s) => s.metric),
      promql,
    ).toEqual(wanted.map(([labels]) => labels));
    actual.forEach((s, i) => {
      const value = wanted[i][1] * perUnit;
      const error = Math.abs(s.value - value) / value;
      expect(
        error,
        `${promql} ${JSON.stringify(s.metric)}: ${s.value}, expected ${value}`,
      ).toBeLessThan(1e-9);
    });
  });
});
