import { describe, expect, it } from 'vitest';
import { resolveMetricsOptions } from '../../lib/metrics.options';
import { optionsFailure, POD_ENV } from '../support/options';

const env = POD_ENV;
const failure = optionsFailure;

describe('resolveMetricsOptions', () => {
  it('takes every value from the env vars of the original library', () => {
    const resolved = resolveMetricsOptions(
      {},
      {
        ...env,
        METRICS_PUSH_RATE: '15',
        METRICS_SERVICE_PORT: '9090',
        METRICS_POD_PORT: '9092',
      },
    );
    expect(resolved).toMatchObject({
      job: 'orders-7d9f-abcde',
      app: 'orders',
      pushRateSeconds: 15,
      serviceName: 'metrics-cache-headless.monitoring.svc.cluster.local',
      servicePort: 9090,
      podPort: 9092,
      pushEnabled: true,
      metricType: 'gauge',
      metricNames: {
        consumed: 'messages_consumed',
        produced: 'messages_produced',
        errors: 'messages_errors',
      },
      scheme: 'http',
    });
  });

  it('defaults the push rate to 10 s, the pod port to 9091 and the timeout to 5 s', () => {
    const resolved = resolveMetricsOptions({}, env);
    expect(resolved.pushRateSeconds).toBe(10);
    expect(resolved.podPort).toBe(9091);
    expect(resolved.pushTimeoutMs).toBe(5000);
    expect(resolved.servicePort).toBeUndefined();
  });

  it('prefers explicit options over env vars', () => {
    const resolved = resolveMetricsOptions(
      { job: 'j', app: 'a', pushRateSeconds: 2, podPort: 1234 },
      env,
    );
    expect(resolved).toMatchObject({
      job: 'j',
      app: 'a',
      pushRateSeconds: 2,
      podPort: 1234,
      pushTimeoutMs: 2000,
    });
  });

  it.each([
    ['job', 'HOSTNAME'],
    ['app', 'APP_NAME'],
  ])('fails naming %s and %s when it is missing', (option, envVar) => {
    const error = failure(() => resolveMetricsOptions({}, { ...env, [envVar]: undefined }));
    expect(error.option).toBe(option);
    expect(error.envVar).toBe(envVar);
    expect(error.message).toBe(
      `NubiumMetricsModule: option "${option}" (env ${envVar}) is required and was not set`,
    );
  });

  it('fails naming serviceName and METRICS_SERVICE_NAME when it is missing and pushing is enabled', () => {
    const error = failure(() =>
      resolveMetricsOptions(
        {},
        { ...env, METRICS_SERVICE_NAME: undefined, METRICS_PUSH_ENABLED: 'true' },
      ),
    );
    expect(error.option).toBe('serviceName');
    expect(error.envVar).toBe('METRICS_SERVICE_NAME');
    expect(error.message).toBe(
      'NubiumMetricsModule: option "serviceName" (env METRICS_SERVICE_NAME) is required and was not set: pushing is enabled by option "pushEnabled" (from env METRICS_PUSH_ENABLED)',
    );
  });

  it('does not need a service name when pushing is off', () => {
    const resolved = resolveMetricsOptions(
      { pushEnabled: false },
      { ...env, METRICS_SERVICE_NAME: '' },
    );
    expect(resolved.pushEnabled).toBe(false);
    expect(resolved.serviceName).toBe('');
  });

  it.each([
    ['METRICS_PUSH_RATE', 'ten', 'pushRateSeconds', 'must be a number, got "ten"'],
    ['METRICS_PUSH_RATE', '0', 'pushRateSeconds', 'must be at least 0.05, got "0"'],
    ['METRICS_PUSH_RATE', '-5', 'pushRateSeconds', 'must be at least 0.05, got "-5"'],
    ['METRICS_POD_PORT', '70000', 'podPort', 'must be at most 65535, got "70000"'],
    ['METRICS_POD_PORT', '90.5', 'podPort', 'must be a whole number, got "90.5"'],
    ['METRICS_POD_PORT', '9091abc', 'podPort', 'must be a number, got "9091abc"'],
    ['METRICS_SERVICE_PORT', '0', 'servicePort', 'must be at least 1, got "0"'],
    [
      'METRICS_SERVICE_NAME',
      'not a name!',
      'serviceName',
      'must be a DNS name or an IP address, got "not a name!"',
    ],
    ['METRICS_PUSH_ENABLED', 'maybe', 'pushEnabled', 'must be true or false, got "maybe"'],
  ])('rejects %s=%s naming the option', (envVar, value, option, reason) => {
    const error = failure(() => resolveMetricsOptions({}, { ...env, [envVar]: value }));
    expect(error.message).toBe(
      `NubiumMetricsModule: option "${option}" (from env ${envVar}) ${reason}`,
    );
  });

  it('rejects a push timeout longer than the push interval', () => {
    const error = failure(() =>
      resolveMetricsOptions({ pushRateSeconds: 1, pushTimeoutMs: 1500 }, env),
    );
    expect(error.message).toContain(
      '"pushTimeoutMs" must not exceed the push interval (1000 ms), got 1500',
    );
  });

  it.each([
    [{ metricType: 'histogram' as never }, 'metricType'],
    [{ metricNames: { consumed: 'messages consumed' } }, 'metricNames.consumed'],
    [{ metricNames: { consumed: 'x', produced: 'x' } }, 'metricNames'],
    [{ dnsServers: [] }, 'dnsServers'],
    [{ dnsServers: ['dns.example'] }, 'dnsServers'],
    [{ dnsServers: ['127.0.0.1:99999'] }, 'dnsServers'],
    [{ auth: { username: '', password: 'x' } }, 'auth.username'],
    [{ auth: { bearerToken: '' } }, 'auth.bearerToken'],
    [{ tls: { ca: '/nonexistent/ca.pem' } }, 'tls.ca'],
    [{ maxTopics: 0 }, 'maxTopics'],
    [{ job: 42 as never }, 'job'],
  ])('rejects %j naming %s', (options, option) => {
    expect(failure(() => resolveMetricsOptions(options, env)).option).toBe(option);
  });

  it('accepts DNS servers with and without ports, IPv4 and IPv6', () => {
    const servers = ['127.0.0.1:5353', '10.96.0.10', '[::1]:53', '::1'];
    expect(resolveMetricsOptions({ dnsServers: servers }, env).dnsServers).toEqual(servers);
  });

  it('uses https when TLS is configured and keeps PEM text as given', () => {
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const resolved = resolveMetricsOptions({ tls: { ca } }, env);
    expect(resolved.scheme).toBe('https');
    expect(resolved.tls).toMatchObject({ ca, rejectUnauthorized: true });
  });

  it('accepts an IP address as the service name', () => {
    expect(resolveMetricsOptions({ serviceName: '127.0.0.2' }, env).serviceName).toBe('127.0.0.2');
  });
});

