// The heap a test retains, measured after full garbage collections. vitest starts its workers
// without --expose-gc, so the flag is set at run time and `gc` taken from a fresh context.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** Runs full collections until the heap stops shrinking (at most 10). */
export function fullGc(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  let last = Infinity;
  for (let i = 0; i < 10; i++) {
    gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= last) return;
    last = used;
  }
}

/** Heap in use after {@link fullGc}: what is still reachable, in bytes. */
export function retainedHeap(): number {
  fullGc();
  return process.memoryUsage().heapUsed;
}
