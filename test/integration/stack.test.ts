// Proves the test-support helpers against the real local stack.
// Needs `bash scripts/stack.sh up` first (the test wrapper does it).
import { promises as dns } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DNS_SERVER,
  HEADLESS_NAME,
  PROMETHEUS_URL,
  PUSHGATEWAY_ADDRS,
  PUSHGATEWAY_PORT,
} from '../support/stack-config';
import {
  deletePushgatewayGroup,
  findSample,
  pausePushgateway,
  pushRaw,
  queryPrometheus,
  readPushgateway,
  resetDns,
  resumePushgateway,
  setDnsAnswer,
  stackStatus,
  startPushgateway,
  stopPushgateway,
  waitFor,
  wipeAllPushgateways,
} from '../support/stack';

function resolver(): dns.Resolver {
  const r = new dns.Resolver({ timeout: 1000, tries: 1 });
  r.setServers([DNS_SERVER]);
  return r;
}

// A missing record (NXDOMAIN or NODATA) reads as no address.
async function answer(): Promise<string[]> {
  const none = (e: NodeJS.ErrnoException): string[] => {
    if (e.code === 'ENOTFOUND' || e.code === 'ENODATA') return [];
    throw e;
  };
  const r = resolver();
  const [v4, v6] = await Promise.all([
    r.resolve4(HEADLESS_NAME).catch(none),
    r.resolve6(HEADLESS_NAME).catch(none),
  ]);
  return [...v4, ...v6].sort();
}

async function reachable(what: string, probe: () => Promise<unknown>): Promise<string[]> {
  try {
    await probe();
    return [];
  } catch (e) {
    return [`${what}: ${(e as Error).message}`];
  }
}

async function ready(url: string): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
}

let stackReachable = false;

beforeAll(async () => {
  const problems = (
    await Promise.all([
      ...PUSHGATEWAY_ADDRS.map((addr) =>
        reachable(`Pushgateway ${addr}`, () => ready(`http://${addr}:${PUSHGATEWAY_PORT}/-/ready`)),
      ),
      reachable('Prometheus', () => ready(`${PROMETHEUS_URL}/-/ready`)),
      reachable(`dnsmasq ${DNS_SERVER}`, () => resolver().resolve4(HEADLESS_NAME)),
    ])
  ).flat();
  if (problems.length > 0) {
    throw new Error(
      `local stack not reachable, run "bash scripts/stack.sh up" first:\n  ${problems.join('\n  ')}`,
    );
  }
  stackReachable = true;
  await wipeAllPushgateways();
});

// Leave the stack as the next test file expects it, whatever failed here.
afterAll(async () => {
  if (!stackReachable) return; // not ours to start
  for (const i of PUSHGATEWAY_ADDRS.keys()) {
    await resumePushgateway(i).catch(() => startPushgateway(i));
  }
  await resetDns();
  await wipeAllPushgateways();
});

