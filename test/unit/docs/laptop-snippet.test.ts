// The README's "On your laptop" block, booted as printed on a machine with none of the module's
// env vars: the first ```ts block after the heading HEADING. Its imports are served by the
// packages this test loads (the library from lib/), nothing else.
import { hostname } from 'node:os';
import * as nestCommon from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as library from '../../../lib';
import { CapturingLogger } from '../../support/logs';
import { fencedBlocks, readDoc } from '../../support/markdown';
import { METRICS_ENV_VARS } from '../../support/options';

/** The README heading the block follows; keep it (or this constant) when editing. */
const HEADING = '### On your laptop';

/** The block's TypeScript, as printed. */
function laptopSnippet(): { code: string; line: number } {
  const readme = readDoc('README.md');
  const heading = readme.split('\n').indexOf(HEADING);
  expect(heading, `README.md has no line "${HEADING}"`).toBeGreaterThan(-1);
  const block = fencedBlocks(readme).find((b) => b.line > heading + 1);
  expect(block?.lang, `the first block after "${HEADING}" must be TypeScript`).toBe('ts');
  return { code: block!.code, line: block!.line };
}

/** Compiles the block to CommonJS and runs it; returns what it exports. */
function runSnippet(code: string): Record<string, unknown> {
  const { outputText, diagnostics } = ts.transpileModule(code, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      experimentalDecorators: true,
    },
    reportDiagnostics: true,
  });
  expect(diagnostics ?? []).toEqual([]);
  const modules: Record<string, unknown> = {
    '@nestjs/common': nestCommon,
    'nubium-metrics-nestjs': library,
  };
  const require = (name: string): unknown => {
    if (!(name in modules))
      throw new Error(`the laptop block imports ${name}, unknown to this test`);
    return modules[name];
  };
  const module = { exports: {} as Record<string, unknown> };
  // The README's block is code this test must run as printed, which is what Function is for.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const run = new Function('require', 'module', 'exports', outputText) as (
    ...args: unknown[]
  ) => void;
  run(require, module, module.exports);
  return module.exports;
}

const saved: Record<string, string | undefined> = {};
let close: (() => Promise<void>) | undefined;

beforeEach(() => {
  for (const name of METRICS_ENV_VARS) {
    saved[name] = process.env[name];
    delete process.env[name];
  }
});

afterEach(async () => {
  await close?.();
  close = undefined;
  for (const name of METRICS_ENV_VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe("README: the laptop block, on a machine with none of the module's env vars", () => {
  it('boots as printed, pushing off with one warning, job = the host name, and counts', async () => {
    const { AppModule } = runSnippet(laptopSnippet().code);
    expect(typeof AppModule).toBe('function');
    const logger = new CapturingLogger();
    const app = await NestFactory.createApplicationContext(AppModule as nestCommon.Type, {
      logger,
      abortOnError: false,
    });
    close = () => app.close();
    await app.init();

    const manager = app.get(library.MetricsManager);
    manager.incMessagesConsumed('laptop.orders', 2);
    const report = await app.get(library.MetricsPusher).pushNow();
    const options = app.get<library.ResolvedMetricsOptions>(library.RESOLVED_METRICS_OPTIONS);

    expect({ app: options.app, job: options.job, pushEnabled: options.pushEnabled }).toEqual({
      app: 'orders', // what the block passes to forRoot
      job: hostname(),
      pushEnabled: false,
    });
    expect(manager.messagesConsumed('laptop.orders')).toBe(2);
    expect(report).toMatchObject({ skipped: 'no-service-name', targets: [], succeeded: 0 });
    const warnings = logger.lines.filter(
      (l) => l.level === 'warn' && l.context === 'NubiumMetrics',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain('METRICS_SERVICE_NAME');
  });
});
