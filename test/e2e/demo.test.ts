// The README's demo command, run as a user runs it (`npm run demo`), in its short mode: its
// table must show, for every app, topic and exception, the count Prometheus read back equal
// to what the traffic generator sent. The stack and Kafka are up already (the test wrapper
// starts them), so the demo must leave them running.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertKafkaReachable } from '../support/kafka';
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
        app: m[1]!,
        metric: m[2]!,
        key: m[3]!,
        sent: Number(m[4]),
        prometheus: m[5] === '-' ? undefined : Number(m[5]),
        verdict: m[6]!,
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
    // The numbers hang together: the loop forwards what it does not reject, the microservice
    // consumes what the loop and the HTTP app produced.
    const value = (key: string) => rows.find((r) => `${r.app} ${r.metric} ${r.key}` === key)!.sent;
    expect(
      value('sample-loop messages_produced demo.orders-enriched') +
        value('sample-loop messages_errors MissingEmailError'),
    ).toBe(value('sample-loop messages_consumed demo.orders'));
    expect(value('sample-microservice messages_consumed demo.forms')).toBe(
      value('sample-http messages_produced demo.forms'),
    );
  });

  it('leaves the servers it found running', async () => {
    const status = await stackStatus();
    expect(status).not.toMatch(/stopped/);
    await assertKafkaReachable();
  });
});
