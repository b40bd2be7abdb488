import { describe, expect, it } from 'vitest';
import { runCli } from '../../../lib/cli/run-cli';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    out: { write: (t: string) => (out += t) },
    err: { write: (t: string) => (err += t) },
  });
  return { code, out, err };
}

describe('nubium-metrics sweep: bad usage exits 2 with a clear message', () => {
  it.each([
    [['sweep', '--target', 'http://127.0.0.1:9'], '--ttl is required'],
    [['sweep', '--target', 'http://127.0.0.1:9', '--ttl', '0s'], 'at least 1 s; got "0s"'],
    [
      ['sweep', '--target', 'http://127.0.0.1:9', '--ttl', '15 minutes'],
      '--ttl must be a duration',
    ],
    [['sweep', '--target', 'http://127.0.0.1:9', '--ttl=-5m'], '--ttl must be a duration'],
    [['sweep', '--ttl', '15m'], 'give the Pushgateways to sweep'],
    [['sweep', '--ttl', '15m', '--target', 'http://a:1', '--service', 'x.test'], 'not both'],
    [['sweep', '--ttl', '15m', '--target', 'not a url'], 'not a URL'],
    [['sweep', '--ttl', '15m', '--target', 'ftp://127.0.0.1:21'], 'scheme must be http or https'],
    [
      ['sweep', '--ttl', '15m', '--target', 'http://127.0.0.1:9091/metrics'],
      'only scheme, host and port',
    ],
    [
      ['sweep', '--ttl', '15m', '--target', 'http://a:1', '--port', '9091'],
      '--port goes with --service',
    ],
    [
      ['sweep', '--ttl', '15m', '--service', 'x.test', '--port', '70000'],
      '--port must be 1..65535',
    ],
    [['sweep', '--ttl', '15m', '--service', 'x.test', '--dns-server', 'nope'], 'dnsServers'],
    [
      ['sweep', '--ttl', '15m', '--service', 'x.test', '--scheme', 'gopher'],
      '--scheme must be http or https',
    ],
    [
      ['sweep', '--ttl', '15m', '--target', 'http://a:1', '--every', '0'],
      '--every must be a duration',
    ],
    [
      ['sweep', '--ttl', '15m', '--target', 'http://a:1', '--password-file', '/dev/null'],
      'needs --username',
    ],
    [
      [
        'sweep',
        '--ttl',
        '15m',
        '--target',
        'http://a:1',
        '--username',
        'u',
        '--password-file',
        '/nonexistent/pw',
      ],
      '--password-file /nonexistent/pw',
    ],
    [
      ['sweep', '--ttl', '15m', '--target', 'http://a:1', '--frobnicate'],
      "Unknown option '--frobnicate'",
    ],
    [['prune'], 'unknown command "prune"'],
  ])('%j', async (args, message) => {
    const { code, out, err } = await cli(...args);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(message);
  });

  it('prints the usage with --help and exits 0', async () => {
    const { code, out } = await cli('sweep', '--help');
    expect(code).toBe(0);
    expect(out).toContain('--ttl DURATION');
  });
});

describe('nubium-metrics sweep: a target that cannot be reached', () => {
  it('is reported, and the pass exits 1', async () => {
    // Port 9 (discard) on loopback: nothing listens there, the connection is refused at once.
    const { code, out } = await cli(
      'sweep',
      '--target',
      'http://127.0.0.1:9',
      '--ttl',
      '1m',
      '--json',
    );
    expect(code).toBe(1);
    const report = JSON.parse(out) as { unreachable: string[]; targets: Array<{ error: string }> };
    expect(report.unreachable).toEqual(['http://127.0.0.1:9']);
    expect(report.targets[0].error).toMatch(/ECONNREFUSED/);
  });
});
