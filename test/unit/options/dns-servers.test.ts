// dnsServers from code (an array, or comma-separated as ConfigService hands it out) or from env
// METRICS_DNS_SERVERS, checked alike.
import { describe, expect, it } from 'vitest';
import { resolveMetricsOptions } from '../../../lib/metrics.options';
import { optionsFailure } from '../../support/options';

const base = { job: 'pod-1', app: 'orders', pushEnabled: false } as const;

describe('dnsServers and env METRICS_DNS_SERVERS', () => {
  it('reads the servers from the env var, comma-separated, spaces allowed', () => {
    const resolved = resolveMetricsOptions(base, {
      METRICS_DNS_SERVERS: '127.0.0.1:5353, 10.0.0.10 ,[::1]:53',
    });
    expect(resolved.dnsServers).toEqual(['127.0.0.1:5353', '10.0.0.10', '[::1]:53']);
    expect(resolved.sources.dnsServers).toBe('env');
  });

  it('takes an array or a comma-separated string given in code over the env var', () => {
    const env = { METRICS_DNS_SERVERS: '10.9.9.9' };
    const array = resolveMetricsOptions({ ...base, dnsServers: ['10.0.0.10'] }, env);
    const text = resolveMetricsOptions({ ...base, dnsServers: '10.0.0.10,10.0.0.11' }, env);
    expect([array.dnsServers, array.sources.dnsServers]).toEqual([['10.0.0.10'], 'code']);
    expect([text.dnsServers, text.sources.dnsServers]).toEqual([
      ['10.0.0.10', '10.0.0.11'],
      'code',
    ]);
  });

  it('uses the system resolver when neither is set, or the env var is blank', () => {
    for (const env of [{}, { METRICS_DNS_SERVERS: ' ' }]) {
      const resolved = resolveMetricsOptions(base, env);
      expect([resolved.dnsServers, resolved.sources.dnsServers]).toEqual([undefined, 'default']);
    }
  });

  it('refuses a server of the env var that is not "ip" or "ip:port", naming the env var', () => {
    const error = optionsFailure(() =>
      resolveMetricsOptions(base, { METRICS_DNS_SERVERS: '10.0.0.10,kube-dns' }),
    );
    expect(error.message).toBe(
      'NubiumMetricsModule: option "dnsServers" (from env METRICS_DNS_SERVERS) has "kube-dns", which is not "ip" or "ip:port"',
    );
  });

  it('refuses a list of no servers, from the env var as from code', () => {
    const fromEnv = optionsFailure(() =>
      resolveMetricsOptions(base, { METRICS_DNS_SERVERS: ' , ' }),
    );
    const inCode = optionsFailure(() => resolveMetricsOptions({ ...base, dnsServers: [] }, {}));
    expect(fromEnv.message).toBe(
      'NubiumMetricsModule: option "dnsServers" (from env METRICS_DNS_SERVERS) must list at least one "ip" or "ip:port": an array, or comma-separated in one string',
    );
    expect(inCode.message).toBe(
      'NubiumMetricsModule: option "dnsServers" (given in code) must list at least one "ip" or "ip:port": an array, or comma-separated in one string',
    );
  });
});
