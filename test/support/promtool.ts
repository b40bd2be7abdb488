// promtool, Prometheus's own rule checker and rule unit-test runner (Debian's prometheus package
// ships it). Required, never skipped: the alerting rules are only tested through it.
import { execFile } from 'node:child_process';
import { expect } from 'vitest';

const PROMTOOL_TIMEOUT_MS = 30_000;

/** What one promtool run printed, and how it exited. */
export interface PromtoolResult {
  /** promtool's exit code: 0 when every check or test passed. */
  readonly code: number;
  /** Its standard output and standard error, in that order: where it says what failed. */
  readonly output: string;
}

/** Runs `promtool ...args` to the end; a failed check is a result, not a rejection. */
export function promtool(args: readonly string[]): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    execFile('promtool', args, { timeout: PROMTOOL_TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error ? error.code : 0;
      if (typeof code !== 'number') {
        reject(
          new Error(
            code === 'ENOENT'
              ? 'promtool is not on PATH: the alerting rules are tested with it. Install ' +
                  "Debian's prometheus package (apt-get install prometheus), which ships it."
              : `promtool ${args.join(' ')} did not finish: ${error!.message}`,
          ),
        );
        return;
      }
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** Fails the test with promtool's own output, which names the failing rule or alert. */
export function expectPromtoolPassed(result: PromtoolResult, what: string): void {
  expect(result.code, `${what} failed:\n${result.output}`).toBe(0);
}
