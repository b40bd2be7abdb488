import { describe, expect, it } from 'vitest';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import { optionsFailure, POD_ENV } from '../../support/options';

const env = POD_ENV;
const failure = optionsFailure;

describe('options given as strings in code', () => {
  it('parses numbers and booleans given as strings, as ConfigService hands them out', () => {
    const resolved = resolveMetricsOptions(
      {
        pushRateSeconds: '15',
        podPort: '9092',
        servicePort: ' 8080 ',
        pushTimeoutMs: '1500',
        dnsTimeoutMs: '250',
        shutdownTimeoutMs: '3000',
        maxTopics: '20',
        maxExceptionTypes: '7',
        pushEnabled: 'false',
        deleteOnShutdown: 'YES',
      },
      env,
    );
    expect(resolved).toMatchObject({
      pushRateSeconds: 15,
      podPort: 9092,
      servicePort: 8080,
      pushTimeoutMs: 1500,
      dnsTimeoutMs: 250,
      shutdownTimeoutMs: 3000,
      maxTopics: 20,
      maxExceptionTypes: 7,
      pushEnabled: false,
      deleteOnShutdown: true,
    });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['on', true],
    ['off', false],
    ['0', false],
    ['no', false],
  ])('reads pushEnabled %j as %s', (given, expected) => {
    expect(resolveMetricsOptions({ pushEnabled: given }, env).pushEnabled).toBe(expected);
  });

  // The rejections of env values in metrics.options.test.ts, given in code instead: the same
  // reason, with the value's origin "given in code".
  it.each([
    ['pushRateSeconds', 'METRICS_PUSH_RATE', 'ten', 'must be a number, got "ten"'],
    ['pushRateSeconds', 'METRICS_PUSH_RATE', '0', 'must be at least 0.05, got "0"'],
    ['podPort', 'METRICS_POD_PORT', '70000', 'must be at most 65535, got "70000"'],
    ['podPort', 'METRICS_POD_PORT', '90.5', 'must be a whole number, got "90.5"'],
    ['podPort', 'METRICS_POD_PORT', '9091abc', 'must be a number, got "9091abc"'],
    ['servicePort', 'METRICS_SERVICE_PORT', '0', 'must be at least 1, got "0"'],
    ['pushEnabled', 'METRICS_PUSH_ENABLED', 'maybe', 'must be true or false, got "maybe"'],
  ])('refuses %s: %j in code as its env var would be refused', (option, envVar, value, reason) => {
    const inCode = failure(() => resolveMetricsOptions({ [option]: value }, env));
    const inEnv = failure(() => resolveMetricsOptions({}, { ...env, [envVar]: value }));
    expect(inCode.message).toBe(
      `NubiumMetricsModule: option "${option}" (given in code) ${reason}`,
    );
    expect(inEnv.message).toBe(
      `NubiumMetricsModule: option "${option}" (from env ${envVar}) ${reason}`,
    );
    expect([inCode.source, inEnv.source]).toEqual(['code', 'env']);
    expect([inCode.envVar, inEnv.envVar]).toEqual([envVar, envVar]);
  });

  it('blames a bad number given in code on the code, not on the env var', () => {
    const error = failure(() => resolveMetricsOptions({ podPort: 70000 }, env));
    expect(error.message).toBe(
      'NubiumMetricsModule: option "podPort" (given in code) must be at most 65535, got 70000',
    );
    expect(error).toMatchObject({ option: 'podPort', envVar: 'METRICS_POD_PORT', source: 'code' });
  });

  it('blames a bad env value on the env var', () => {
    const error = failure(() => resolveMetricsOptions({}, { ...env, METRICS_POD_PORT: '70000' }));
    expect(error.message).toBe(
      'NubiumMetricsModule: option "podPort" (from env METRICS_POD_PORT) must be at most 65535, got "70000"',
    );
    expect(error.source).toBe('env');
  });

  it('does not read the env var when the option is given in code', () => {
    const resolved = resolveMetricsOptions(
      { podPort: '9093' },
      { ...env, METRICS_POD_PORT: 'garbage' },
    );
    expect(resolved.podPort).toBe(9093);
    expect(resolved.sources.podPort).toBe('code');
  });

  it('takes a blank string in code as not given: the env var, then the default, applies', () => {
    const fromEnv = resolveMetricsOptions(
      { pushRateSeconds: '', podPort: '  ', pushEnabled: '' },
      { ...env, METRICS_PUSH_RATE: '15' },
    );
    expect(fromEnv).toMatchObject({ pushRateSeconds: 15, podPort: 9091, pushEnabled: true });
    expect(fromEnv.sources).toMatchObject({
      pushRateSeconds: 'env',
      podPort: 'default',
      pushEnabled: 'default',
    });
  });

  it('refuses values that are neither the type nor a string', () => {
    expect(failure(() => resolveMetricsOptions({ pushEnabled: 1 as never }, env)).message).toBe(
      'NubiumMetricsModule: option "pushEnabled" (given in code) must be true or false, got 1',
    );
    expect(failure(() => resolveMetricsOptions({ maxTopics: [3] as never }, env)).message).toBe(
      'NubiumMetricsModule: option "maxTopics" must be a number, got [3]',
    );
  });

  it('does not take exponents, hex or Infinity for numbers, in code or env', () => {
    for (const value of ['1e3', '0x10', 'Infinity']) {
      expect(failure(() => resolveMetricsOptions({ maxTopics: value }, env)).message).toContain(
        `must be a number, got "${value}"`,
      );
    }
  });

  it('reports where each value came from', () => {
    const resolved = resolveMetricsOptions(
      { app: 'from-code', pushRateSeconds: 3 },
      { ...env, METRICS_POD_PORT: '9095' },
    );
    expect(resolved.sources).toMatchObject({
      app: 'code',
      pushRateSeconds: 'code',
      podPort: 'env',
      job: 'env',
      servicePort: 'default',
      pushTimeoutMs: 'default',
      metricNames: 'default',
    });
  });
});

describe('metric names checked with prom-client', () => {
  it('accepts colons and underscores, as Prometheus does', () => {
    expect(
      resolveMetricsOptions({ metricNames: { consumed: 'ns:messages_in', errors: '_e' } }, env)
        .metricNames,
    ).toEqual({ consumed: 'ns:messages_in', produced: 'messages_produced', errors: '_e' });
  });

  it.each(['1st', 'messages-consumed', 'messages consumed', ''])('refuses %j', (name) => {
    const error = failure(() => resolveMetricsOptions({ metricNames: { consumed: name } }, env));
    expect(error.option).toBe('metricNames.consumed');
    expect(error.message).toBe(
      `NubiumMetricsModule: option "metricNames.consumed" must be a valid Prometheus metric name, got ${JSON.stringify(name)}`,
    );
  });

  it('refuses a default metrics prefix that cannot start a metric name', () => {
    expect(
      failure(() => resolveMetricsOptions({ defaultMetrics: { prefix: '9_' } }, env)).option,
    ).toBe('defaultMetrics.prefix');
  });
});
