// The alerting rules of deploy/prometheus, checked by promtool: `promtool check rules` on
// alerts.yaml and on the PrometheusRule's spec, and `promtool test rules` on each file of
// test/rules/, whose cases make every alert fire and stay quiet. The rules are also held to what
// the module pushes (metric and label names from lib/'s own metrics), to deploy/ (the scrape
// jobs, the sweeper's container and TTL) and to docs/alerts.md (a section per alert).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConsumerLagGauge } from '../../lib/kafka/consumer-lag';
import { DEFAULT_LAG_METRIC_NAME } from '../../lib/kafka/kafka.constants';
import { SecondsBehindGauge } from '../../lib/kafka/seconds-behind.gauge';
import { MetricsManager } from '../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../lib/metrics.options';
import { PushMetrics } from '../../lib/pusher/push-metrics';
import { ALERT_RULES, ALERTS_FILE, alertRule, type RuleFile } from '../support/alert-rules';
import { DEPLOY, kustomize, requireKubectl, ROOT } from '../support/kustomize';
import { expectPromtoolPassed, promtool } from '../support/promtool';

interface RuleTestFile {
  rule_files: string[];
  tests: Array<{
    input_series: Array<{ series: string }>;
    alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }>;
  }>;
}

const PROMETHEUS_RULE = resolve(DEPLOY, 'prometheus/alerts.prometheusrule.yaml');
const RULE_TESTS = resolve(ROOT, 'test/rules');
const DOCS = resolve(ROOT, 'docs/alerts.md');
const RUNBOOK = 'https://github.com/nubium/nubium-metrics-nestjs/blob/main/docs/alerts.md#';

const rules = ALERT_RULES;
const allRules = rules.groups.flatMap((g) => g.rules);
const alerts = allRules.filter((r) => r.alert !== undefined);
const ruleTestFiles = readdirSync(RULE_TESTS).filter((f) => f.endsWith('.test.yaml'));
const ruleTests = ruleTestFiles.map((f) => ({
  file: f,
  spec: parse(readFileSync(join(RULE_TESTS, f), 'utf8')) as RuleTestFile,
}));

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'nubium-alert-rules-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('deploy/prometheus alerting rules, through promtool', () => {
  it('passes promtool check rules: alerts.yaml', async () => {
    expectPromtoolPassed(await promtool(['check', 'rules', ALERTS_FILE]), 'promtool check rules');
  });

  it("passes promtool check rules: the PrometheusRule's spec", async () => {
    const { spec } = parse(readFileSync(PROMETHEUS_RULE, 'utf8')) as { spec: RuleFile };
    const file = join(scratch, 'prometheusrule-spec.yaml');
    writeFileSync(file, stringify(spec));
    expectPromtoolPassed(await promtool(['check', 'rules', file]), 'promtool check rules');
  });

  it('holds the same groups and rules in the PrometheusRule as in alerts.yaml', () => {
    const { spec } = parse(readFileSync(PROMETHEUS_RULE, 'utf8')) as { spec: RuleFile };
    expect(
      spec.groups,
      'alerts.prometheusrule.yaml differs from alerts.yaml: edit its spec.groups alike',
    ).toEqual(rules.groups);
  });

  it.each(ruleTestFiles)('passes promtool test rules test/rules/%s', async (file) => {
    const result = await promtool(['test', 'rules', join(RULE_TESTS, file)]);
    expectPromtoolPassed(result, `promtool test rules test/rules/${file}`);
  });

  it('has a test case where each alert fires and one where it stays quiet', () => {
    const cases = ruleTests.flatMap(({ spec }) =>
      spec.tests.flatMap((t) => t.alert_rule_test ?? []),
    );
    for (const { alert } of alerts) {
      const own = cases.filter((c) => c.alertname === alert);
      expect(
        own.some((c) => c.exp_alerts.length > 0),
        `${alert}: a case that fires`,
      ).toBe(true);
      expect(
        own.some((c) => c.exp_alerts.length === 0),
        `${alert}: a case that stays quiet`,
      ).toBe(true);
    }
    expect(
      ruleTests.every(({ spec }) => spec.rule_files[0] === '../../deploy/prometheus/alerts.yaml'),
    ).toBe(true);
  });

  it("fails the test of a rule broken on purpose, with promtool's output naming the alert", async () => {
    // NubiumMetricsAppNotPushing's threshold raised out of reach: its firing cases stop firing.
    const text = readFileSync(ALERTS_FILE, 'utf8');
    const broken = text.replace(/\n(\s*)> 120\n/, '\n$1> 100000\n');
    expect(broken).not.toBe(text);
    writeFileSync(join(scratch, 'alerts.yaml'), broken);
    const test = readFileSync(join(RULE_TESTS, 'app-not-pushing.test.yaml'), 'utf8');
    const testFile = join(scratch, 'app-not-pushing.test.yaml');
    writeFileSync(testFile, test.replace('../../deploy/prometheus/alerts.yaml', 'alerts.yaml'));

    const result = await promtool(['test', 'rules', testFile]);
    expect(result.code).toBe(1);
    expect(() => expectPromtoolPassed(result, 'promtool test rules')).toThrowError(
      /FAILED[\s\S]*alertname: NubiumMetricsAppNotPushing/,
    );
  });
});

