import type { OptionSource } from '../interfaces/metrics-options.interface';
import { invalidOption } from './options.messages';

/**
 * Error thrown at start-up for a missing or malformed option. Its message names the option and
 * where the value came from: `option "podPort" (given in code) ...`, `option "podPort" (returned
 * by the forRootAsync factory) ...`, `option "podPort" (from env METRICS_POD_PORT) ...`, or, for a
 * value set nowhere, the env var to set.
 */
export class MetricsOptionsError extends Error {
  constructor(
    /** The option at fault (`tls.ca` for a nested one). */
    readonly option: string,
    /** The env var it falls back to, if any. */
    readonly envVar: string | undefined,
    /** Why the value is refused, as the message says it after the option's name and origin. */
    readonly reason: string,
    /** Where the value at fault came from; `default` when it was set nowhere. */
    readonly source: OptionSource = 'default',
    /** True when a `code` value was returned by the `forRootAsync` factory, not given to `forRoot`. */
    readonly fromFactory = false,
  ) {
    super(invalidOption(option, envVar, reason, source, fromFactory));
    this.name = 'MetricsOptionsError';
  }
}
