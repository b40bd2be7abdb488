// Installs the packed library into a CommonJS Nest 11 app on Express and an ESM Nest 12 app on
// Fastify (test/compat/run.sh). Each boots forRootAsync with @nestjs/config's ConfigService, whose
// values are env strings, and pushes to a real Pushgateway what it counted by hand and what its
// @EventPattern handler consumed through the Nest version's own Kafka transport, with the lag,
// seconds_behind and the processing-time histogram. The Nest 12 app also boots as on a developer's
// machine, with no HOSTNAME and no METRICS_SERVICE_NAME. Every value below was read back by run.sh
// from the app's own /metrics or from a Pushgateway. Needs `bash scripts/stack.sh up` and
// `bash scripts/kafka.sh up`.
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const RUN_SCRIPT = resolve(__dirname, '../compat/run.sh');

/** What an app printed: its options, its own /metrics, its Kafka handler and its push. */
interface AppReport {
  app: string;
  options?: {
    given: Record<string, unknown>;
    resolved: { pushRateSeconds: unknown; pushEnabled: unknown; job: string };
  };
  laptop?: { hostname: string };
  endpoint: { status: number; served?: string };
  kafka?: { topic: string; handled: number; consumed: number; lag?: string };
  push: { ok: boolean; succeeded?: number; skipped?: string; targets?: number };
}

