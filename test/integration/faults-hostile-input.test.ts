// Hostile input: job names and label values that need encoding or escaping, thousands of
// distinct exception types and topics, and bad options or env values at start-up. Every test
// has jobs of its own (suffixed with this run's id), so none reads what another left.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MetricsOptionsError, type MetricsModuleOptions } from '../../lib';
import { activeResources } from '../support/faults';
import { useFaultTestScope } from '../support/fault-scope';
import {
  findSample,
  queryPrometheus,
  readPushgateway,
  waitFor,
  type Sample,
} from '../support/stack';
import { PUSHGATEWAY_ADDRS } from '../support/stack-config';

const RUN = randomBytes(3).toString('hex');
const APP = 'faults-hostile-app';
const [POD0] = PUSHGATEWAY_ADDRS;
const JOB_WITH_SLASH = `faults-hostile/with/slashes-${RUN}`;
const JOB_WITH_SPACES = `faults-hostile with spaces ünïcødé ☃ 指標 ${RUN}`;
const JOB_CAPS = `faults-hostile-caps-${RUN}`;
const HOSTILE_TOPIC = 'quote" back\\slash\nnew line \\n} {x="y"}';
const HOSTILE_EXCEPTION = 'Err"or\\\n☃';

function promString(value: string): string {
  return JSON.stringify(value);
}

/** True when any pod holds a group of `job`. */
async function onAnyPod(job: string): Promise<boolean> {
  for (const addr of PUSHGATEWAY_ADDRS) {
    if (findSample(await readPushgateway(addr), 'push_time_seconds', { job }) !== undefined) {
      return true;
    }
  }
  return false;
}

