// DNS faults of the metrics cache's headless name, served by the stack's dnsmasq: server
// down, NXDOMAIN, and answers that change (a fourth pod appears, pods disappear). One case,
// an answer with no address at all, dnsmasq cannot give: a stand-in DNS server answers it, and
// the test's name says so. Each test pushes a job of its own.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { beforeEach, describe, expect, it } from 'vitest';
import { restoreStack, type MetricsApp } from '../support/faults';
import { useFaultTestScope } from '../support/fault-scope';
import { startExtraPushgateway } from '../support/protected-gateway';
import { findSample, readPushgateway, setDnsAnswer, startDns, stopDns } from '../support/stack';
import { PUSHGATEWAY_ADDRS } from '../support/stack-config';

const RUN = randomBytes(3).toString('hex');
let tests = 0;
/** This test's job: set before each test. */
let JOB = '';
const APP = 'faults-dns-app';
const TOPIC = 'faults.dns';
const [POD0, POD1, POD2] = PUSHGATEWAY_ADDRS;
const FOURTH_POD = '127.0.0.6';

async function consumedOn(addr: string): Promise<number | undefined> {
  return findSample(await readPushgateway(addr), 'messages_consumed', { job: JOB, topic: TOPIC });
}

async function dnsFailuresOn(addr: string): Promise<number> {
  return (await readPushgateway(addr))
    .filter((s) => s.name === 'nubium_metrics_dns_failures_total' && s.labels.job === JOB)
    .reduce((sum, s) => sum + s.value, 0);
}

/**
 * A stand-in DNS server on loopback (a free UDP port) that answers every A query with
 * `answer.addrs` (NOERROR, TTL 0) and every other query with NOERROR and no records: an empty
 * answer dnsmasq cannot be made to give.
 */
async function startStandInDns(): Promise<{
  answer: { addrs: string[] };
  socket: Socket;
  server: string;
}> {
  const answer = { addrs: [] as string[] };
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    let end = 12;
    while (query[end] !== 0) end += query[end] + 1;
    const question = query.subarray(12, end + 5);
    const isA = query.readUInt16BE(end + 1) === 1;
    const records = isA ? answer.addrs : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8180, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(records.length, 6);
    const rrs = records.map((addr) => {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(1, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(0, 6);
      rr.writeUInt16BE(4, 10);
      addr.split('.').forEach((octet, i) => rr.writeUInt8(Number(octet), 12 + i));
      return rr;
    });
    socket.send(Buffer.concat([header, question, ...rrs]), peer.port, peer.address);
  });
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
  return { answer, socket, server: `127.0.0.1:${socket.address().port}` };
}

function dnsWarnings(m: MetricsApp): number {
  return m.logs.lines.filter(
    (l) => l.level === 'warn' && l.message.startsWith('cannot resolve metrics cache'),
  ).length;
}

