// The dashboard's totals panels give the same answers for the same traffic whichever way the
// metrics left the app: two NubiumMetricsModule apps, one pushing to the cache (read by the
// stack's Prometheus), one pushing to the two vmagents (read from VictoriaMetrics and from the
// remote-write Prometheus), count the same numbers; each "Totals per app pod" query, with $app
// set to each app, must show the same series (app label aside) and values in every store.
// Not covered yet: the metrics-port path, and the rate/increase and push-health panels.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsApp, restoreStack, type MetricsApp } from '../support/faults';
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
const totals = all((JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels)
  .filter((p) => p.title === 'Totals per app pod')
  .flatMap((p) =>
    (p.targets ?? []).map((t) => ({ name: `${p.title} [${t.refId}]`, expr: t.expr ?? '' })),
  );

const RUN = randomBytes(4).toString('hex');
const CACHE_APP = `parity-cache-${RUN}`;
const VM_APP = `parity-vm-${RUN}`;
const jobOf = (app: string): string => `${app}-pod-1`;

function count(m: MetricsApp): void {
  m.manager.incMessagesConsumed('parity.orders', 10);
  m.manager.incMessagesConsumed('parity.payments', 30);
  m.manager.incMessagesProduced('parity.enriched', 5);
  m.manager.incMessageErrorsOfType('KeyError', 2);
  m.manager.incMessageErrorsOfType('TimeoutError', 4);
}

const expand = (expr: string, app: string): string =>
  expr.replaceAll('$__range', '1h').replaceAll('${app}', app).replaceAll('$app', app);

type Row = [string, number];
async function rows(server: string, expr: string, app: string): Promise<Row[]> {
  const found = await queryPrometheus(expand(expr, app), { server });
  return found
    .map((s): Row => {
      const { app: a, job, ...rest } = s.metric;
      expect(a).toBe(app);
      expect(job).toBe(jobOf(app));
      return [JSON.stringify(rest), s.value];
    })
    .sort(([a], [b]) => a.localeCompare(b));
}

describe('dashboard totals, through the cache and through vmagent', () => {
  const apps: MetricsApp[] = [];
  beforeAll(async () => {
    await restoreStack();
    await restoreVmagentStack();
    const cache = await createMetricsApp({ job: jobOf(CACHE_APP), app: CACHE_APP });
    const vm = await createMetricsApp({
      job: jobOf(VM_APP),
      app: VM_APP,
      ...LOCAL_VMAGENT_OPTIONS,
    });
    apps.push(cache, vm);
    for (const m of apps) {
      count(m);
      expect((await m.pusher.pushNow()).succeeded).toBeGreaterThan(0);
    }
    const where = (server: string, app: string) => async () => {
      const [s] = await queryPrometheus(`sum(messages_consumed{job="${jobOf(app)}"})`, { server });
      return s?.value === 40 ? true : undefined;
    };
    await waitFor(where(PROMETHEUS_URL, CACHE_APP), {
      timeoutMs: 20_000,
      what: 'cache app scraped',
    });
    for (const server of Object.values(STORES)) {
      await waitFor(where(server, VM_APP), { timeoutMs: 20_000, what: `vm app in ${server}` });
    }
  }, 90_000);
  afterAll(async () => {
    for (const m of apps) await m.app.close();
    await cleanUpGroupEverywhere(jobOf(CACHE_APP));
  });

  it('has the totals queries', () => expect(totals.length).toBe(3));

  it.each(totals)('"$name" is the same in every store', async ({ expr }) => {
    const cache = await rows(PROMETHEUS_URL, expr, CACHE_APP);
    expect(cache.length).toBeGreaterThan(0);
    for (const server of Object.values(STORES)) {
      expect(await rows(server, expr, VM_APP), server).toEqual(cache);
    }
  });
});
