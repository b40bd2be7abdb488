// Helpers for the serialiser's tests: label sets like the module's, and hooks into a metric's
// label hash that see which slice of it is read in which turn of the event loop.

/** Label names of the module's standard metrics, for an app's own metrics labelled alike. */
export const MODULE_LABELS = ['app', 'job', 'topic'];

/** The label set of series `i`: one topic each. */
export const labelsOf = (i: number) => ({
  app: 'orders',
  job: 'pod-1',
  topic: `orders.events.v1-part-${i}`,
});

type WithHash = { hashMap: Record<string, unknown> };

/** Wraps a metric's label hash (prom-client's `hashMap`) so that each read of a series calls `onRead`. */
function watchHash(metric: object, onRead: () => void): void {
  const internals = metric as WithHash;
  internals.hashMap = new Proxy(internals.hashMap, {
    get(target, key, receiver) {
      onRead();
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

/**
 * Counts the series read from `metric`'s label hash in each turn of the event loop while `run`
 * runs: the counts of the turns that read any, in order. The serialiser reads each series of a
 * slice once (prom-client's reader then reads the slice, not the hash).
 */
export async function readsPerTurn(metric: object, run: () => Promise<unknown>): Promise<number[]> {
  let reads = 0;
  const turns: number[] = [];
  watchHash(metric, () => reads++);
  let done = false;
  const turn = () => {
    if (reads > 0) turns.push(reads);
    reads = 0;
    if (!done) setImmediate(turn);
  };
  setImmediate(turn);
  await run();
  done = true;
  if (reads > 0) turns.push(reads);
  return turns;
}

/**
 * Runs `change` once, in a turn of its own right after the serialiser takes the first slice of
 * `metric`'s series: between the first slice and the second.
 */
export function betweenSlices(metric: object, change: () => void): void {
  let armed = true;
  watchHash(metric, () => {
    if (!armed) return;
    armed = false;
    setImmediate(change);
  });
}