describe('resolveMetricsOptions: grouping labels', () => {
  it('has no grouping label beyond job outside a node:cluster worker', () => {
    expect(resolveMetricsOptions({}, env, undefined).groupingLabels).toEqual({});
  });

  it("adds the node:cluster worker's id as `worker`", () => {
    expect(resolveMetricsOptions({}, env, 3).groupingLabels).toEqual({ worker: '3' });
  });

  it('keeps labels given in code, and a given `worker` over the cluster id', () => {
    expect(
      resolveMetricsOptions({ groupingLabels: { process: 'api', worker: 'w-a' } }, env, 2)
        .groupingLabels,
    ).toEqual({ process: 'api', worker: 'w-a' });
  });

  it.each([
    ['instance', 'must not be "instance"'],
    ['job', 'a label the module already sets'],
    ['topic', 'a label the module already sets'],
    ['__name', 'not a valid Prometheus label name'],
    ['bad-name', 'not a valid Prometheus label name'],
  ])('refuses the label name %s', (name, reason) => {
    const error = failure(() =>
      resolveMetricsOptions({ groupingLabels: { [name]: 'x' } }, env, undefined),
    );
    expect(error.option).toBe(`groupingLabels.${name}`);
    expect(error.message).toContain(reason);
  });

  it('refuses an empty value and a value that is not a string', () => {
    expect(
      failure(() => resolveMetricsOptions({ groupingLabels: { process: ' ' } }, env)).message,
    ).toContain('must be a non-empty string');
    expect(
      failure(() =>
        resolveMetricsOptions({ groupingLabels: { process: 7 as unknown as string } }, env),
      ).message,
    ).toContain('must be a non-empty string, got 7');
  });
});