/** Names of the metrics a PromQL expression reads: identifiers that are not functions or keywords. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset']);
  const names = [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter(([, name, call]) => call === undefined && !keywords.has(name))
    .map(([, name]) => name);
  return [...new Set(names)];
}

/** Label names an expression names: in by/without/on/ignoring/group_* lists and in matchers. */
function labelNames(expr: string): string[] {
  const listed = [
    ...expr.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g),
  ]
    .flatMap(([, list]) => list.split(','))
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const matched = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap(([, body]) =>
    [...body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map(([, l]) => l),
  );
  return [...new Set([...listed, ...matched])];
}

/** A series of a promtool test file, `name{label="value", ...}`: its name and label names. */
function seriesOf(series: string): { name: string; labels: string[] } {
  const [, name, body = ''] = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(series.trim())!;
  return { name, labels: [...body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=/g)].map(([, l]) => l) };
}

/**
 * Every metric the module puts in a registry, with its label names, read from lib/'s own metric
 * classes: the standard three, the pusher's own, the lag and the time-behind gauges.
 */
function moduleMetrics(): Map<string, string[]> {
  const options = resolveMetricsOptions({ job: 'pod-1', app: 'orders', pushEnabled: false }, {});
  const registry = new Registry();
  const manager = new MetricsManager(options, registry);
  new PushMetrics(registry, options.app, options.pushRateSeconds);
  SecondsBehindGauge.of(manager);
  ConsumerLagGauge.of(manager, DEFAULT_LAG_METRIC_NAME);
  // prom-client keeps each metric's label names on it; its type declarations leave them out.
  const metrics = registry.getMetricsAsArray() as unknown as Array<{
    name: string;
    labelNames: string[];
  }>;
  return new Map(metrics.map((m) => [m.name, [...m.labelNames]]));
}

describe('the metrics and labels the rules read', () => {
  // Labels every series gains on its way: the push group's job (and grouping labels such as
  // worker), a scrape target's instance.
  const ADDED = ['job', 'instance', 'worker'];
  // Series from elsewhere: the Pushgateway's per group, Prometheus's per target,
  // kube-state-metrics' per container.
  const EXTERNAL: Record<string, string[]> = {
    push_time_seconds: ['job', 'instance', 'worker'],
    up: ['job', 'instance'],
    kube_pod_container_status_restarts_total: ['namespace', 'pod', 'container', 'uid'],
    kube_pod_container_status_ready: ['namespace', 'pod', 'container', 'uid'],
  };
  let known: Map<string, string[]>;
  beforeAll(() => {
    known = new Map(Object.entries(EXTERNAL));
    for (const [name, labels] of moduleMetrics()) known.set(name, [...labels, ...ADDED]);
    for (const r of allRules.filter((r) => r.record !== undefined)) {
      known.set(r.record!, /\bby\s*\(([^)]*)\)/.exec(r.expr)![1].split(/\s*,\s*/));
    }
  });

  it('reads the module metrics under the names lib/ gives them, and no metric nobody makes', () => {
    const read = allRules.flatMap((r) => metricNames(r.expr));
    expect(read.filter((name) => !known.has(name))).toEqual([]);
    expect(new Set(read)).toEqual(
      new Set([
        'nubium_metrics_push_last_success_timestamp_seconds',
        'nubium_metrics_push_interval_seconds',
        'nubium_metrics_push_failures_total',
        'messages_consumed',
        'messages_errors',
        'kafka_consumer_offset_lag',
        'seconds_behind',
        'app_topic:kafka_consumer_offset_lag:sum',
        ...Object.keys(EXTERNAL),
      ]),
    );
  });

  it('names only labels that the metrics each rule reads carry', () => {
    for (const r of allRules) {
      const carried = new Set(metricNames(r.expr).flatMap((name) => known.get(name) ?? []));
      const unknown = labelNames(r.expr).filter((l) => !carried.has(l));
      expect(unknown, `${r.alert ?? r.record}: labels none of its metrics carry`).toEqual([]);
    }
  });

  it('feeds the promtool tests series of the metrics the rules read with the labels those carry', () => {
    const read = new Set(allRules.flatMap((r) => metricNames(r.expr)));
    for (const { file, spec } of ruleTests) {
      for (const input of spec.tests.flatMap((t) => t.input_series)) {
        const { name, labels } = seriesOf(input.series);
        if (!read.has(name)) continue;
        const carried = new Set(known.get(name));
        expect(
          labels.filter((l) => !carried.has(l)),
          `test/rules/${file}: ${input.series}`,
        ).toEqual([]);
      }
    }
  });
});