describe('DNS faults of the metrics cache name', () => {
  const scope = useFaultTestScope();

  beforeEach(() => {
    JOB = `faults-dns-${RUN}-${++tests}`;
  });

  it('keeps pushing to the last known pods while the DNS server is down, logs once, counts every failure', async () => {
    const m = await scope.createApp({ job: JOB, app: APP, dnsTimeoutMs: 300 });
    expect((await m.pusher.pushNow()).succeeded).toBe(3);
    await stopDns();

    m.manager.incMessagesConsumed(TOPIC, 11);
    const first = await m.pusher.pushNow();
    const second = await m.pusher.pushNow();

    for (const report of [first, second]) {
      expect(report.discovery.source).toBe('last-known');
      expect(report.discovery.targets).toEqual([POD0, POD1, POD2]);
      expect(report.succeeded).toBe(3);
    }
    for (const addr of PUSHGATEWAY_ADDRS) expect(await consumedOn(addr)).toBe(11);
    expect(dnsWarnings(m)).toBe(1);

    await startDns();
    const back = await m.pusher.pushNow();
    expect(back.discovery.source).toBe('dns');
    // Serialised before this cycle's own resolution: the two failed ones.
    expect(await dnsFailuresOn(POD0)).toBe(2);
  });

  it('keeps the last known pods on NXDOMAIN and counts it as nxdomain', async () => {
    const m = await scope.createApp({ job: JOB, app: APP });
    await m.pusher.pushNow();
    await setDnsAnswer([]);

    m.manager.incMessagesConsumed(TOPIC, 3);
    const report = await m.pusher.pushNow();

    expect(report.discovery).toMatchObject({ source: 'last-known', errorReason: 'nxdomain' });
    expect(report.succeeded).toBe(3);
    for (const addr of PUSHGATEWAY_ADDRS) expect(await consumedOn(addr)).toBe(3);
    await m.pusher.pushNow();
    const samples = await readPushgateway(POD1);
    expect(
      findSample(samples, 'nubium_metrics_dns_failures_total', { job: JOB, reason: 'nxdomain' }),
    ).toBe(1);
    expect(m.logs.text()).toContain('cannot resolve metrics cache');
  });

  it('keeps the last known pods when the answer has no addresses, counted as no_addresses (stand-in DNS server answering an empty NOERROR)', async () => {
    const dns = await startStandInDns();
    try {
      dns.answer.addrs = [POD0, POD2];
      const m = await scope.createApp({ job: JOB, app: APP, dnsServers: [dns.server] });
      expect((await m.pusher.pushNow()).targets.map((t) => t.address)).toEqual([POD0, POD2]);

      dns.answer.addrs = [];
      m.manager.incMessagesConsumed(TOPIC, 8);
      const report = await m.pusher.pushNow();

      expect(report.discovery).toMatchObject({
        source: 'last-known',
        errorReason: 'no_addresses',
        targets: [POD0, POD2],
      });
      expect(report.succeeded).toBe(2);
      expect(await consumedOn(POD0)).toBe(8);
      expect(await consumedOn(POD2)).toBe(8);
      await m.pusher.pushNow();
      const samples = await readPushgateway(POD0);
      expect(
        findSample(samples, 'nubium_metrics_dns_failures_total', {
          job: JOB,
          reason: 'no_addresses',
        }),
      ).toBe(1);
    } finally {
      dns.socket.close();
    }
  });

  it('pushes to a fourth pod on the next cycle after it appears, and stops pushing to pods that disappear', async () => {
    scope.track(await startExtraPushgateway(FOURTH_POD));
    const m = await scope.createApp({ job: JOB, app: APP });
    m.manager.incMessagesConsumed(TOPIC, 1);
    expect((await m.pusher.pushNow()).targets).toHaveLength(3);
    expect(await consumedOn(FOURTH_POD)).toBeUndefined();

    await setDnsAnswer([...PUSHGATEWAY_ADDRS, FOURTH_POD]);
    m.manager.incMessagesConsumed(TOPIC, 1);
    const grown = await m.pusher.pushNow();

    expect(grown.targets.map((t) => t.address)).toEqual([POD0, POD1, POD2, FOURTH_POD]);
    expect(grown.succeeded).toBe(4);
    for (const addr of [...PUSHGATEWAY_ADDRS, FOURTH_POD]) expect(await consumedOn(addr)).toBe(2);
    expect(m.logs.text()).toContain(
      `resolves to 4 pod(s): ${POD0}, ${POD1}, ${POD2}, ${FOURTH_POD}`,
    );

    await setDnsAnswer([POD0, FOURTH_POD]);
    m.manager.incMessagesConsumed(TOPIC, 1);
    const shrunk = await m.pusher.pushNow();

    expect(shrunk.targets.map((t) => t.address)).toEqual([POD0, FOURTH_POD]);
    expect(m.pusher.targets).toEqual([POD0, FOURTH_POD]);
    expect(await consumedOn(POD0)).toBe(3);
    expect(await consumedOn(FOURTH_POD)).toBe(3);
    expect(await consumedOn(POD1)).toBe(2);
    expect(await consumedOn(POD2)).toBe(2);
  });

  it('pushes to nothing and recovers by itself when the name never resolved', async () => {
    await setDnsAnswer([]);
    const m = await scope.createApp({ job: JOB, app: APP });
    m.manager.incMessagesConsumed(TOPIC, 4);

    const report = await m.pusher.pushNow();
    expect(report).toMatchObject({ ok: false, succeeded: 0, targets: [] });
    expect(m.logs.text()).toContain('no known pods, nothing pushed this cycle');

    await restoreStack();
    expect((await m.pusher.pushNow()).succeeded).toBe(3);
    for (const addr of PUSHGATEWAY_ADDRS) expect(await consumedOn(addr)).toBe(4);
  });
});
