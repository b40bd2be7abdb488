// Server processes read and signalled from TypeScript the way scripts/stack.sh does it: a pid
// counts only while its process still runs the binary it was started with, so a pid file that
// outlived its process never makes a test signal whatever reused the pid.
import { readFileSync } from 'node:fs';
import { waitFor } from './wait-for';

/** True while `pid` is alive and runs `bin` (its argv[0]); a zombie's empty cmdline counts as gone. */
export function runsBinary(pid: number, bin: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === bin;
  } catch {
    return false;
  }
}

/** True while `pid` is stopped by a signal (SIGSTOP): state T in /proc/<pid>/stat. */
export function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ...`: comm may hold spaces and parentheses, so read after the last ')'.
    return stat
      .slice(stat.lastIndexOf(')') + 1)
      .trimStart()
      .startsWith('T');
  } catch {
    return false;
  }
}

/** Sends `signal` to `pid`; a process that is already gone is no error. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

async function waitUntilGone(
  pid: number,
  bin: string,
  timeoutMs: number,
  what: string,
): Promise<void> {
  await waitFor(() => (runsBinary(pid, bin) ? undefined : true), {
    timeoutMs,
    intervalMs: 50,
    what,
  });
}

/**
 * Stops `pid` (running `bin`) as the stack script stops a server: SIGCONT first (a paused one
 * would hold the TERM until resumed), SIGTERM, SIGKILL after `graceMs`; waits until it is gone.
 */
export async function terminate(pid: number, bin: string, graceMs = 5_000): Promise<void> {
  if (!runsBinary(pid, bin)) return;
  signal(pid, 'SIGCONT');
  signal(pid, 'SIGTERM');
  try {
    await waitUntilGone(pid, bin, graceMs, `pid ${pid} to stop on SIGTERM`);
  } catch {
    signal(pid, 'SIGKILL');
    await waitUntilGone(pid, bin, 5_000, `pid ${pid} to be killed`);
  }
}
