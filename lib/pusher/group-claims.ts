/**
 * The groups pushed from this process, so that two modules that would push the same group (and
 * overwrite each other's counts at every push) fail at start-up instead. Keyed by cache and path.
 */
const claimed = new Set<string>();

/** Claims `key` for one pusher; false when another pusher of this process holds it. */
export function claimGroup(key: string): boolean {
  if (claimed.has(key)) return false;
  claimed.add(key);
  return true;
}

/** Gives `key` back, when its pusher shuts down. */
export function releaseGroup(key: string): void {
  claimed.delete(key);
}
