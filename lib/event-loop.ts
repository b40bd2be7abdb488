/**
 * Series handled between two yields to the event loop, wherever a push cycle works through many
 * series (folding the counting cells, formatting the body): about a millisecond of work.
 */
export const SERIES_PER_SLICE = 500;

/** Lets the app's pending I/O and timers run before the next slice of work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
