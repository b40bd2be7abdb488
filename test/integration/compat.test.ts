// Installs the packed library into a CommonJS Nest 11 app and an ESM Nest 12 app (test/compat/run.sh)
// and checks that each app's count reached a real Pushgateway; the Nest 11 app also counts what its
// Kafka handler consumed through Nest 11's own transport. Needs `bash scripts/stack.sh up` and
// `bash scripts/kafka.sh up`.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const RUN_SCRIPT = resolve(__dirname, '../compat/run.sh');

describe('the packed package in throwaway apps', () => {
  let output = '';

  // One pack and one install per app for the whole file: the slow part, done once.
  beforeAll(async () => {
    try {
      const { stdout } = await promisify(execFile)('bash', [RUN_SCRIPT], {
        timeout: 240_000,
        maxBuffer: 4 << 20,
      });
      output = stdout;
    } catch (e) {
      const { stdout, stderr, message } = e as {
        stdout?: string;
        stderr?: string;
        message: string;
      };
      throw new Error(`test/compat/run.sh failed: ${message}\n${stdout ?? ''}\n${stderr ?? ''}`);
    }
  }, 300_000);

  /** What the app printed: the status and sample line its own /metrics served, its Kafka count, its push. */
  function appReport(app: string): {
    endpoint: { status: number; served?: string };
    kafka?: { topic: string; consumed: number };
    push: { ok: boolean; succeeded: number };
  } {
    const reports = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as ReturnType<typeof appReport>);
    const report = reports.find((r) => r.endpoint.served?.includes(`app="${app}"`));
    if (report === undefined) throw new Error(`no report of ${app} in:\n${output}`);
    return report;
  }

  it('a CommonJS Nest 11 app on Express boots the module from the tarball, serves /metrics and its count reaches the Pushgateway', () => {
    expect(output).toMatch(/compat: nest11-cjs installed @nestjs\/core 11\./);
    const report = appReport('compat-nest11-cjs');
    expect(report.endpoint.status).toBe(200);
    expect(report.endpoint.served).toMatch(/ 3$/);
    expect(report.push).toEqual({ ok: true, succeeded: 3 });
    expect(output).toMatch(
      /holds compat_messages_consumed\{app="compat-nest11-cjs",[^}]*topic="compat\.nest11-cjs"\} 3$/m,
    );
  });

  it("in that Nest 11 app, the messages an @EventPattern handler consumed through Nest 11's Kafka transport are counted once per delivery and the count reaches the Pushgateway", () => {
    const { kafka } = appReport('compat-nest11-cjs');
    expect(kafka?.consumed).toBe(5);
    expect(kafka?.topic).toMatch(/^compat\.nest11-cjs\.kafka-/);
    const held = output
      .split('\n')
      .find((l) => l.includes(' holds ') && l.includes(`topic="${kafka?.topic}"`));
    expect(held).toMatch(/compat_messages_consumed\{app="compat-nest11-cjs",.*\} 5$/);
  });

  it('an ESM Nest 12 app on Fastify imports the CommonJS build, serves /metrics and its count reaches the Pushgateway', () => {
    expect(output).toMatch(/compat: nest12-esm installed @nestjs\/core 12\./);
    const report = appReport('compat-nest12-esm');
    expect(report.endpoint.status).toBe(200);
    expect(report.endpoint.served).toMatch(/ 3$/);
    expect(report.push).toEqual({ ok: true, succeeded: 3 });
    expect(output).toMatch(
      /holds compat_messages_consumed\{app="compat-nest12-esm",[^}]*topic="compat\.nest12-esm"\} 3$/m,
    );
  });
});
