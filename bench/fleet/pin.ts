import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import { pinChildrenTo } from './children';

/** Where the processes run. */
export interface Pinning {
  readonly pinned: boolean;
  /** Cores the servers share (undefined when not pinned). */
  readonly serverCores: number | undefined;
  readonly description: string;
}

const TASKSET = '/usr/bin/taskset';

/**
 * With two cores or more, keeps the app pods (this process, every thread of it) on core 0 and
 * every server started from now on on core 1, so neither side's figures are the other's
 * contention. Each Pushgateway's CPU is read from /proc either way.
 */
export function pinProcesses(): Pinning {
  const cores = os.availableParallelism();
  if (cores < 2)
    return { pinned: false, serverCores: undefined, description: `not pinned (${cores} core)` };
  if (!existsSync(TASKSET))
    return { pinned: false, serverCores: undefined, description: 'not pinned (no taskset)' };
  // -a: every thread (V8's and libuv's already exist); threads made later inherit it.
  execFileSync(TASKSET, ['-a', '-c', '-p', '0', String(process.pid)], {
    stdio: 'ignore',
    timeout: 5000,
  });
  const allowed = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (allowed?.[1] !== '0')
    return {
      pinned: false,
      serverCores: undefined,
      description: `not pinned (taskset left cores ${allowed?.[1] ?? '?'})`,
    };
  pinChildrenTo(1);
  return {
    pinned: true,
    serverCores: 1,
    description:
      'pinned: app pods (this node process) on core 0; Pushgateways, vmagents, VictoriaMetrics, dnsmasq, Prometheus and the sweeper sidecar on core 1',
  };
}
