// `npm run bench`: runs every case, each in its own node process, prints one table and writes
// the same rows as JSON into bench/results/. `--quick` runs short rounds; `--only=a,b` picks cases;
// `--no-pin` leaves every process on the cores it had.
// A full run exits non-zero when a target is missed; `--quick` (CI) only reports a MISS. Either
// exits non-zero when a case cannot run.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { notPinned, pinBench } from './support/pin';
import type { Row } from './support/result';

const ORDER = ['count', 'heap', 'payload', 'stall', 'push', 'http', 'nest', 'emit', 'kafka'];
const RESULT_PREFIX = 'BENCH_RESULT ';
const ROOT = path.join(__dirname, '..', '..', '..');

interface CaseOutcome {
  name: string;
  rows: Row[];
  error?: string;
  seconds: number;
}

function runCase(name: string, quick: boolean): Promise<CaseOutcome> {
  const started = Date.now();
  const script = path.join(__dirname, 'run-case.js');
  const args = [
    '--expose-gc',
    '--disable-warning=ExperimentalWarning',
    script,
    name,
    ...(quick ? ['--quick'] : []),
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // A case that hangs must not hang the run.
    const limit = setTimeout(() => child.kill('SIGKILL'), (quick ? 120 : 900) * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      const seconds = (Date.now() - started) / 1000;
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line)
        return resolve({
          name,
          rows: JSON.parse(line.slice(RESULT_PREFIX.length)) as Row[],
          seconds,
        });
      const why = signal ? `killed (${signal}) after ${seconds.toFixed(0)} s` : `exit ${code}`;
      resolve({
        name,
        rows: [],
        error: `${why}: ${err.trim().split('\n').slice(0, 6).join(' | ')}`,
        seconds,
      });
    });
  });
}

function fmt(n: number | null | undefined, unit = ''): string {
  // A skipped row's NaN comes back from the case's JSON line as null.
  if (n === undefined || n === null || Number.isNaN(n)) return '';
  const abs = Math.abs(n);
  const text =
    abs >= 1000 ? n.toFixed(0) : abs >= 100 ? n.toFixed(1) : abs >= 1 ? n.toFixed(2) : n.toFixed(3);
  return unit ? `${text} ${unit}` : text;
}

/** The rows as a Markdown table, padded as prettier pads one, so the README can take it as printed. */
function table(rows: Row[]): string {
  const head = ['case', 'figure', 'value', 'baseline', 'ratio', 'target', 'result', 'notes'];
  const body = rows.map((r) => [
    r.case,
    r.figure,
    fmt(r.value, r.unit),
    r.baseline === undefined
      ? (r.baselineLabel ?? '')
      : `${fmt(r.baseline, r.unit)} (${r.baselineLabel})`,
    fmt(r.ratio),
    r.target ?? '',
    r.skipped !== undefined ? 'n/a' : r.pass === undefined ? 'report' : r.pass ? 'PASS' : 'MISS',
    r.skipped ?? r.note ?? '',
  ]);
  const cells = [head, ...body].map((line) => line.map((c) => c.replace(/\|/g, '\\|')));
  const widths = head.map((_, i) => Math.max(3, ...cells.map((line) => line[i].length)));
  const line = (values: string[]) => `| ${values.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join(
    '\n',
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const names = only ? ORDER.filter((n) => only.includes(n)) : ORDER;
  const started = new Date();
  const load = os.loadavg()[0];
  // Read before pinning, which leaves this process one core.
  const machine = `${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? 'cpu'}`;
  const pinning = argv.includes('--no-pin')
    ? notPinned('--no-pin')
    : pinBench(process.env.NUBIUM_RUN_DIR ?? path.join(ROOT, '.run'));
  // The servers get their cores back however the run ends.
  process.on('exit', () => pinning.restore());
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      pinning.restore();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  console.log(`bench: ${pinning.description}`);
  const outcomes: CaseOutcome[] = [];
  try {
    for (const name of names) {
      process.stdout.write(`bench: ${name} ... `);
      const outcome = await runCase(name, quick);
      process.stdout.write(
        `${outcome.error ? 'FAILED' : 'done'} (${outcome.seconds.toFixed(1)} s)\n`,
      );
      outcomes.push(outcome);
    }
  } finally {
    pinning.restore();
  }
  const seconds = (Date.now() - started.getTime()) / 1000;
  const rows = outcomes.flatMap((o) => o.rows);
  const header = [
    `${quick ? 'quick' : 'full'} run ${started.toISOString()}, ${seconds.toFixed(0)} s, node ${process.version}, ${machine}`,
    `load average at the start ${load.toFixed(2)}; ${pinning.description}`,
  ].join('\n');
  console.log(`\n${header}\n\n${table(rows)}\n`);
  const failed = outcomes.filter((o) => o.error);
  for (const o of failed) console.log(`\ncase ${o.name} did not run: ${o.error}`);
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(
    dir,
    `${started.toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`,
  );
  writeFileSync(
    file,
    `${JSON.stringify({ date: started.toISOString(), quick, seconds, node: process.version, machine, load, pinning: pinning.description, outcomes }, null, 2)}\n`,
  );
  console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
  const misses = rows.filter((r) => r.pass === false).length;
  const skipped = rows.filter((r) => r.skipped !== undefined);
  console.log(
    `${rows.length} rows, ${misses} MISS, ${skipped.length} n/a, ${failed.length} case(s) failed to run`,
  );
  for (const r of skipped) console.log(`bench: ${r.case}, ${r.figure}: ${r.skipped}`);
  // A case that cannot run fails any run; a MISS fails a full run, while --quick, whose rounds
  // are too short to be read as results, only reports it.
  const fails = failed.length > 0 || (!quick && misses > 0);
  if (fails && misses > 0 && !quick) console.log('bench: a target was missed (exit 1)');
  process.exitCode = fails ? 1 : 0;
}

void main();
