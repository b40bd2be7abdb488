import { describe, expect, it } from 'vitest';
import { DiscoveryError, TargetDiscovery } from '../../../lib/pusher/target-discovery';

describe('TargetDiscovery', () => {
  it('takes an IP address as the only target', async () => {
    const discovery = new TargetDiscovery({ serviceName: '127.0.0.2', timeoutMs: 100 });
    expect(await discovery.discover()).toEqual({ targets: ['127.0.0.2'], source: 'dns' });
  });

  it('resolves through the system resolver when no DNS server is given', async () => {
    const discovery = new TargetDiscovery({ serviceName: 'localhost', timeoutMs: 1000 });
    const { targets, source } = await discovery.discover();
    expect(source).toBe('dns');
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.every((t) => t === '127.0.0.1' || t === '::1')).toBe(true);
  });

  it('keeps the last known targets when a resolution fails, with the reason', async () => {
    // Nothing listens for DNS on this loopback port: the query times out or is refused.
    const discovery = new TargetDiscovery({
      serviceName: 'cache.test',
      dnsServers: ['127.0.0.1:9'],
      timeoutMs: 200,
    });
    (discovery as unknown as { lastKnown: string[] }).lastKnown = ['127.0.0.2'];
    const result = await discovery.discover();
    expect(result).toMatchObject({ targets: ['127.0.0.2'], source: 'last-known' });
    expect(['timeout', 'unreachable', 'error']).toContain(result.errorReason);
    await expect(discovery.resolve()).rejects.toBeInstanceOf(DiscoveryError);
  });
});
