// `npm run bench`: runs every case, each in its own node process, prints one table and writes
// the same rows as JSON into bench/results/. `--quick` runs short rounds; `--only=a,b` picks cases.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Row } from './support/result';

const ORDER = ['count', 'heap', 'payload', 'stall', 'push', 'http', 'nest', 'kafka'];
const RESULT_PREFIX = 'BENCH_RESULT ';

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

function fmt(n: number | undefined, unit = ''): string {
  if (n === undefined || Number.isNaN(n)) return '';
  const abs = Math.abs(n);
  const text =
    abs >= 1000 ? n.toFixed(0) : abs >= 100 ? n.toFixed(1) : abs >= 1 ? n.toFixed(2) : n.toFixed(3);
  return unit ? `${text} ${unit}` : text;
}

function table(rows: Row[]): string {
  const head = ['case', 'figure', 'value', 'baseline', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [
    r.case,
    r.figure,
    fmt(r.value, r.unit),
    r.baseline === undefined
      ? (r.baselineLabel ?? '')
      : `${fmt(r.baseline, r.unit)} (${r.baselineLabel})`,
    fmt(r.ratio),
    r.target ?? '',
    r.pass === undefined ? 'report' : r.pass ? 'PASS' : 'MISS',
  ]);
  const lines = [head, head.map(() => '---'), ...body].map(
    (cells) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`,
  );
  return lines.join('\n');
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
  const outcomes: CaseOutcome[] = [];
  for (const name of names) {
    process.stdout.write(`bench: ${name} ... `);
    const outcome = await runCase(name, quick);
    process.stdout.write(
      `${outcome.error ? 'FAILED' : 'done'} (${outcome.seconds.toFixed(1)} s)\n`,
    );
    outcomes.push(outcome);
  }
  const rows = outcomes.flatMap((o) => o.rows);
  const machine = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? 'cpu'}`;
  const header = `${quick ? 'quick' : 'full'} run ${started.toISOString()}, node ${process.version}, ${machine}`;
  console.log(`\n${header}\n\n${table(rows)}\n`);
  for (const r of rows.filter((x) => x.note)) console.log(`- ${r.case} / ${r.figure}: ${r.note}`);
  const failed = outcomes.filter((o) => o.error);
  for (const o of failed) console.log(`\ncase ${o.name} did not run: ${o.error}`);
  const dir = path.join(__dirname, '..', '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(
    dir,
    `${started.toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`,
  );
  writeFileSync(
    file,
    `${JSON.stringify({ date: started.toISOString(), quick, node: process.version, machine, outcomes }, null, 2)}\n`,
  );
  console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
  const misses = rows.filter((r) => r.pass === false).length;
  console.log(`${rows.length} rows, ${misses} MISS, ${failed.length} case(s) failed to run`);
  // A MISS is reported, never fatal; a case that cannot run at all is.
  process.exitCode = failed.length > 0 ? 1 : 0;
}

void main();
