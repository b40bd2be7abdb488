// What the bench and its sweeper sidecar (sweeper-sidecar.ts) tell each other.

/** Marks the lines of the sidecar's stdout the bench reads. */
export const SWEEP_LINE_PREFIX = 'SWEEP ';

/** What the bench passes to the sidecar, as JSON in argv[2]. */
export interface SidecarArgs {
  /** Base URLs of the cache pods (`http://127.0.0.12:9191`). */
  readonly targets: readonly string[];
  readonly ttlSeconds: number;
  readonly intervalMs: number;
  /** The sidecar exits after this, whatever happens. */
  readonly limitMs: number;
}

/** One pass over one cache pod, as the sidecar reports it. */
export interface SweepLine {
  readonly target: string;
  /** When the pass ended, ms since the epoch. */
  readonly endMs: number;
  readonly durationMs: number;
  readonly kept: number;
  readonly deleted: number;
  readonly failed: number;
  readonly error?: string;
}
