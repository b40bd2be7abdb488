// The dashboard's message panels give the same answers for the same traffic whichever way the
// metrics left the app. Three NubiumMetricsModule apps count the same numbers: one pushes to the
// cache every second (read by the stack's Prometheus), one pushes to the two vmagents every second
// (read from VictoriaMetrics and from the remote-write Prometheus), and one pushes nowhere and
// serves a metrics port of its own, scraped every second by the test's own Prometheus with
// deploy/pull/scrape-config.yaml's job (honor_labels, static target). The traffic comes in two
// steps, each seen in every store before the next: at a fixed time T after both, with $app set to
// each app,
// - each "Totals per app pod" query shows the same series (app label aside, the module's own job)
//   and the counted totals in every store;
// - each rate and increase panel (Consumed, Produced, Errors per second; Errors by exception type)
//   shows the same label sets in every store, with values that agree with the second step's
//   counts. Its range ($__rate_interval, $__range) is the window W from after the first step was
//   seen to T, so every store holds samples of both steps' values in it. The stores compute
//   rate and increase differently, so each is held to its own bounds, G being the largest gap
//   between samples at a 1 s push or scrape interval, taken as 1.5 s:
//   - Prometheus extrapolates from the first and last sample in the window towards its ends, by
//     up to about one sample gap at each end, never inwards: the increase it shows (rate × W for
//     the rate panels) lies within [1, W / (W − 2G)] times the counted one (W is about 8 s
//     here, so up to 1.6 times);
//   - VictoriaMetrics starts from the last sample before the window and does not extrapolate:
//     its increase is the counted one, and its rate divides it by a span that can be off from W
//     by one gap, so rate × W lies within [W / (W + G), W / (W − G)] times the counted increase.
// Not compared: the push-health panels (failed pushes, seconds since the last push, cache pods per
// cycle, push_time_seconds). They describe each way's own pushes (three cache pods, two vmagents,
// no push at all for the metrics port; push_time_seconds exists only in the cache), so they
// differ between the ways by nature. A series that first appears in the window is not covered
// either: Prometheus never counts a counter's first value, so both steps count the same series.
// The App variable lists the apps that have nubium_metrics_push_interval_seconds, which every app
// of this module serves from start-up, also one that only serves a metrics port (pushEnabled
// false): every app is checked there, in every store of its way.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsApp, restoreStack, type MetricsApp } from '../support/faults';
import { freePort } from '../support/metrics-port';
import { startScrapePrometheus, type ScrapePrometheus } from '../support/scrape-prometheus';
import { cleanUpGroupEverywhere, queryPrometheus, waitFor } from '../support/stack';
import { restoreVmagentStack, STORES } from '../support/vmagent-stack';
import { LOCAL_VMAGENT_OPTIONS, PROMETHEUS_URL } from '../support/stack-config';

const DASHBOARD = resolve(__dirname, '../../deploy/grafana/nubium-metrics-dashboard.json');
interface Panel {
  title: string;
  targets?: Array<{ refId: string; expr?: string }>;
  panels?: Panel[];
}
const all = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...all(p.panels ?? [])]);
const queries = all(
  (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels,
).flatMap((p) =>
  (p.targets ?? []).map((t) => ({ name: `${p.title} [${t.refId}]`, expr: t.expr ?? '' })),
);
const APP_VARIABLE =
  (
    JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      templating: { list: Array<{ name: string; definition?: string }> };
    }
  ).templating.list.find((v) => v.name === 'app')?.definition ?? '';
