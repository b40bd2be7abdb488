/** User-facing messages of the module, in one place. */

export const invalidOption = (option: string, envVar: string | undefined, reason: string): string =>
  `NubiumMetricsModule: option "${option}"${envVar ? ` (env ${envVar})` : ''} ${reason}`;

export const labelOverflow = (metric: string, label: string, cap: number): string =>
  `${metric}: more than ${cap} distinct "${label}" values; further values are counted under "__overflow__"`;

export const rejectedCount = (metric: string, n: unknown): string =>
  `${metric}: ignored an increment of ${typeof n === 'string' ? JSON.stringify(n) : String(n)} (must be a finite number >= 0; further bad increments are ignored silently)`;

export const dnsFailed = (name: string, reason: string, kept: number): string =>
  `cannot resolve metrics cache "${name}": ${reason}; ${kept ? `pushing to the ${kept} last known pod(s)` : 'no known pods, nothing pushed this cycle'}`;

export const targetsChanged = (name: string, targets: readonly string[]): string =>
  `metrics cache "${name}" resolves to ${targets.length} pod(s): ${targets.join(', ') || '(none)'}`;

export const pushFailed = (target: string, reason: string): string =>
  `push to metrics cache pod ${target} failed: ${reason}`;

export const pushRecovered = (target: string): string =>
  `push to metrics cache pod ${target} works again`;

export const cycleSkipped = (rateSeconds: number): string =>
  `previous push cycle still running after ${rateSeconds}s; this cycle is skipped`;

export const shutdownPush = (ok: number, total: number, deleted: boolean): string =>
  `final ${deleted ? 'delete' : 'push'} on shutdown reached ${ok} of ${total} metrics cache pod(s)`;

export const groupClash = (path: string, serviceName: string): string =>
  `pushes the group ${path} to "${serviceName}", which another NubiumMetricsModule of this process already pushes: each push would overwrite the other's counts. Give each module its own job or groupingLabels`;
