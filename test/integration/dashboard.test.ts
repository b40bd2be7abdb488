// Every PromQL query of the Grafana dashboard in deploy/grafana, run against the local
// Prometheus over series pushed like an app pushes them: a query Prometheus rejects, or
// one that finds nothing for a metric the library does push, fails here, not on a screen.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUSHGATEWAY_ADDRS } from '../support/stack-config';
import { pushRaw, queryPrometheus, waitFor, deleteGroupEverywhere } from '../support/stack';

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

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

const queries = allPanels(dashboard.panels).flatMap((panel) =>
  (panel.targets ?? []).map((t) => ({ name: `${panel.title} [${t.refId}]`, expr: t.expr ?? '' })),
);

const app = `dashboard-test-${randomBytes(4).toString('hex')}`;
const job = `${app}-pod-1`;

/** What Grafana would send: its variables replaced by values that fit the local stack. */
function expand(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replaceAll('${app}', app)
    .replaceAll('$app', app);
}

// The series one app pod pushes: the three metrics and the pusher's own health, with the
// types the library gives them (a Pushgateway rejects a type that differs from another push's).
function body(count: number): string {
  const now = Date.now() / 1000;
  return [
    '# TYPE messages_consumed gauge',
    '# TYPE messages_produced gauge',
    '# TYPE messages_errors gauge',
    '# TYPE nubium_metrics_push_targets gauge',
    '# TYPE nubium_metrics_push_failures_total counter',
    '# TYPE nubium_metrics_push_last_success_timestamp_seconds gauge',
    `messages_consumed{app="${app}",topic="orders"} ${count}`,
    `messages_produced{app="${app}",topic="orders-enriched"} ${count}`,
    `messages_errors{app="${app}",exception="KeyError"} ${count % 3}`,
    `nubium_metrics_push_targets{app="${app}"} ${PUSHGATEWAY_ADDRS.length}`,
    `nubium_metrics_push_failures_total{app="${app}",target="${PUSHGATEWAY_ADDRS[0]}",reason="timeout"} 1`,
    `nubium_metrics_push_last_success_timestamp_seconds{app="${app}",target="${PUSHGATEWAY_ADDRS[0]}"} ${now}`,
    '',
  ].join('\n');
}

async function pushToAll(count: number): Promise<void> {
  for (const addr of PUSHGATEWAY_ADDRS) {
    expect(await pushRaw(addr, `job/${job}`, body(count))).toBe(200);
  }
}

describe('Grafana dashboard', () => {
  beforeAll(async () => {
    await pushToAll(10);
    // rate() needs two scraped samples: push again once Prometheus has the first.
    await waitFor(
      async () =>
        (await queryPrometheus(`messages_consumed{app="${app}"}`)).length > 0 ? true : undefined,
      {
        timeoutMs: 20_000,
        what: 'the first push to reach Prometheus',
      },
    );
    await pushToAll(20);
  });

  afterAll(async () => {
    await deleteGroupEverywhere(job);
  });

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

  it('offers the apps found in a metric every app pushes', async () => {
    const variable = dashboard.templating.list.find((v) => v.name === 'app')!;
    const metric = /^label_values\((\w+), app\)$/.exec(variable.definition ?? '')?.[1];
    expect(metric, variable.definition).toBeDefined();
    const found = await waitFor(
      async () => {
        const result = await queryPrometheus(`count by (app) (${metric}{app="${app}"})`);
        return result.length > 0 ? result : undefined;
      },
      { timeoutMs: 20_000, what: `${metric} of ${app} in Prometheus` },
    );
    expect(found[0]!.metric.app).toBe(app);
  });

  it.each(queries)('runs "$name" without error and finds the pushed series', async ({ expr }) => {
    const promql = expand(expr);
    expect(promql).not.toContain('$');
    await queryPrometheus(promql); // a query Prometheus rejects throws here, with its message
    const result = await waitFor(
      async () => {
        const r = await queryPrometheus(promql);
        return r.length > 0 ? r : undefined;
      },
      { timeoutMs: 20_000, what: `a result for ${promql}` },
    );
    expect(result.length).toBeGreaterThan(0);
  });
});
