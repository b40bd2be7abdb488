// `npm run bench:fleet [-- --quick]`: what a fleet of app pods costs the metrics cache.
// Starts its own three Pushgateways, dnsmasq and Prometheus, runs N simulated app pods (each the
// module's own MetricsManager + MetricsPusher) against them for several N, with the Pushgateways'
// consistency check on and off, then rollouts with and without the sweeper, then N pods pushing
// to two vmagents of its own in front of a VictoriaMetrics of its own; prints one table, the
// vmagent against Pushgateway ratios, writes them as JSON into bench/results/ and plots CPU
// against N.
// `--sizes=a,b` replaces the fleet sizes, `--only=steady|churn|vmagent` runs one kind (for trying out);
// `--replot=bench/results/fleet-<date>.json` redraws a run's plot without running anything.
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pinFleet, type Pinning } from '../support/pin';
import { killAllNow, killChildrenOnExit, killLeftovers, pinChildrenTo } from './children';
import { LOG_DIR, VMAGENT_ADDRESSES, planFor, type Plan } from './config';
import { readRecord, writePlot, writeRecord, type RunRecord } from './output';
import { PodLog } from './pod-log';
import { compareVmagent, vmagentTable } from './compare';
import { fitCpu, fitText, markdownTable, tableNotes } from './report';
import type { ScenarioResult } from './results';
import { runChurn, runSteady, runVmagent, type RunContext } from './scenarios';
import {
  assertBinaries,
  serverVersions,
  type Versions,
  startDns,
  startPrometheus,
  stopAll,
} from './servers';

interface Args {
  readonly quick: boolean;
  /** A results file to redraw the plot from, running nothing. */
  readonly replot: string | undefined;
  readonly sizes: number[] | undefined;
  readonly only: Kind | undefined;
}

type Kind = ScenarioResult['kind'];
const KINDS: readonly Kind[] = ['steady', 'churn', 'vmagent'];

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string): string | undefined =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const sizes = value('sizes')
    ?.split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const only = value('only') as Kind | undefined;
  if (only !== undefined && !KINDS.includes(only))
    throw new Error(`--only must be one of ${KINDS.join(', ')}, got ${only}`);
  return { quick: argv.includes('--quick'), replot: value('replot'), sizes, only };
}

function say(line: string): void {
  process.stdout.write(`bench:fleet: ${line}\n`);
}

/** Which scenario a result is, before it has run. */
type Identity = Pick<ScenarioResult, 'name' | 'kind' | 'pods' | 'consistencyCheck' | 'sweeper'>;

/** A scenario that could not run, for the table and the exit status. */
function failed(id: Identity, startedMs: number, error: unknown): ScenarioResult {
  return {
    ...id,
    pushRateSeconds: 0,
    windowSeconds: 0,
    startedAt: new Date(startedMs).toISOString(),
    durationSeconds: (Date.now() - startedMs) / 1000,
    cache: [],
    error: error instanceof Error ? error.message : String(error),
  };
}

/** Runs the plan's scenarios in order, the optional sizes only while the budget allows. */
async function runScenarios(ctx: RunContext, args: Args, runStarted: number) {
  const { plan } = ctx;
  const results: ScenarioResult[] = [];
  const skipped: string[] = [];
  const run = async (id: Identity, work: () => Promise<ScenarioResult>): Promise<void> => {
    const t = Date.now();
    process.stdout.write(`bench:fleet: ${id.name} ... `);
    const result = await work().catch((e: unknown) => failed(id, t, e));
    results.push(result);
    const outcome = result.error ? `FAILED: ${result.error.split('\n')[0]}` : 'done';
    process.stdout.write(`${outcome} (${((Date.now() - t) / 1000).toFixed(0)} s)\n`);
  };
  const steady = async (pods: number): Promise<void> => {
    for (const check of [true, false]) {
      const name = `N=${pods}, check ${check ? 'on' : 'off'}`;
      await run({ name, kind: 'steady', pods, consistencyCheck: check }, () =>
        runSteady(ctx, pods, check),
      );
    }
  };
  const vmagent = (pods: number) =>
    run({ name: `N=${pods}, vmagent`, kind: 'vmagent', pods, consistencyCheck: false }, () =>
      runVmagent(ctx, pods),
    );
  const wanted = (kind: Kind): boolean => args.only === undefined || args.only === kind;
  if (wanted('steady')) for (const n of plan.sizes) await steady(n);
  if (wanted('vmagent')) for (const n of plan.vmagentSizes) await vmagent(n);
  if (wanted('churn')) {
    for (const sweeper of [false, true]) {
      const pods = plan.churn.pods;
      const name = `churn ${pods} pods, ${sweeper ? 'sweeper' : 'no sweeper'}`;
      await run({ name, kind: 'churn', pods, consistencyCheck: true, sweeper }, () =>
        runChurn(ctx, sweeper),
      );
    }
  }
  // Optional sizes: two scenarios (one for vmagent) of about the longest of their kind so far.
  const roomFor = (n: number, kind: Kind, scenarios: number): boolean => {
    const longest = Math.max(
      0,
      ...results.filter((r) => r.kind === kind).map((r) => r.durationSeconds),
    );
    const left = plan.budgetSeconds - (Date.now() - runStarted) / 1000;
    if (scenarios * longest * 1.3 <= left) return true;
    skipped.push(
      `${kind} N=${n}: about ${(scenarios * longest).toFixed(0)} s needed, ${left.toFixed(0)} s left of the budget`,
    );
    say(`skipping ${kind} N=${n}: not enough time left in the budget`);
    return false;
  };
  if (wanted('steady'))
    for (const n of plan.optionalSizes) if (roomFor(n, 'steady', 2)) await steady(n);
  if (wanted('vmagent'))
    for (const n of plan.optionalVmagentSizes) {
      const fds = descriptorsFor(n);
      if (fds.needed > fds.limit) {
        skipped.push(
          `vmagent N=${n}: about ${fds.needed} file descriptors needed, the limit is ${fds.limit}`,
        );
        say(`skipping vmagent N=${n}: too few file descriptors`);
      } else if (roomFor(n, 'vmagent', 1)) await vmagent(n);
    }
  return { results, skipped };
}

