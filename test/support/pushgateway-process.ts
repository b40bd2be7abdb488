// A stack Pushgateway paused, resumed or stopped from TypeScript: the pid is read from the file
// scripts/stack.sh writes (.run/pids/pushgateway-N.pid) and signalled directly, so a test's fault
// takes effect without a shell in between. Starting one stays with the script.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isStopped, runsBinary, signal, terminate } from './processes';
import { PUSHGATEWAY_ADDRS, PUSHGATEWAY_BIN, pushgatewayUrl, RUN_DIR } from './stack-config';
import { waitFor } from './wait-for';

// As the script's STACK_TIMEOUT: how long a server gets to stop, or to answer again.
const SERVER_TIMEOUT_MS = 30_000;

/** The script's number of Pushgateway i (0-based): it counts from 1. */
export function gatewayNumber(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= PUSHGATEWAY_ADDRS.length) {
    throw new Error(`Pushgateway index must be 0..${PUSHGATEWAY_ADDRS.length - 1}, got ${i}`);
  }
  return String(i + 1);
}

function pidFile(i: number): string {
  return join(RUN_DIR, 'pids', `pushgateway-${gatewayNumber(i)}.pid`);
}

function pidFileText(i: number): string {
  try {
    return readFileSync(pidFile(i), 'utf8').trim();
  } catch {
    return '';
  }
}

/** The pid in Pushgateway i's pid file while that process still runs the Pushgateway, else undefined. */
function runningPid(i: number): number | undefined {
  const text = pidFileText(i);
  const pid = Number(text);
  return /^\d+$/.test(text) && runsBinary(pid, PUSHGATEWAY_BIN) ? pid : undefined;
}

function requireRunningPid(i: number): number {
  const pid = runningPid(i);
  if (pid === undefined) {
    const n = gatewayNumber(i);
    throw new Error(`pushgateway-${n} is not running (bash scripts/stack.sh pg-start ${n})`);
  }
  return pid;
}

/** Stops Pushgateway i (0-based) and waits until it is gone; its pushed metrics are lost. */
export async function stopPushgateway(i: number): Promise<void> {
  const pid = runningPid(i);
  if (pid === undefined) return;
  await terminate(pid, PUSHGATEWAY_BIN, SERVER_TIMEOUT_MS);
  // Unless the script has meanwhile started a new one and written its pid.
  if (pidFileText(i) === String(pid)) rmSync(pidFile(i), { force: true });
}

/**
 * SIGSTOPs Pushgateway i (0-based), and waits until the kernel shows it stopped (so
 * `stackStatus` says paused): it still accepts connections but never answers.
 */
export async function pausePushgateway(i: number): Promise<void> {
  const pid = requireRunningPid(i);
  signal(pid, 'SIGSTOP');
  await waitFor(() => (isStopped(pid) ? true : undefined), {
    timeoutMs: 5_000,
    intervalMs: 10,
    what: `pushgateway-${gatewayNumber(i)} (pid ${pid}) to be stopped`,
  });
}

/** SIGCONTs Pushgateway i (0-based) and waits until it answers /-/ready again. */
export async function resumePushgateway(i: number): Promise<void> {
  const pid = requireRunningPid(i);
  signal(pid, 'SIGCONT');
  const url = pushgatewayUrl(PUSHGATEWAY_ADDRS[i], '/-/ready');
  await waitFor(
    async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer(); // let the connection go back to the pool
      return response.ok ? true : undefined;
    },
    { timeoutMs: SERVER_TIMEOUT_MS, what: `pushgateway-${gatewayNumber(i)} to answer ${url}` },
  );
}