describe('the packed package in throwaway apps', () => {
  let output = '';

  // One pack and one install per app for the whole file: the slow part, done once.
  beforeAll(async () => {
    try {
      const { stdout } = await promisify(execFile)('bash', [RUN_SCRIPT], {
        timeout: 240_000,
        maxBuffer: 4 << 20,
      });
      output = stdout;
    } catch (e) {
      const { stdout, stderr, message } = e as {
        stdout?: string;
        stderr?: string;
        message: string;
      };
      throw new Error(`test/compat/run.sh failed: ${message}\n${stdout ?? ''}\n${stderr ?? ''}`);
    }
  }, 300_000);

  function reports(): AppReport[] {
    return output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as AppReport);
  }

  function appReport(app: string): AppReport {
    const report = reports().find((r) => r.app === app);
    if (report === undefined) throw new Error(`no report of ${app} in:\n${output}`);
    return report;
  }

  /** The value of the one sample of `metric` run.sh read back for `job` with every `labels` pair. */
  function held(metric: string, job: string, labels: Record<string, string> = {}): number {
    const pairs = [`job="${job}"`, ...Object.entries(labels).map(([k, v]) => `${k}="${v}"`)];
    const lines = output
      .split('\n')
      .filter((l) => / holds \S+\{/.test(l) && l.split(' holds ')[1].startsWith(`${metric}{`))
      .filter((l) => pairs.every((pair) => l.includes(pair)));
    expect(lines, `${metric} ${pairs.join(',')} read back from a Pushgateway`).toHaveLength(1);
    return Number(lines[0].slice(lines[0].lastIndexOf(' ') + 1));
  }

  /** The app `name` took its options from ConfigService as strings, pushed, and its count is held. */
  function expectConfiguredAndPushed(name: string, nestMajor: number): void {
    const app = `compat-${name}`;
    expect(output).toMatch(new RegExp(`compat: ${name} installed @nestjs/core ${nestMajor}\\.`));
    const report = appReport(app);
    expect(report.options?.given).toEqual({
      app,
      serviceName: expect.any(String) as unknown,
      pushRateSeconds: '3600',
      pushEnabled: 'true',
    });
    expect(report.options?.resolved).toMatchObject({ pushRateSeconds: 3600, pushEnabled: true });
    // The job is run.sh's HOSTNAME for the app, unique to the run.
    const job = report.options!.resolved.job;
    expect(job).toMatch(new RegExp(`^${app}-\\d+-\\d+$`));
    expect(report.endpoint.status).toBe(200);
    expect(report.endpoint.served).toMatch(new RegExp(`job="${job}".* 3$`));
    expect(report.push).toEqual({ ok: true, succeeded: 3 });
    expect(held('compat_messages_consumed', job, { app, topic: `compat.${name}` })).toBe(3);
    // The string '3600' pushed as the number it parses to.
    expect(held('nubium_metrics_push_interval_seconds', job, { app })).toBe(3600);
  }

  /** The app `name`'s handler's messages are counted once each, with lag, age and processing time held. */
  function expectKafkaPushed(name: string, messages: number): void {
    const app = `compat-${name}`;
    const report = appReport(app);
    const job = report.options!.resolved.job;
    const topic = report.kafka!.topic;
    expect(topic.startsWith(`compat.${name}.kafka-`)).toBe(true);
    expect(report.kafka).toMatchObject({ handled: messages, consumed: messages });
    expect(held('compat_messages_consumed', job, { app, topic })).toBe(messages);
    // One partition, every message of it consumed.
    expect(held('kafka_consumer_offset_lag', job, { app, topic, partition: '0' })).toBe(0);
    const behind = held('seconds_behind', job, { app });
    expect(behind).toBeGreaterThan(0);
    expect(behind).toBeLessThan(60);
    expect(held('message_processing_seconds_count', job, { app, topic })).toBe(messages);
    expect(held('message_processing_seconds_bucket', job, { app, topic, le: '+Inf' })).toBe(
      messages,
    );
    expect(held('message_processing_seconds_sum', job, { app, topic })).toBeGreaterThan(0);
    // run.sh checked that there are several buckets, never decreasing.
    expect(output).toMatch(
      new RegExp(
        `holds \\d+ message_processing_seconds_bucket samples of ${topic.replace(/\./g, '\\.')}$`,
        'm',
      ),
    );
  }

  it("a CommonJS Nest 11 app on Express boots forRootAsync with ConfigService's string options from the tarball, serves /metrics and its count reaches the Pushgateway", () => {
    expectConfiguredAndPushed('nest11-cjs', 11);
  });

  it("in that Nest 11 app, an @EventPattern handler's messages through Nest 11's Kafka transport are counted once per delivery, and the lag (0), seconds_behind and processing time reach the Pushgateway", () => {
    expectKafkaPushed('nest11-cjs', 5);
  });

  it("an ESM Nest 12 app on Fastify imports the CommonJS build, boots forRootAsync with ConfigService's string options, serves /metrics and its count reaches the Pushgateway", () => {
    expectConfiguredAndPushed('nest12-esm', 12);
  });

  it("in that Nest 12 app, an @EventPattern handler's messages through Nest 12's Kafka transport are counted once per delivery, and the lag (0), seconds_behind and processing time reach the Pushgateway", () => {
    expectKafkaPushed('nest12-esm', 4);
  });

  it("on a developer's machine (no HOSTNAME, no METRICS_SERVICE_NAME) the Nest 12 app starts with one warning naming METRICS_SERVICE_NAME and METRICS_PUSH_ENABLED, counts under the host name, and pushNow() reports an intended skip (ok) and pushes nothing", () => {
    const report = reports().find((r) => r.laptop !== undefined);
    if (report === undefined) throw new Error(`no laptop report in:\n${output}`);
    expect(report.laptop?.hostname).toBe(hostname());
    expect(report.endpoint.served).toBe(
      `messages_consumed{app="${report.app}",job="${hostname()}",topic="compat.laptop"} 3`,
    );
    expect(report.push).toEqual({ skipped: 'no-service-name', targets: 0, ok: true });
    expect(output).toMatch(
      /compat: nest12-esm on a laptop warned once: .*WARN.*METRICS_SERVICE_NAME.*METRICS_PUSH_ENABLED/,
    );
    const absent = output
      .split('\n')
      .filter((l) => l.endsWith(` holds no sample of app ${report.app}`));
    expect(absent).toHaveLength(3);
  });
});
