// The README's demo command, run as a user runs it (`npm run demo`), in its short mode: its
// table must show, for every app, topic and exception, the count Prometheus read back equal
// to what the traffic generator sent, and each of those counts must agree with what the Kafka
// broker itself recorded (messages in each topic, offsets each consumer group committed). The
// stack and Kafka are up already (the test wrapper starts them), so the demo must leave them
// running.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assertKafkaReachable,
  committedCount,
  consumerGroupsStartingWith,
  topicMessageCount,
} from '../support/kafka';
import { stackCommand, stackStatus } from '../support/stack';

const ROOT = resolve(__dirname, '../..');

interface TableRow {
  app: string;
  metric: string;
  key: string;
  sent: number;
  prometheus: number | undefined;
  verdict: string;
}

// A table line: app, metric, topic or exception, sent, Prometheus (or '-'), verdict.
const ROW = /^(sample-\S+)\s+(messages_\w+)\s+(\S+)\s+(\d+)\s+(\d+|-)\s+(ok|MISMATCH)$/;

function parseTable(output: string): TableRow[] {
  return output.split('\n').flatMap((line) => {
    const m = ROW.exec(line.trim());
    if (!m) return [];
    return [
      {
        app: m[1],
        metric: m[2],
        key: m[3],
        sent: Number(m[4]),
        prometheus: m[5] === '-' ? undefined : Number(m[5]),
        verdict: m[6],
      },
    ];
  });
}

describe('npm run demo -- --short', () => {
  let output = '';
  let exitCode = 0;

  beforeAll(async () => {
    await stackCommand('up');
    await assertKafkaReachable();
    try {
      const { stdout, stderr } = await promisify(execFile)(
        'npm',
        ['run', '--silent', 'demo', '--', '--short'],
        {
          cwd: ROOT,
          timeout: 110_000,
          maxBuffer: 10 * 1024 * 1024,
        },
      );
      output = stdout + stderr;
    } catch (e) {
      const {
        stdout = '',
        stderr = '',
        code,
      } = e as { stdout?: string; stderr?: string; code?: number };
      output = stdout + stderr;
      exitCode = typeof code === 'number' ? code : 1;
    }
  }, 120_000);

  it('exits 0 and says every count matches', () => {
    expect(exitCode, output).toBe(0);
    expect(output).toContain('every count matches what was sent');
  });

  it('prints, per app, topic and exception, the count Prometheus read equal to what was sent', () => {
    const rows = parseTable(output);
    const keys = rows.map((r) => `${r.app} ${r.metric} ${r.key}`);
    expect(keys).toEqual([
      'sample-loop messages_consumed demo.orders',
      'sample-loop messages_produced demo.orders-enriched',
      'sample-loop messages_errors MissingEmailError',
      'sample-http messages_produced demo.forms',
      'sample-http messages_errors BadRequestException',
      'sample-microservice messages_consumed demo.forms',
      'sample-microservice messages_consumed demo.orders-enriched',
    ]);
    for (const row of rows) {
      expect(row.sent, `${row.app} ${row.metric} ${row.key}`).toBeGreaterThan(0);
      expect(row.prometheus, `${row.app} ${row.metric} ${row.key}`).toBe(row.sent);
      expect(row.verdict).toBe('ok');
    }
  });

  // The table's own verdict compares Prometheus with what the traffic generator sent, and for
  // the rows the generator cannot see (what the loop forwarded, what the microservice consumed)
  // with the generator's arithmetic. Here every count Prometheus read is held against a source
  // of its own, read from the broker after the demo ended: the messages each topic holds (what
  // was really produced; the demo recreates its topics each run) and the offsets each consumer
  // group committed (what each app consumed and acknowledged).
  it('reads back from Prometheus what the broker holds and what each consumer group committed', async () => {
    const runId = /demo: run ([0-9a-f]+):/.exec(output)?.[1];
    expect(runId, output).toBeDefined();
    const rows = parseTable(output);
    const prometheus = (key: string) =>
      rows.find((r) => `${r.app} ${r.metric} ${r.key}` === key)?.prometheus;
    const generated = (key: string) =>
      rows.find((r) => `${r.app} ${r.metric} ${r.key}` === key)?.sent;
    const [microserviceGroup, ...otherGroups] = await consumerGroupsStartingWith(
      `sample-microservice-${runId}`,
    );
    expect(otherGroups).toEqual([]);
    const broker = {
      orders: await topicMessageCount('demo.orders'),
      enriched: await topicMessageCount('demo.orders-enriched'),
      forms: await topicMessageCount('demo.forms'),
      loopCommitted: await committedCount(`sample-loop-${runId}`, 'demo.orders'),
      microserviceForms: await committedCount(microserviceGroup, 'demo.forms'),
      microserviceEnriched: await committedCount(microserviceGroup, 'demo.orders-enriched'),
    };
    // Sent by the generator and counted by it: orders written, and the ones it wrote without an
    // email address; forms the HTTP app must accept, and the ones it must reject.
    const ordersSent = generated('sample-loop messages_consumed demo.orders')!;
    const withoutEmail = generated('sample-loop messages_errors MissingEmailError')!;
    const formsAccepted = generated('sample-http messages_produced demo.forms')!;
    const formsRejected = generated('sample-http messages_errors BadRequestException')!;

    const checks: Array<[string, number | undefined, number]> = [
      ['orders the broker holds = orders the generator sent', broker.orders, ordersSent],
      [
        'forms the broker holds = well-formed forms the generator sent',
        broker.forms,
        formsAccepted,
      ],
      [
        'the loop forwarded every order it did not reject (broker)',
        broker.enriched,
        broker.orders - withoutEmail,
      ],
      [
        'loop consumed = its group committed',
        prometheus('sample-loop messages_consumed demo.orders'),
        broker.loopCommitted,
      ],
      [
        'loop consumed = orders in the broker',
        prometheus('sample-loop messages_consumed demo.orders'),
        broker.orders,
      ],
      [
        'loop produced = enriched orders in the broker',
        prometheus('sample-loop messages_produced demo.orders-enriched'),
        broker.enriched,
      ],
      [
        'loop errors = orders sent without email',
        prometheus('sample-loop messages_errors MissingEmailError'),
        withoutEmail,
      ],
      [
        'http produced = forms in the broker',
        prometheus('sample-http messages_produced demo.forms'),
        broker.forms,
      ],
      [
        'http errors = forms sent to be rejected',
        prometheus('sample-http messages_errors BadRequestException'),
        formsRejected,
      ],
      [
        'microservice consumed forms = its group committed',
        prometheus('sample-microservice messages_consumed demo.forms'),
        broker.microserviceForms,
      ],
      [
        'microservice consumed forms = forms in the broker',
        prometheus('sample-microservice messages_consumed demo.forms'),
        broker.forms,
      ],
      [
        'microservice consumed enriched orders = its group committed',
        prometheus('sample-microservice messages_consumed demo.orders-enriched'),
        broker.microserviceEnriched,
      ],
      [
        'microservice consumed enriched orders = enriched orders in the broker',
        prometheus('sample-microservice messages_consumed demo.orders-enriched'),
        broker.enriched,
      ],
    ];
    const failed = checks.filter(([, actual, expected]) => actual !== expected);
    expect(
      failed.map(([what, actual, expected]) => `${what}: ${actual} vs ${expected}`),
      JSON.stringify(broker),
    ).toEqual([]);
  });

  it('leaves the servers it found running', async () => {
    const status = await stackStatus();
    expect(status).not.toMatch(/stopped/);
    await assertKafkaReachable();
  });
});
