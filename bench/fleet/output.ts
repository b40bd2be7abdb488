import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Comparison } from './compare';
import { FLEET_DIR, ROOT, type Plan } from './config';
import type { Pinning } from '../support/pin';
import { cpuPlot } from './plot';
import type { CpuFit } from './report';
import type { ScenarioResult } from './results';

/** Everything one run found, as written to bench/results/fleet-<date>[-quick].json. */
export interface RunRecord {
  readonly date: string;
  /** The lines printed above the table: versions, machine, pinning, plan. */
  readonly header: string;
  readonly plan: Plan;
  readonly machine: string;
  readonly pinning: Pinning;
  readonly seconds: number;
  readonly fit: CpuFit;
  /** vmagent against the Pushgateway (check off) at each vmagent size; absent in older records. */
  readonly comparisons?: readonly Comparison[];
  readonly skipped: readonly string[];
  readonly scenarios: readonly ScenarioResult[];
}

/** Writes the record into bench/results/ (gitignored); returns the file. */
export function writeRecord(record: RunRecord): string {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const quick = record.plan.mode === 'quick' ? '-quick' : '';
  const file = path.join(dir, `fleet-${record.date.replace(/[:.]/g, '-')}${quick}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

/** Reads a record written by {@link writeRecord}. */
export function readRecord(file: string): RunRecord {
  return JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
}

/**
 * Plots the record: into docs/ when it is a whole full run (the plot of record), else under
 * .run/fleet/, so a quick run (CI) or a partial one never dirties the tree. Returns the file.
 */
export function writePlot(record: RunRecord, ofRecord: boolean): string {
  const file = ofRecord
    ? path.join(ROOT, 'docs', 'fleet-cache-cpu.svg')
    : path.join(FLEET_DIR, 'fleet-cache-cpu.svg');
  const version = /pushgateway, version (\S+)/.exec(record.header)?.[1];
  // The Debian package's version, upstream part: 1.79.5 of 1.79.5+ds1-2+b5.
  const vm = /vmagent and victoria-metrics (\d[\w.]*?)(?:\+|-|;)/.exec(record.header)?.[1];
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    cpuPlot(record.scenarios, {
      server: `Pushgateway${version ? ` ${version}` : ''} and vmagent${vm ? ` ${vm}` : ''}`,
      machine: record.machine,
      date: record.date.slice(0, 10),
      pushRateSeconds: record.plan.pushRateSeconds,
      sharedCores: record.pinning.serverCores,
    }),
  );
  return file;
}
