import { describe, expect, it } from 'vitest';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import { optionsFailure, POD_ENV } from '../../support/options';

const VMAGENT_ENV = { ...POD_ENV, METRICS_PUSH_PROTOCOL: 'victoriametrics' };

describe('resolveMetricsOptions: pushProtocol and pushPath', () => {
  it('pushes to Pushgateways on 9091 by default, with no import path', () => {
    const resolved = resolveMetricsOptions({}, POD_ENV);
    expect(resolved).toMatchObject({ pushProtocol: 'pushgateway', pushPath: '', podPort: 9091 });
    expect(resolved.sources).toMatchObject({ pushProtocol: 'default', pushPath: 'default' });
  });

  it("defaults to vmagent's port 8429 and its import path with victoriametrics from the env", () => {
    const resolved = resolveMetricsOptions({}, VMAGENT_ENV);
    expect(resolved).toMatchObject({
      pushProtocol: 'victoriametrics',
      pushPath: '/api/v1/import/prometheus',
      podPort: 8429,
    });
    expect(resolved.sources.pushProtocol).toBe('env');
  });

  it('takes a vminsert path and a pod port from the env, and the protocol from code', () => {
    const resolved = resolveMetricsOptions(
      { pushProtocol: 'victoriametrics' },
      {
        ...POD_ENV,
        METRICS_PUSH_PATH: '/insert/42:7/prometheus/api/v1/import/prometheus',
        METRICS_POD_PORT: '8480',
      },
    );
    expect(resolved).toMatchObject({
      pushPath: '/insert/42:7/prometheus/api/v1/import/prometheus',
      podPort: 8480,
    });
  });

  it('refuses a protocol it does not know, naming the option and its env var', () => {
    const error = optionsFailure(() =>
      resolveMetricsOptions({}, { ...POD_ENV, METRICS_PUSH_PROTOCOL: 'vmagent' }),
    );
    expect(error.option).toBe('pushProtocol');
    expect(error.message).toBe(
      'NubiumMetricsModule: option "pushProtocol" (from env METRICS_PUSH_PROTOCOL) must be "pushgateway" or "victoriametrics", got "vmagent"',
    );
  });

  it('refuses a push path with a Pushgateway, whose path is the group, instead of ignoring it', () => {
    const error = optionsFailure(() =>
      resolveMetricsOptions({ pushPath: '/api/v1/import/prometheus' }, POD_ENV),
    );
    expect(error.option).toBe('pushPath');
    expect(error.message).toContain('option "pushPath" (given in code) is for pushProtocol');
  });

  it.each(['api/v1/import', '/api/v1/import?x=1', '/a#b', '/a b', '/é'])(
    'refuses the push path %j',
    (pushPath) => {
      const error = optionsFailure(() => resolveMetricsOptions({ pushPath }, VMAGENT_ENV));
      expect(error.message).toContain(`must be a path starting with "/", without "?" or "#"`);
    },
  );
});