describe('the rules against deploy/ and docs/alerts.md', () => {
  it("matches the cache's scrape jobs, pod names and sweeper container, and outlasts the sweeper's TTL", async () => {
    await requireKubectl();
    const dirs = [
      DEPLOY,
      ...readdirSync(resolve(DEPLOY, 'shards')).map((d) => resolve(DEPLOY, 'shards', d)),
    ];
    const scrapeExpr = alertRule('NubiumMetricsCacheScrapeFailing').expr;
    const jobPattern = new RegExp(`^(?:${/up\{job=~"([^"]+)"\}/.exec(scrapeExpr)![1]})$`);
    const sweeperExpr = alertRule('NubiumMetricsSweeperCrashing').expr;
    const [, container, pods] = /container="([^"]+)", pod=~"([^"]+)"/.exec(sweeperExpr)!;
    const podPattern = new RegExp(`^(?:${pods})$`);
    const threshold = Number(
      /> (\d+)\)/.exec(alertRule('NubiumMetricsStaleGroupsNotSwept').expr)![1],
    );

    interface Built {
      kind: string;
      metadata: { name: string };
      data?: Record<string, string>;
      spec?: {
        replicas?: number;
        template?: { spec: { containers: Array<{ name: string; args?: string[] }> } };
      };
    }
    for (const dir of dirs) {
      const objects = await kustomize<Built>(dir);
      const jobs = objects
        .filter((o) => o.kind === 'ConfigMap' && o.data?.['scrape-config.yaml'])
        .flatMap(
          (o) =>
            (
              parse(o.data!['scrape-config.yaml']) as {
                scrape_configs: Array<{ job_name: string }>;
              }
            ).scrape_configs,
        )
        .map((c) => c.job_name);
      expect(jobs.length, dir).toBeGreaterThan(0);
      for (const job of jobs)
        expect(job, `${dir}: scrape job vs ${jobPattern}`).toMatch(jobPattern);

      const cache = objects.find((o) => o.kind === 'StatefulSet')!;
      for (let i = 0; i < cache.spec!.replicas!; i++) {
        expect(`${cache.metadata.name}-${i}`, `pod name vs ${podPattern}`).toMatch(podPattern);
      }
      const sweeper = cache.spec!.template!.spec.containers.find((c) => c.name === container);
      expect(sweeper, `${dir}: a container named ${container}`).toBeDefined();
      const args = sweeper!.args!;
      const seconds = (flag: string): number => {
        const [, n, unit] = /^(\d+)([smh])$/.exec(args[args.indexOf(flag) + 1])!;
        return Number(n) * { s: 1, m: 60, h: 3600 }[unit as 's' | 'm' | 'h'];
      };
      // A dead group lasts up to --ttl + --every, and the rule looks 5 minutes back.
      expect(seconds('--ttl') + seconds('--every') + 300, dir).toBeLessThan(threshold);
    }
  });

  it('gives every alert a severity, a summary, a description and a runbook link to its section of docs/alerts.md', () => {
    const headings = new Set(
      [...readFileSync(DOCS, 'utf8').matchAll(/^#{2,4} (\S+)$/gm)].map(([, h]) => h),
    );
    for (const { alert, labels, annotations } of alerts) {
      expect(['critical', 'warning'], `${alert}: severity`).toContain(labels?.severity);
      expect(annotations?.summary, `${alert}: summary`).toBeTruthy();
      expect(annotations?.description, `${alert}: description`).toBeTruthy();
      expect(annotations?.runbook_url).toBe(`${RUNBOOK}${alert!.toLowerCase()}`);
      expect(headings.has(alert!), `docs/alerts.md: a heading ${alert}`).toBe(true);
    }
  });
});