describe('hostile input', () => {
  const scope = useFaultTestScope();

  it.each([
    ['with slashes', JOB_WITH_SLASH],
    ['with spaces and unicode', JOB_WITH_SPACES],
  ])(
    'reads back a job %s and escaped label values intact from every Pushgateway and from Prometheus',
    async (_, job) => {
      const m = await scope.createApp({ job, app: APP });
      m.manager.incMessagesConsumed(HOSTILE_TOPIC, 5);
      m.manager.incMessageErrorsOfType(HOSTILE_EXCEPTION, 2);

      const report = await m.pusher.pushNow();

      expect(report.succeeded).toBe(3);
      for (const addr of PUSHGATEWAY_ADDRS) {
        const samples = await readPushgateway(addr);
        expect(
          findSample(samples, 'messages_consumed', { job, app: APP, topic: HOSTILE_TOPIC }),
        ).toBe(5);
        expect(
          findSample(samples, 'messages_errors', { job, app: APP, exception: HOSTILE_EXCEPTION }),
        ).toBe(2);
        expect(findSample(samples, 'push_time_seconds', { job })).toBeGreaterThan(0);
      }
      const series = await waitFor(
        async () => {
          const found = await queryPrometheus(`messages_consumed{job=${promString(job)}}`);
          return found.length > 0 && found.every((s) => s.value === 5) ? found : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 250, what: `messages_consumed of ${job} in Prometheus` },
      );
      for (const s of series)
        expect(s.metric).toMatchObject({ job, app: APP, topic: HOSTILE_TOPIC });
      const errors = await queryPrometheus(`messages_errors{job=${promString(job)}}`);
      expect(errors.length).toBeGreaterThan(0);
      for (const s of errors) expect(s.metric).toMatchObject({ job, exception: HOSTILE_EXCEPTION });
    },
  );

  it('caps thousands of distinct exception types and topics under __overflow__, and the counts still sum right', async () => {
    const m = await scope.createApp({
      job: JOB_CAPS,
      app: APP,
      maxExceptionTypes: 50,
      maxTopics: 20,
    });
    let errors = 0;
    let overflowErrors = 0;
    for (let i = 0; i < 5000; i++) {
      const n = (i % 7) + 1;
      m.manager.incMessageErrorsOfType(`GeneratedError${i}`, n);
      errors += n;
      if (i >= 50) overflowErrors += n;
    }
    let consumed = 0;
    for (let i = 0; i < 2000; i++) {
      m.manager.incMessagesConsumed(`faults.topic.${i}`, (i % 3) + 1);
      consumed += (i % 3) + 1;
    }

    expect((await m.pusher.pushNow()).succeeded).toBe(3);

    const samples = await readPushgateway(POD0);
    const of = (name: string): Sample[] =>
      samples.filter((s) => s.name === name && s.labels.job === JOB_CAPS);
    expect(of('messages_errors')).toHaveLength(51);
    expect(of('messages_errors').reduce((sum, s) => sum + s.value, 0)).toBe(errors);
    expect(
      findSample(samples, 'messages_errors', { job: JOB_CAPS, exception: '__overflow__' }),
    ).toBe(overflowErrors);
    expect(of('messages_consumed')).toHaveLength(21);
    expect(of('messages_consumed').reduce((sum, s) => sum + s.value, 0)).toBe(consumed);
    expect(m.logs.text()).toContain('more than 50 distinct "exception" values');

    // The pods push the same series (the stack's scrape config keeps the pushed, empty instance).
    await waitFor(
      async () => {
        const [sum] = await queryPrometheus(`sum(messages_errors{job="${JOB_CAPS}"})`);
        const [count] = await queryPrometheus(`count(messages_errors{job="${JOB_CAPS}"})`);
        return sum?.value === errors && count?.value === 51 ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 250, what: 'capped error counts in Prometheus' },
    );
    const [overflow] = await queryPrometheus(
      `messages_errors{job="${JOB_CAPS}",exception="__overflow__"}`,
    );
    expect(overflow.value).toBe(overflowErrors);
  });

  const badOptions: Array<[string, MetricsModuleOptions, Record<string, string>]> = [
    ['pushRateSeconds', { pushRateSeconds: -1 }, {}],
    ['pushRateSeconds', { pushRateSeconds: undefined }, { METRICS_PUSH_RATE: 'ten' }],
    ['pushTimeoutMs', { pushRateSeconds: 1, pushTimeoutMs: 5000 }, {}],
    ['serviceName', { serviceName: 'not a host name!' }, {}],
    [
      'serviceName',
      { serviceName: undefined },
      { METRICS_SERVICE_NAME: '', METRICS_PUSH_ENABLED: 'true' },
    ],
    ['podPort', {}, { METRICS_POD_PORT: '70000' }],
    ['servicePort', {}, { METRICS_SERVICE_PORT: 'http' }],
    ['pushEnabled', {}, { METRICS_PUSH_ENABLED: 'maybe' }],
    ['dnsServers', { dnsServers: ['dns.example'] }, {}],
    ['dnsTimeoutMs', { dnsTimeoutMs: 0 }, {}],
    ['shutdownTimeoutMs', { shutdownTimeoutMs: 1.5 }, {}],
    ['maxExceptionTypes', { maxExceptionTypes: 0 }, {}],
    ['maxTopics', { maxTopics: Number.NaN }, {}],
    ['metricType', { metricType: 'histogram' as never }, {}],
    ['metricNames.consumed', { metricNames: { consumed: 'messages consumed' } }, {}],
    ['scheme', { scheme: 'ftp' as never }, {}],
    ['auth.username', { auth: { username: 'a:b', password: 'secret-never-shown' } }, {}],
    ['auth.bearerToken', { auth: { bearerToken: '' } }, {}],
    ['tls.ca', { tls: { ca: '/nonexistent/ca.pem' } }, {}],
    ['app', { app: '' }, { APP_NAME: '' }],
  ];

  it.each(badOptions.map(([option, options, env], i) => [option, options, env, i] as const))(
    'fails start-up naming %s, before any timer or request, and never pushes',
    async (option, options, env, i) => {
      const job = `faults-hostile-bad-${RUN}-${i}`;
      const fence = `faults-hostile-fence-${RUN}-${i}`;
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      const before = activeResources();
      let error: unknown;
      let after: Record<string, number>;
      try {
        error = await scope
          .createApp({ job, app: APP, pushRateSeconds: 0.1, pushTimeoutMs: 50, ...options })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        after = activeResources();
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }

      expect(error).toBeInstanceOf(MetricsOptionsError);
      expect((error as MetricsOptionsError).option).toBe(option);
      expect((error as Error).message).toContain(`"${option}"`);
      for (const envVar of Object.keys(env)) expect((error as Error).message).toContain(envVar);
      expect((error as Error).message).not.toContain('secret-never-shown');
      expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0);
      expect(after.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0);

      // A fence: an app started after the failed one, with the same push interval, pushes its
      // own group. Once every pod holds it, an interval the failed app had started would have
      // pushed too; its job must be on no pod.
      await scope.createApp({ job: fence, app: APP, pushRateSeconds: 0.1, pushTimeoutMs: 50 });
      await waitFor(
        async () => {
          for (const addr of PUSHGATEWAY_ADDRS) {
            const samples = await readPushgateway(addr);
            if (findSample(samples, 'push_time_seconds', { job: fence }) === undefined) return;
          }
          return true;
        },
        { timeoutMs: 5_000, intervalMs: 50, what: `the fence app's push on every pod` },
      );
      expect(await onAnyPod(job)).toBe(false);
    },
  );
});
