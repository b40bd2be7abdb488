import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import * as path from 'node:path';
import { LOG_DIR, PID_DIR } from './config';
import { sleep } from '../support/stats';

/** A process this run started: a server or the sweeper sidecar. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly bin: string;
  readonly log: string;
  readonly process: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  hasExited: boolean;
}

const running = new Set<Child>();
let serverCore: number | undefined;

/** Every process started from now on runs on `core` only (through `taskset -c`). */
export function pinChildrenTo(core: number | undefined): void {
  serverCore = core;
}

/**
 * Starts `bin` with its output appended to `.run/fleet/logs/<name>.log` (stdout piped instead
 * when asked). `taskset` execs the binary, so the pid is the server's own, the one whose
 * /proc/<pid>/stat the bench reads. A pid file lets scripts/bench-fleet.sh kill what a killed
 * node process could not.
 */
export function startChild(
  name: string,
  bin: string,
  args: readonly string[],
  pipeStdout = false,
): Child {
  mkdirSync(LOG_DIR, { recursive: true });
  mkdirSync(PID_DIR, { recursive: true });
  const log = path.join(LOG_DIR, `${name}.log`);
  const fd = openSync(log, 'a');
  writeSync(fd, `--- ${new Date().toISOString()} starting: ${bin} ${args.join(' ')}\n`);
  const [command, argv] =
    serverCore === undefined ? [bin, args] : ['taskset', ['-c', String(serverCore), bin, ...args]];
  const proc = spawn(command, argv, { stdio: ['ignore', pipeStdout ? 'pipe' : fd, fd] });
  closeSync(fd);
  if (proc.pid === undefined) throw new Error(`cannot start ${bin} (${command} not found?)`);
  let resolveExit: () => void = () => undefined;
  const child: Child = {
    name,
    pid: proc.pid,
    bin,
    log,
    process: proc,
    exited: new Promise<void>((resolve) => (resolveExit = resolve)),
    hasExited: false,
  };
  proc.on('exit', () => {
    child.hasExited = true;
    running.delete(child);
    rmSync(pidFile(name), { force: true });
    resolveExit();
  });
  proc.on('error', () => undefined); // exit follows; the readiness check reports it
  running.add(child);
  writeFileSync(pidFile(name), `${child.pid} ${bin}\n`);
  return child;
}

/** Stops a child: TERM, then KILL if it is still there after `graceMs`. */
export async function stopChild(child: Child, graceMs = 5000): Promise<void> {
  if (child.hasExited) return;
  child.process.kill('SIGTERM');
  const gone = await Promise.race([
    child.exited.then(() => true),
    sleep(graceMs).then(() => false),
  ]);
  if (gone) return;
  child.process.kill('SIGKILL');
  await Promise.race([child.exited, sleep(5000)]);
}

/** The last lines of a child's log: usually why it did not come up. */
export function logTail(child: Child, lines = 15): string {
  try {
    return readFileSync(child.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** KILLs every child at once, synchronously: for exit paths, where nothing can be awaited. */
export function killAllNow(): void {
  for (const child of running) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(pidFile(child.name), { force: true });
  }
  running.clear();
}

/**
 * Kills what an earlier run left behind (its node process killed before it could clean up),
 * as its pid files record it: only a process still running the recorded binary, so a reused
 * pid is never signalled.
 */
export async function killLeftovers(): Promise<string[]> {
  let files: string[] = [];
  try {
    files = readdirSync(PID_DIR).filter((f) => f.endsWith('.pid'));
  } catch {
    return [];
  }
  const killed: number[] = [];
  const names: string[] = [];
  for (const file of files) {
    const [pidText, bin] = readFileSync(path.join(PID_DIR, file), 'utf8').trim().split(' ');
    const pid = Number(pidText);
    if (Number.isInteger(pid) && pid > 0 && argv0(pid) === bin) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
        names.push(file.replace(/\.pid$/, ''));
      } catch {
        // gone meanwhile
      }
    }
    rmSync(path.join(PID_DIR, file), { force: true });
  }
  const deadline = Date.now() + 3000;
  while (killed.some((pid) => argv0(pid) !== undefined) && Date.now() < deadline) await sleep(50);
  return names;
}

/**
 * Kills every child when this process ends: normally, on SIGINT, SIGTERM, SIGHUP, or on an
 * error nothing caught. `onFatal` is told why, before the exit.
 */
export function killChildrenOnExit(onFatal: (why: string) => void): void {
  process.on('exit', killAllNow);
  const signals: [NodeJS.Signals, number][] = [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ];
  for (const [signal, code] of signals) {
    process.on(signal, () => {
      onFatal(`${signal} received`);
      killAllNow();
      process.exit(code);
    });
  }
  const fatal = (error: unknown): void => {
    onFatal(error instanceof Error ? (error.stack ?? error.message) : String(error));
    killAllNow();
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
}

function pidFile(name: string): string {
  return path.join(PID_DIR, `${name}.pid`);
}

/** The program a pid runs, or undefined when it is gone (a zombie's cmdline is empty). */
function argv0(pid: number): string | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return first === '' ? undefined : first;
  } catch {
    return undefined;
  }
}
