// Two alerting rules' expressions on real data: an app of this module pushes to the stack's three
// Pushgateways, which the stack's Prometheus scrapes with honor_labels as deploy/ does, and then
// stops. The thresholds are lowered to seconds (the rules as shipped are promtool-tested in
// alert-rules.test.ts): what this checks is that the selectors and label joins find the series as
// the module, the Pushgateway and Prometheus really label them.
import { afterEach, describe, expect, it } from 'vitest';
import { alertRule, withThreshold } from '../support/alert-rules';
import { createMetricsApp, type MetricsApp } from '../support/faults';
import { cleanUpGroupEverywhere, pushRaw, queryPrometheus, waitFor } from '../support/stack';
import { PUSHGATEWAY_ADDRS } from '../support/stack-config';

const THRESHOLD_S = 8;
const now = (): number => Date.now() / 1000;

const jobs: string[] = [];
let running: MetricsApp | undefined;
afterEach(async () => {
  await running?.app.close();
  running = undefined;
  await Promise.all(jobs.splice(0).map((job) => cleanUpGroupEverywhere(job)));
});

/** A fresh app name and its one pod's job, cleaned up after the test. */
function names(what: string): { app: string; job: string } {
  const app = `alert-${what}-${process.pid}-${Date.now()}`;
  jobs.push(`${app}-pod-1`);
  return { app, job: `${app}-pod-1` };
}

/** The samples `expr` gives at `time`, as `{labels, value}`. */
function evaluate(expr: string, time: number) {
  return queryPrometheus(expr, { time });
}

describe('alert expressions against the stack (module, Pushgateways, Prometheus)', () => {
  it('NubiumMetricsAppNotPushing returns an app once its last accepted push is older than the threshold, and after its groups are deleted', async () => {
    const { app, job } = names('not-pushing');
    const expr = withThreshold(
      alertRule('NubiumMetricsAppNotPushing').expr,
      '> 120',
      `> ${THRESHOLD_S}`,
    );
    running = await createMetricsApp({ app, job });
    await running.pusher.pushNow();
    const before = now();
    const report = await running.pusher.pushNow();
    const after = now();
    expect(report.targets.every((t) => t.ok)).toBe(true);
    // The second push's successes reach the cache with the next push: the one on shutdown.
    await running.app.close();
    running = undefined;

    const selector = `nubium_metrics_push_last_success_timestamp_seconds{app="${app}"}`;
    await waitFor(
      async () => {
        const samples = await queryPrometheus(selector);
        return samples.some((s) => s.value >= before - 0.001) ? samples : undefined;
      },
      { what: `${selector} from the shutdown push in Prometheus`, timeoutMs: 15_000 },
    );
    expect((await evaluate(expr, after + 2)).filter((s) => s.metric.app === app)).toEqual([]);

    const fired = await waitFor(
      async () => {
        const at = now();
        const own = (await evaluate(expr, at)).filter((s) => s.metric.app === app);
        return own.length > 0 ? { at, own } : undefined;
      },
      {
        what: `${app} in NubiumMetricsAppNotPushing's expression`,
        timeoutMs: 30_000,
        intervalMs: 500,
      },
    );
    expect(fired.own).toHaveLength(1);
    expect(fired.own[0].metric).toEqual({ app });
    expect(fired.own[0].value).toBeGreaterThanOrEqual(fired.at - after - 0.01);
    expect(fired.own[0].value).toBeLessThanOrEqual(fired.at - before + 0.01);

    // What the sweeper does: the groups go, and their series leave instant queries.
    await cleanUpGroupEverywhere(job);
    await waitFor(async () => ((await queryPrometheus(selector)).length === 0 ? true : undefined), {
      what: `${selector} gone from Prometheus`,
      timeoutMs: 15_000,
    });
    expect((await evaluate(expr, now())).filter((s) => s.metric.app === app)).toHaveLength(1);
  });

  it("NubiumMetricsStaleGroupsNotSwept counts a module's group past the threshold since its last push, not another pusher's", async () => {
    const { app, job } = names('stale-group');
    const foreign = `${app}-nightly`;
    jobs.push(foreign);
    const full = withThreshold(
      alertRule('NubiumMetricsStaleGroupsNotSwept').expr,
      '> 1200',
      `> ${THRESHOLD_S}`,
    );
    // The groups themselves, before count() folds them into one number.
    const perGroup = /^\s*count\(([\s\S]*)\)\s*$/.exec(full)![1];
    running = await createMetricsApp({ app, job });
    const before = now();
    await running.app.close(); // its one push, on shutdown
    running = undefined;
    const after = now();
    for (const addr of PUSHGATEWAY_ADDRS) {
      expect(await pushRaw(addr, `job/${foreign}`, 'nightly_rows_exported 42\n')).toBe(200);
    }

    const stale = await waitFor(
      async () => {
        const at = now();
        const groups = await evaluate(perGroup, at);
        const foreignAged = await evaluate(
          `time() - push_time_seconds{job="${foreign}"} > ${THRESHOLD_S}`,
          at,
        );
        return groups.some((g) => g.metric.job === job) && foreignAged.length === 1
          ? { at, groups }
          : undefined;
      },
      {
        what: `${job} in NubiumMetricsStaleGroupsNotSwept's groups`,
        timeoutMs: 30_000,
        intervalMs: 500,
      },
    );
    const own = stale.groups.filter((g) => g.metric.job === job);
    expect(own.map((g) => g.metric)).toEqual([{ job }]);
    expect(own[0].value).toBeGreaterThanOrEqual(stale.at - after - 0.01);
    expect(own[0].value).toBeLessThanOrEqual(stale.at - before + 0.01);
    // The other pusher's group is past the threshold too, but it is not this module's.
    expect(stale.groups.filter((g) => g.metric.job === foreign)).toEqual([]);
    const [count] = await evaluate(full, stale.at);
    expect(count.value).toBeGreaterThanOrEqual(1);
  });
});
