// Helpers shared by the fault tests (test/integration/faults-*.test.ts): a Nest app context
// with the metrics module, a Logger that captures every line, and a restore step that puts
// the stack back as the other test files expect it.
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { transformFileSync } from '@swc/core';
import {
  MetricsManager,
  MetricsPusher,
  NubiumMetricsModule,
  type MetricsModuleOptions,
} from '../../lib';
import { CapturingLogger } from './logs';
import { LOCAL_CACHE_OPTIONS, PUSHGATEWAY_ADDRS } from './stack-config';
import {
  resetDns,
  resumePushgateway,
  stackStatus,
  startDns,
  startPushgateway,
  stackCommand,
} from './stack';

/** Options every fault test starts from: the local headless name and dnsmasq, pushes by hand. */
export const STACK_OPTIONS: MetricsModuleOptions = {
  ...LOCAL_CACHE_OPTIONS,
  dnsTimeoutMs: 500,
  pushTimeoutMs: 1000,
  shutdownTimeoutMs: 2000,
};

/** A running app context with the metrics module and its captured logs. */
export interface MetricsApp {
  app: INestApplicationContext;
  manager: MetricsManager;
  pusher: MetricsPusher;
  logs: CapturingLogger;
}

function rootModule(options: MetricsModuleOptions): DynamicModule {
  @Module({})
  class FaultTestAppModule {}
  return { module: FaultTestAppModule, imports: [NubiumMetricsModule.forRoot(options)] };
}

/** Starts an app context with `NubiumMetricsModule.forRoot({...STACK_OPTIONS, ...options})`. */
export async function createMetricsApp(options: MetricsModuleOptions): Promise<MetricsApp> {
  const logs = new CapturingLogger();
  const app = await NestFactory.createApplicationContext(
    rootModule({ ...STACK_OPTIONS, ...options }),
    {
      logger: logs,
      abortOnError: false,
    },
  );
  return { app, manager: app.get(MetricsManager), pusher: app.get(MetricsPusher), logs };
}

/**
 * Puts the shared stack back: every Pushgateway running and answering, dnsmasq up with the
 * default answer. Reads the state once and touches only what a test changed.
 */
export async function restoreStack(): Promise<void> {
  const status = await stackStatus();
  for (let i = 0; i < PUSHGATEWAY_ADDRS.length; i++) {
    const line = status.split('\n').find((l) => l.startsWith(`pushgateway-${i + 1} `)) ?? '';
    if (!line.includes('running')) await startPushgateway(i);
    if (line.includes('paused')) await resumePushgateway(i);
  }
  const dns = status.split('\n').find((l) => l.startsWith('dnsmasq ')) ?? '';
  if (!dns.includes('running')) await startDns();
  if (!dns.includes(`-> ${PUSHGATEWAY_ADDRS.join(' ')}`)) await resetDns();
}

/** Counts of the kinds of resources that keep the event loop alive (sockets, timers). */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Compiles lib/ to CommonJS under .run/ with SWC (decorator metadata on), for a child process. */
export function compileLib(outDir: string): void {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const path = join(dir, f);
      return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
    });
  for (const file of walk(join(ROOT, 'lib'))) {
    const { code } = transformFileSync(file, {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    });
    const out = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
  }
}

const ROOT = resolve(__dirname, '../..');

export { stackCommand };
export { CapturingLogger, type LogLine } from './logs';
