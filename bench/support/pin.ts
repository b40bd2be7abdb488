// The bench's one pinning module: `npm run bench` pins the running local stack
// (pinBench), the fleet bench the servers it starts itself (pinFleet).

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const TASKSET = '/usr/bin/taskset';

/**
 * The servers the cases talk to, by pid file (`scripts/stack.sh` and `scripts/kafka.sh` write
 * them into the run dir's `pids/`), and the command name each one's process must have: a pid
 * file that outlived its process must not make the bench pin whatever reused the pid.
 */
const SERVERS: Record<string, string> = {
  'pushgateway-1': 'prometheus-push',
  'pushgateway-2': 'prometheus-push',
  'pushgateway-3': 'prometheus-push',
  prometheus: 'prometheus',
  dnsmasq: 'dnsmasq',
  kafka: 'java',
};

/** What {@link pinBench} or {@link pinFleet} did, and how to undo it. */
export interface Pinning {
  /** One line for the output header. */
  readonly description: string;
  /** The core the servers run on, and how many cores they share; undefined when not pinned. */
  readonly serverCore: number | undefined;
  readonly serverCores: number | undefined;
  /** Gives every pinned server back the cores each of its threads had; safe to call twice. */
  restore(): void;
}

/** A pinning that pinned nothing, and why. */
export function notPinned(why: string): Pinning {
  return {
    description: `not pinned (${why})`,
    serverCore: undefined,
    serverCores: undefined,
    restore() {},
  };
}

/**
 * With two cores or more, puts this process (every thread: V8's and libuv's already exist, and
 * threads and processes made later inherit it) on the first core it may use; the second is
 * left to the servers. A reason when it did not.
 */
function pinSelf(): { appCore: number; serverCore: number } | string {
  const [appCore, serverCore] = allowedCores();
  if (serverCore === undefined) return `${os.availableParallelism()} core`;
  if (!existsSync(TASKSET)) return 'no taskset';
  try {
    taskset(['-a', '-pc', String(appCore), String(process.pid)]);
  } catch (e) {
    return `taskset: ${(e as Error).message.split('\n')[0]}`;
  }
  return { appCore, serverCore };
}

/**
 * The fleet bench's pinning: this process (every app pod) on one core, and `pinServers` told the
 * other, on which the fleet bench starts every server it runs, so that neither side's figures
 * are the other's contention. Each server's CPU is read from /proc either way.
 */
export function pinFleet(pinServers: (core: number) => void): Pinning {
  const cores = pinSelf();
  if (typeof cores === 'string') return notPinned(cores);
  pinServers(cores.serverCore);
  return {
    description: `pinned: app pods (this node process) on core ${cores.appCore}; Pushgateways, vmagents, VictoriaMetrics, dnsmasq, Prometheus and the sweeper sidecar on core ${cores.serverCore}`,
    serverCore: cores.serverCore,
    serverCores: 1,
    restore() {},
  };
}

/**
 * With two cores or more, puts this process (every thread; the cases' processes it starts
 * inherit it) on core 0 and every running server of the local stack and the Kafka broker (every
 * thread) on core 1, so that the app's figures are not the servers' contention for its core.
 */
export function pinBench(runDir: string): Pinning {
  // The first two cores this process may use (core 0 and 1 on a machine of its own).
  const cores = pinSelf();
  if (typeof cores === 'string') return notPinned(cores);
  const { appCore } = cores;
  const serverCore = String(cores.serverCore);
  const pinned: { name: string; pid: number; before: Map<number, string> }[] = [];
  const skipped: string[] = [];
  for (const [name, comm] of Object.entries(SERVERS)) {
    const pid = livePid(path.join(runDir, 'pids', `${name}.pid`), comm);
    if (pid === undefined) continue;
    const before = threadAffinities(pid);
    try {
      taskset(['-a', '-pc', serverCore, String(pid)]);
      pinned.push({ name, pid, before });
    } catch (e) {
      skipped.push(`${name} (${(e as Error).message.split('\n')[0]})`);
    }
  }
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    for (const { pid, before } of pinned) {
      // Threads started meanwhile get what the main thread had; the others what each had.
      const main = before.get(pid);
      if (main === undefined) continue;
      tryTaskset(['-a', '-pc', main, String(pid)]);
      for (const [tid, cpus] of before) if (cpus !== main) tryTaskset(['-pc', cpus, String(tid)]);
    }
  };
  const servers = pinned.length
    ? pinned.map((p) => `${p.name} (pid ${p.pid})`).join(', ')
    : 'no server found running';
  return {
    description: `pinned: the bench's node processes on core ${appCore}; on core ${serverCore}: ${servers}${skipped.length ? `; not pinned: ${skipped.join(', ')}` : ''}`,
    serverCore: cores.serverCore,
    serverCores: 1,
    restore,
  };
}

function taskset(args: string[]): void {
  execFileSync(TASKSET, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
}

function tryTaskset(args: string[]): void {
  try {
    taskset(args);
  } catch {
    // The process or thread ended meanwhile: nothing to give back.
  }
}

/** The pid in `file` when that process runs and is named `comm`. */
function livePid(file: string, comm: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The cores this process may run on, in order. */
function allowedCores(): number[] {
  let list = '';
  try {
    list =
      /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  } catch {
    return []; // no /proc: not Linux, nothing to pin with
  }
  return list.split(',').flatMap((part) => {
    const [from, to = from] = part.split('-').map(Number);
    return Number.isInteger(from) && Number.isInteger(to)
      ? Array.from({ length: to - from + 1 }, (_, i) => from + i)
      : [];
  });
}

/** Every thread's allowed cores (as taskset's list), by thread id. */
function threadAffinities(pid: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const cpus = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
      if (cpus) out.set(Number(tid), cpus);
    } catch {
      // The thread ended.
    }
  }
  return out;
}