/**
 * File descriptors `pods` vmagent pods need in this process (a kept-alive connection to each
 * vmagent and a DNS socket each, and a margin), and this process's limit.
 */
function descriptorsFor(pods: number): { needed: number; limit: number } {
  const soft = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  const limit = soft?.[1] === 'unlimited' ? Infinity : Number(soft?.[1] ?? 1024);
  return { needed: pods * (VMAGENT_ADDRESSES.length + 1) + 1000, limit };
}

function header(plan: Plan, pinning: Pinning, machine: string, v: Versions): string {
  return [
    `fleet bench, ${plan.mode} run, ${new Date().toISOString()}`,
    `${v.pushgateway}; ${v.prometheus}; ${v.victoriaMetrics}; node ${process.version}; ${machine}`,
    `${pinning.description}`,
    `3 cache pods (or 2 vmagents writing to 1 VictoriaMetrics), push every ${plan.pushRateSeconds} s (R), window ${plan.windowIntervals} intervals (${plan.windowIntervals * plan.pushRateSeconds} s) after ${plan.warmupSeconds} s of warm-up; Prometheus scrapes every 5 s`,
  ].join('\n');
}

async function main(): Promise<void> {
  const runStarted = Date.now();
  const args = parseArgs(process.argv.slice(2));
  if (args.replot) {
    const record = readRecord(args.replot);
    say(`plot: ${path.relative(process.cwd(), writePlot(record, record.plan.mode === 'full'))}`);
    return;
  }
  const plan = planFor(args.quick, args.sizes);
  killChildrenOnExit((why) => process.stderr.write(`bench:fleet: stopping: ${why}\n`));
  const hardLimit = setTimeout(() => {
    process.stderr.write(
      `bench:fleet: hard limit of ${plan.hardLimitSeconds} s reached, killing everything\n`,
    );
    killAllNow();
    process.exit(3);
  }, plan.hardLimitSeconds * 1000);
  const leftovers = await killLeftovers();
  if (leftovers.length > 0) say(`killed what an earlier run left: ${leftovers.join(', ')}`);
  assertBinaries();
  // Before pinning, which leaves this process one core to see.
  const machine = `${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model.trim() ?? 'cpu'}`;
  const pinning = pinFleet(pinChildrenTo);
  const versions = serverVersions();
  const head = header(plan, pinning, machine, versions);
  process.stdout.write(`${head}\n\n`);
  const podLog = PodLog.install(path.join(LOG_DIR, 'pods.log'));
  say(`servers' and pods' logs: ${path.relative(process.cwd(), LOG_DIR)}`);
  const dns = await startDns();
  const prometheus = await startPrometheus();
  const { results, skipped } = await runScenarios({ plan, podLog }, args, runStarted).finally(() =>
    stopAll([prometheus, dns]),
  );
  await podLog.close();
  clearTimeout(hardLimit);

  const fit = fitCpu(results);
  const comparisons = compareVmagent(results);
  const vmagentText = vmagentTable(results, comparisons);
  const seconds = (Date.now() - runStarted) / 1000;
  process.stdout.write(
    `\n${head}\n\n${markdownTable(results)}\n\n${tableNotes(results)}\n\n${fitText(fit)}\n${vmagentText ? `\nvmagent rows: what reached the store, and against the Pushgateway\n\n${vmagentText}\n` : ''}`,
  );
  if (skipped.length > 0) process.stdout.write(`\nskipped: ${skipped.join('; ')}\n`);
  process.stdout.write(
    `\nrun took ${seconds.toFixed(0)} s; pod log: ${podLog.warnings} warnings, pushes cut short by killed pods included\n`,
  );

  const record: RunRecord = {
    date: new Date(runStarted).toISOString(),
    header: head,
    plan,
    machine,
    pinning,
    seconds,
    fit,
    comparisons,
    skipped,
    scenarios: results,
  };
  say(`results: ${path.relative(process.cwd(), writeRecord(record))}`);
  const ofRecord = plan.mode === 'full' && !args.only && !args.sizes;
  say(`plot: ${path.relative(process.cwd(), writePlot(record, ofRecord))}`);
  const notRun = results.filter((r) => r.error);
  // Figures are reported, never judged; only a scenario that could not run fails the run.
  // An explicit exit: a socket some pod left open must not keep the run alive.
  process.exit(notRun.length > 0 ? 1 : 0);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:fleet: ${error instanceof Error ? error.message : String(error)}\n`);
  killAllNow();
  process.exit(1);
});
