import { createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { startChild, stopChild, type Child } from './children';
import { CACHE_ADDRESSES, cacheInstance } from './config';
import type { SweeperFigures } from './results';
import { mean, sleep } from '../support/stats';
import { SWEEP_LINE_PREFIX, type SidecarArgs, type SweepLine } from './sidecar-protocol';

/** The sweeper sidecar process, and the passes it reported. */
export class SweeperSidecar {
  readonly lines: SweepLine[] = [];
  private readonly outputEnded: Promise<void>;

  private constructor(readonly child: Child) {
    const stdout = child.process.stdout;
    if (!stdout) throw new Error('the sweeper sidecar has no stdout to read');
    const lines = createInterface({ input: stdout });
    // Anything else it prints (its log) goes to its log file.
    const log = createWriteStream(child.log, { flags: 'a' });
    lines.on('line', (line) => {
      if (line.startsWith(SWEEP_LINE_PREFIX))
        this.lines.push(JSON.parse(line.slice(SWEEP_LINE_PREFIX.length)) as SweepLine);
      else log.write(`${line}\n`);
    });
    lines.on('close', () => log.end());
    this.outputEnded = new Promise((resolve) => lines.on('close', resolve));
  }

  /** Starts sweeping every cache pod every `intervalMs`, for at most `limitMs`. */
  static start(ttlSeconds: number, intervalMs: number, limitMs: number): SweeperSidecar {
    const args: SidecarArgs = {
      targets: CACHE_ADDRESSES.map((a) => `http://${cacheInstance(a)}`),
      ttlSeconds,
      intervalMs,
      limitMs,
    };
    const script = path.join(__dirname, 'sweeper-sidecar.js');
    return new SweeperSidecar(
      startChild('sweeper', process.execPath, [script, JSON.stringify(args)], true),
    );
  }

  /** Passes that ended in [fromMs, toMs), summed, with the sidecar's CPU over the same time. */
  figures(fromMs: number, toMs: number, cpuSeconds: number | null): SweeperFigures {
    const lines = this.lines.filter((l) => l.endMs >= fromMs && l.endMs < toMs);
    return {
      passes: lines.length,
      deleted: lines.reduce((s, l) => s + l.deleted, 0),
      failed: lines.reduce((s, l) => s + l.failed, 0),
      meanPassMs: lines.length > 0 ? mean(lines.map((l) => l.durationMs)) : null,
      cpuCores: cpuSeconds === null ? NaN : cpuSeconds / ((toMs - fromMs) / 1000),
    };
  }

  /** The first error a pass reported, if any. */
  get firstError(): string | undefined {
    return this.lines.find((l) => l.error)?.error;
  }

  /** Stops the sidecar, and reads what it wrote before it ended. */
  async stop(): Promise<void> {
    await stopChild(this.child);
    await Promise.race([this.outputEnded, sleep(2000)]);
  }
}
