// The one way tests wait for a state: poll with a deadline, never sleep for a guessed time.

/**
 * Calls fn (sync or async) every intervalMs until it returns something other than undefined,
 * and returns that; throws `timed out waiting for <what>` with the last error once timeoutMs
 * is over.
 */
export async function waitFor<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  {
    timeoutMs = 10_000,
    intervalMs = 100,
    what,
  }: { timeoutMs?: number; intervalMs?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'last result: undefined';
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
      last = 'last result: undefined';
    } catch (e) {
      last = `last error: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out waiting for ${what} after ${timeoutMs} ms (${last})`);
    }
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}
