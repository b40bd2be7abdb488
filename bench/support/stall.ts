import { tick } from './stats';

/** The longest turn of the event loop while some work ran, in this process's CPU time and in wall time. */
export interface Stall {
  /** Process CPU time (user + system) of the longest turn, ms. */
  cpuMs: number;
  /** Wall time of the longest turn, ms. */
  wallMs: number;
}

/**
 * Runs `work` under a probe that reschedules itself with `setImmediate`, so it runs once in every
 * turn of the event loop, and returns the longest time between two of its runs: the longest
 * stretch in which nothing else could run. Wall time also counts the time another process held
 * the core; this process's CPU time does not, so it is the figure a shared machine leaves alone
 * (with the app pinned to one core, its own background threads, the garbage collector's, still
 * count, as they hold up the loop too).
 */
export async function longestStall(work: () => Promise<unknown>): Promise<Stall> {
  let running = true;
  let cpuAt = process.cpuUsage();
  let wallAt = performance.now();
  const longest: Stall = { cpuMs: 0, wallMs: 0 };
  const turn = (): void => {
    const wall = performance.now() - wallAt;
    const used = process.cpuUsage(cpuAt);
    longest.cpuMs = Math.max(longest.cpuMs, (used.user + used.system) / 1000);
    longest.wallMs = Math.max(longest.wallMs, wall);
    cpuAt = process.cpuUsage();
    wallAt = performance.now();
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  await tick();
  await tick();
  longest.cpuMs = longest.wallMs = 0;
  await work();
  // The turn in which the work finished ends at the probe's next run.
  await tick();
  await tick();
  running = false;
  // A copy: the probe's last scheduled run still updates `longest`.
  return { ...longest };
}