describe('Pushgateways', () => {
  it('each accepts a push and serves it back, label escapes included', async () => {
    for (const [i, addr] of PUSHGATEWAY_ADDRS.entries()) {
      const body = `stack_test_value{note="say \\"hi\\"\\nback\\\\slash"} ${40 + i}\n`;
      expect(await pushRaw(addr, 'job/stack-test/instance/pod-a', body)).toBe(200);

      const samples = await readPushgateway(addr);
      const labels = { job: 'stack-test', instance: 'pod-a', note: 'say "hi"\nback\\slash' };
      expect(findSample(samples, 'stack_test_value', labels)).toBe(40 + i);
      // The Pushgateway stamps each group with its push time.
      expect(findSample(samples, 'push_time_seconds', { job: 'stack-test' })).toBeGreaterThan(0);
    }
  });

  it('deletes one group, and wipes all', async () => {
    const [addr] = PUSHGATEWAY_ADDRS;
    expect(await pushRaw(addr, 'job/stack-del/instance@base64/cG9kL2E=', 'one 1\n')).toBe(200);
    expect(await pushRaw(addr, 'job/stack-del/instance/b', 'one 2\n')).toBe(200);
    expect(findSample(await readPushgateway(addr), 'one', { instance: 'pod/a' })).toBe(1);

    await deletePushgatewayGroup(addr, 'stack-del', { instance: 'pod/a' });
    const samples = await readPushgateway(addr);
    expect(findSample(samples, 'one', { instance: 'pod/a' })).toBeUndefined();
    expect(findSample(samples, 'one', { instance: 'b' })).toBe(2);

    await wipeAllPushgateways();
    expect(findSample(await readPushgateway(addr), 'one')).toBeUndefined();
  });

  it('a stopped and restarted Pushgateway comes back empty', async () => {
    const addr = PUSHGATEWAY_ADDRS[1];
    expect(await pushRaw(addr, 'job/stack-restart', 'kept_nowhere 5\n')).toBe(200);
    expect(findSample(await readPushgateway(addr), 'kept_nowhere')).toBe(5);

    await stopPushgateway(1);
    await expect(readPushgateway(addr)).rejects.toThrow();
    await startPushgateway(1);
    expect(findSample(await readPushgateway(addr), 'kept_nowhere')).toBeUndefined();
  });

  it('a paused Pushgateway accepts connections but does not answer', async () => {
    const addr = PUSHGATEWAY_ADDRS[2];
    await pausePushgateway(2);
    try {
      const url = `http://${addr}:${PUSHGATEWAY_PORT}/-/ready`;
      await expect(fetch(url, { signal: AbortSignal.timeout(500) })).rejects.toThrow(/timeout/i);
    } finally {
      await resumePushgateway(2);
    }
    expect(await readPushgateway(addr)).toEqual(expect.any(Array));
  });

  it('pauses, resumes and stops the very process scripts/stack.sh status reports', async () => {
    const state = async () =>
      (await stackStatus()).split('\n').find((l) => l.startsWith('pushgateway-2 ')) ?? '';
    const running = (await state()).match(/running \(pid (\d+)\)/)?.[1];
    expect(running).toMatch(/^\d+$/);

    await pausePushgateway(1);
    try {
      expect(await state()).toContain(`paused (pid ${running})`);
    } finally {
      await resumePushgateway(1);
    }
    expect(await state()).toContain(`running (pid ${running})`);

    await stopPushgateway(1);
    try {
      expect(await state()).toMatch(/ stopped$/);
    } finally {
      await startPushgateway(1);
    }
    expect(await state()).toMatch(/running \(pid \d+\)/);
  });
});

describe('DNS', () => {
  it('answers the headless name with the three Pushgateways', async () => {
    expect(await answer()).toEqual([...PUSHGATEWAY_ADDRS].sort());
  });

  it('setDnsAnswer changes the answer, resetDns restores it', async () => {
    await setDnsAnswer(['127.0.0.3', '::1']);
    expect(await resolver().resolve4(HEADLESS_NAME)).toEqual(['127.0.0.3']);
    expect(await resolver().resolve6(HEADLESS_NAME)).toEqual(['::1']);

    // dnsmasq has no other record for the name then: it does not exist at all.
    await setDnsAnswer([]);
    await expect(resolver().resolve4(HEADLESS_NAME)).rejects.toMatchObject({ code: 'ENOTFOUND' });

    await resetDns();
    expect(await answer()).toEqual([...PUSHGATEWAY_ADDRS].sort());
  });
});

describe('Prometheus', () => {
  it('scrapes a pushed value, keeping the pushed job label', async () => {
    const run = String(Date.now());
    const body = `stack_test_scraped{run="${run}"} 7\n`;
    expect(await pushRaw(PUSHGATEWAY_ADDRS[0], 'job/stack-prom', body)).toBe(200);

    const result = await waitFor(
      async () => {
        const found = await queryPrometheus(`stack_test_scraped{run="${run}"}`);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 250, what: 'Prometheus to scrape stack_test_scraped' },
    );
    expect(result).toHaveLength(1);
    expect(result[0].value).toBe(7);
    expect(result[0].metric.job).toBe('stack-prom'); // honor_labels
  });

  it('queryPrometheus throws on a bad expression', async () => {
    await expect(queryPrometheus('sum(')).rejects.toThrow(/bad_data/);
  });
});

describe('waitFor', () => {
  it('gives up after the deadline, saying what it waited for', async () => {
    let calls = 0;
    const never = async () => {
      calls++;
      if (calls === 1) throw new Error('first try failed');
      return undefined;
    };
    await expect(
      waitFor(never, { timeoutMs: 300, intervalMs: 50, what: 'nothing' }),
    ).rejects.toThrow(/timed out waiting for nothing after 300 ms \(last result: undefined\)/);
    expect(calls).toBeGreaterThan(2);
  });
});