const totals = queries.filter((q) => q.name.startsWith('Totals per app pod '));
const rates = queries.filter((q) => /\b(rate|increase)\(messages_/.test(q.expr));

const RUN = randomBytes(4).toString('hex');
const CACHE_APP = `parity-cache-${RUN}`;
const VM_APP = `parity-vm-${RUN}`;
const PORT_APP = `parity-port-${RUN}`;
const jobOf = (app: string): string => `${app}-pod-1`;
const PUSH_EVERY_S = 1;
const GAP_S = 1.5;

type Counts = Record<string, number>;
interface Step {
  consumed: Counts;
  produced: Counts;
  errors: Counts;
}
const STEPS: readonly Step[] = [
  {
    consumed: { 'parity.orders': 10, 'parity.payments': 30 },
    produced: { 'parity.enriched': 5 },
    errors: { KeyError: 2, TimeoutError: 4 },
  },
  {
    consumed: { 'parity.orders': 7, 'parity.payments': 13 },
    produced: { 'parity.enriched': 3 },
    errors: { KeyError: 1, TimeoutError: 5 },
  },
];
const consumedBy = (steps: readonly Step[]): number =>
  steps.flatMap((s) => Object.values(s.consumed)).reduce((a, b) => a + b, 0);

function count(m: MetricsApp, step: Step): void {
  for (const [topic, n] of Object.entries(step.consumed)) m.manager.incMessagesConsumed(topic, n);
  for (const [topic, n] of Object.entries(step.produced)) m.manager.incMessagesProduced(topic, n);
  for (const [type, n] of Object.entries(step.errors)) m.manager.incMessageErrorsOfType(type, n);
}

/** What the test counted for the metric a query reads, keyed as rows() keys a series. */
function counted(expr: string, steps: readonly Step[]): Map<string, number> {
  const [, metric] = /\b(messages_consumed|messages_produced|messages_errors)\b/.exec(expr) ?? [];
  const [label, key] =
    metric === 'messages_errors'
      ? (['exception', 'errors'] as const)
      : (['topic', metric === 'messages_produced' ? 'produced' : 'consumed'] as const);
  const sums = new Map<string, number>();
  for (const step of steps) {
    for (const [value, n] of Object.entries(step[key])) {
      const k = JSON.stringify({ [label]: value });
      sums.set(k, (sums.get(k) ?? 0) + n);
    }
  }
  return sums;
}

const expand = (expr: string, app: string, range: string): string =>
  expr
    .replaceAll('$__rate_interval', range)
    .replaceAll('$__range', range)
    .replaceAll('${app}', app)
    .replaceAll('$app', app);

type Row = [string, number];
/** The query's series at `time`, app and job checked and left out of the key, sorted. */
async function rows(
  server: string,
  expr: string,
  app: string,
  { time, range = '1h' }: { time: number; range?: string },
): Promise<Row[]> {
  const found = await queryPrometheus(expand(expr, app, range), { server, time });
  return found
    .map((s): Row => {
      const { app: a, job, ...rest } = s.metric;
      if ('app' in s.metric) expect(a).toBe(app);
      if (/\bjob\b/.test(expr)) expect(job).toBe(jobOf(app));
      return [JSON.stringify(rest), s.value];
    })
    .sort(([a], [b]) => a.localeCompare(b));
}

describe('dashboard message panels, through the cache, through vmagent and through a scraped metrics port', () => {
  const apps: MetricsApp[] = [];
  let scraper: ScrapePrometheus | undefined;
  /** Every store, with the app whose metrics reach it. */
  let reads: Array<{ store: string; server: string; app: string; extrapolates: boolean }> = [];
  let windowStart = 0;
  let at = 0;

  const now = (): number => Date.now() / 1000;
  /** Polls until every store shows `what` (true) for its app. */
  const inEveryStore = async (
    what: string,
    seen: (server: string, app: string) => Promise<boolean>,
  ): Promise<void> => {
    for (const { store, server, app } of reads) {
      await waitFor(async () => ((await seen(server, app)) ? true : undefined), {
        timeoutMs: 20_000,
        what: `${what} in ${store}`,
      });
    }
  };
  const consumedIs = (n: number) => async (server: string, app: string) => {
    const [s] = await queryPrometheus(
      `sum(max without (instance) (messages_consumed{app="${app}"}))`,
      { server },
    );
    return s?.value === n;
  };
  const sampledSince = (t: number) => async (server: string, app: string) => {
    const [s] = await queryPrometheus(`min(timestamp(messages_consumed{app="${app}"}))`, {
      server,
    });
    return s !== undefined && s.value >= t;
  };

  beforeAll(async () => {
    await restoreStack();
    await restoreVmagentStack();
    const pushing = { pushRateSeconds: PUSH_EVERY_S };
    apps.push(await createMetricsApp({ job: jobOf(CACHE_APP), app: CACHE_APP, ...pushing }));
    apps.push(
      await createMetricsApp({
        job: jobOf(VM_APP),
        app: VM_APP,
        ...LOCAL_VMAGENT_OPTIONS,
        ...pushing,
      }),
    );
    const port = await freePort();
    apps.push(
      await createMetricsApp({
        job: jobOf(PORT_APP),
        app: PORT_APP,
        pushEnabled: false,
        metricsEndpoint: { port, host: '127.0.0.1' },
      }),
    );
    scraper = await startScrapePrometheus(`127.0.0.1:${port}`, jobOf(PORT_APP));
    reads = [
      { store: "the stack's Prometheus (cache)", server: PROMETHEUS_URL, app: CACHE_APP },
      ...Object.entries(STORES).map(([store, server]) => ({ store, server, app: VM_APP })),
      { store: "the test's own Prometheus (metrics port)", server: scraper.url, app: PORT_APP },
    ].map((r) => ({ ...r, extrapolates: r.server !== STORES.VictoriaMetrics }));

    for (const m of apps) count(m, STEPS[0]);
    await inEveryStore('the first step', consumedIs(consumedBy(STEPS.slice(0, 1))));
    windowStart = now();
    // Samples of the first step's values inside the window, so Prometheus has a start to rate from.
    await inEveryStore('samples after the window start', sampledSince(windowStart + 2));
    for (const m of apps) count(m, STEPS[1]);
    await inEveryStore('the second step', consumedIs(consumedBy(STEPS)));
    at = Math.ceil(now()) + 2;
    await inEveryStore('samples up to the evaluation time', sampledSince(at));
  }, 90_000);
  afterAll(async () => {
    await scraper?.stop();
    for (const m of apps) await m.app.close();
    await cleanUpGroupEverywhere(jobOf(CACHE_APP));
  });

  it('has the totals queries and the rate and increase panels', () => {
    expect(totals.length).toBe(3);
    expect(rates.map((q) => q.name)).toEqual([
      'Consumed / s by app and topic [A]',
      'Produced / s by app and topic [A]',
      'Errors / s by app and exception [A]',
      'Errors by exception type (time range) [A]',
    ]);
  });

  it('lists each app in the App variable, in every store of its way', async () => {
    const [, metric] = /^label_values\((\w+), app\)$/.exec(APP_VARIABLE) ?? [];
    expect(metric).toBeDefined();
    for (const { store, server, app } of reads) {
      const found = await queryPrometheus(`count by (app) (${metric})`, { server, time: at });
      expect(
        found.map((s) => s.metric.app),
        store,
      ).toContain(app);
    }
  });

  it.each(totals)('"$name" shows the counted totals, the same in every store', async ({ expr }) => {
    const expected = [...counted(expr, STEPS)].sort(([a], [b]) => a.localeCompare(b));
    for (const { store, server, app } of reads) {
      expect(await rows(server, expr, app, { time: at }), store).toEqual(expected);
    }
  });

  it.each(rates)(
    '"$name" shows the same series in every store, with the counted increase',
    async ({ expr }) => {
      const windowMs = Math.floor((at - windowStart) * 1000);
      const w = windowMs / 1000;
      const perSecond = !expr.includes('increase(');
      const expected = counted(expr, STEPS.slice(1));
      for (const { store, server, app, extrapolates } of reads) {
        const [low, high] = extrapolates
          ? [1, w / (w - 2 * GAP_S)]
          : [w / (w + GAP_S), w / (w - GAP_S)];
        const found = await rows(server, expr, app, { time: at, range: `${windowMs}ms` });
        expect(
          found.map(([key]) => key),
          store,
        ).toEqual([...expected.keys()].sort());
        for (const [key, value] of found) {
          const ratio = (perSecond ? value * w : value) / (expected.get(key) ?? NaN);
          expect(ratio, `${store} ${key}: ${value} over ${w} s`).toBeGreaterThanOrEqual(low);
          expect(ratio, `${store} ${key}: ${value} over ${w} s`).toBeLessThanOrEqual(high);
        }
      }
    },
  );
});
