// The README's forRootAsync example with @nestjs/config's ConfigService, run exactly as printed:
// the fenced block right after the README line that starts with MARKER. Its pushes go to an
// in-process stand-in Pushgateway, so the shared stack is not needed.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MetricsManager,
  MetricsPusher,
  NubiumMetricsModule,
  RESOLVED_METRICS_OPTIONS,
  type ResolvedMetricsOptions,
} from '../../lib';
import { parseTextFormat } from '../support/text-format';
import { useClearedMetricsEnv } from '../support/options';

const README = resolve(__dirname, '../..', 'README.md');
/** The README line just above the example; keep it (or this test's MARKER) when editing. */
const MARKER = 'or, with options from';

/** The TypeScript of the fenced block after the MARKER line, as printed. */
function readmeSnippet(): string {
  const lines = readFileSync(README, 'utf8').split('\n');
  const marker = lines.findIndex((line) => line.startsWith(MARKER));
  expect(marker, `README.md has no line starting with "${MARKER}"`).toBeGreaterThan(-1);
  let open = marker + 1;
  while (lines[open]?.trim() === '') open++;
  expect(lines[open], `the line after "${MARKER}" must open a ts block`).toBe('```ts');
  const close = lines.findIndex((line, i) => i > open && line.startsWith('```'));
  const snippet = lines.slice(open + 1, close).join('\n');
  expect(snippet).toContain('forRootAsync');
  expect(snippet).toContain('ConfigService');
  return snippet;
}

/**
 * What the snippet's factory returns, read from its source: each option it sets and the env var
 * it reads with `config.get('NAME')`. An independent account of what must arrive from the factory.
 */
function factoryOptions(snippet: string): Map<string, string> {
  const source = ts.createSourceFile('readme.ts', snippet, ts.ScriptTarget.ES2022, true);
  const found = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (
      ts.isPropertyAssignment(node) &&
      ts.isIdentifier(node.name) &&
      ts.isCallExpression(node.initializer) &&
      ts.isPropertyAccessExpression(node.initializer.expression) &&
      node.initializer.expression.name.text === 'get' &&
      node.initializer.arguments.length > 0 &&
      ts.isStringLiteral(node.initializer.arguments[0])
    ) {
      found.set(node.name.text, node.initializer.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  expect(found.size, 'the snippet sets options from config.get(...)').toBeGreaterThan(0);
  return found;
}

/** Evaluates the snippet with the names it uses in scope; its value is the dynamic module. */
function runSnippet(snippet: string): DynamicModule {
  const { outputText, diagnostics } = ts.transpileModule(snippet, {
    compilerOptions: { target: ts.ScriptTarget.ES2022 },
    reportDiagnostics: true,
  });
  expect(diagnostics ?? []).toEqual([]);
  // A direct eval returns the value of the snippet's last expression statement: the README's
  // block is code the test must run as printed, which is what eval is for here.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const evaluate = new Function(
    'NubiumMetricsModule',
    'ConfigModule',
    'ConfigService',
    'source',
    'return eval(source);',
  ) as (...args: unknown[]) => DynamicModule;
  return evaluate(NubiumMetricsModule, ConfigModule, ConfigService, outputText);
}

interface Push {
  method: string;
  url: string;
  body: string;
}

let app: INestApplicationContext | undefined;
let server: Server | undefined;

useClearedMetricsEnv();
afterEach(async () => {
  await app?.close();
  app = undefined;
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  server = undefined;
});

async function startStandInPushgateway(pushes: Push[]): Promise<number> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      pushes.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString() });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

async function boot(): Promise<INestApplicationContext> {
  @Module({ imports: [runSnippet(readmeSnippet())] })
  class ReadmeAppModule {}
  app = await NestFactory.createApplicationContext(ReadmeAppModule, {
    logger: false,
    abortOnError: false,
  });
  await app.init();
  return app;
}

describe("README: forRootAsync with @nestjs/config's ConfigService (stand-in Pushgateway)", () => {
  it('boots as printed, every option the snippet sets arriving from its factory (source code), strings included, and pushes', async () => {
    const pushes: Push[] = [];
    const port = await startStandInPushgateway(pushes);
    // Every env var the snippet may read; the module also falls back to these, so only the
    // sources below tell a value returned by the factory from one the module read itself.
    const env: Record<string, string> = {
      HOSTNAME: 'readme-pod',
      APP_NAME: 'readme-orders',
      METRICS_SERVICE_NAME: '127.0.0.1',
      METRICS_POD_PORT: String(port),
      METRICS_PUSH_RATE: '3600',
      METRICS_PUSH_ENABLED: 'true',
      METRICS_DNS_SERVERS: '127.0.0.1:5353',
    };
    Object.assign(process.env, env);
    const fromFactory = factoryOptions(readmeSnippet());

    const started = await boot();
    const options = started.get<ResolvedMetricsOptions>(RESOLVED_METRICS_OPTIONS);
    started.get(MetricsManager).incMessagesConsumed('readme.orders', 4);
    const report = await started.get(MetricsPusher).pushNow();

    for (const [option, envVar] of fromFactory) {
      expect(env[envVar], `this test sets ${envVar}, which the snippet reads`).toBeDefined();
      expect(options.sources[option as keyof ResolvedMetricsOptions['sources']], option).toBe(
        'code',
      );
    }
    expect(options).toMatchObject({
      app: 'readme-orders',
      job: 'readme-pod',
      serviceName: '127.0.0.1',
      podPort: port,
      pushRateSeconds: 3600,
      pushEnabled: true,
    });
    expect(report.succeeded).toBe(1);
    expect(pushes.map((p) => `${p.method} ${p.url}`)).toEqual(['PUT /metrics/job/readme-pod']);
    const sample = parseTextFormat(pushes[0].body).find(
      (s) => s.name === 'messages_consumed' && s.labels.topic === 'readme.orders',
    );
    expect(sample?.labels).toMatchObject({ app: 'readme-orders', job: 'readme-pod' });
    expect(sample?.value).toBe(4);
  });

  it('boots as printed on a machine with only APP_NAME set, pushing off, app from its factory', async () => {
    process.env.APP_NAME = 'readme-laptop';

    const fromFactory = factoryOptions(readmeSnippet());

    const started = await boot();
    const options = started.get<ResolvedMetricsOptions>(RESOLVED_METRICS_OPTIONS);
    started.get(MetricsManager).incMessagesProduced('readme.invoices');
    const report = await started.get(MetricsPusher).pushNow();

    // The factory returns what ConfigService holds: APP_NAME, and nothing for the unset rest.
    for (const [option, envVar] of fromFactory) {
      expect(options.sources[option as keyof ResolvedMetricsOptions['sources']], option).toBe(
        envVar === 'APP_NAME' ? 'code' : 'default',
      );
    }
    expect(options).toMatchObject({ app: 'readme-laptop', pushEnabled: false, serviceName: '' });
    expect(started.get(MetricsManager).messagesProduced('readme.invoices')).toBe(1);
    expect(report).toMatchObject({ skipped: 'no-service-name', targets: [], ok: true });
  });
});
