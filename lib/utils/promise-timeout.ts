/** Rejection of {@link promiseTimeout} when the time is up. */
export class PromiseTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no result within ${ms} ms`);
    this.name = 'PromiseTimeoutError';
  }
}

/**
 * Settles as `work` does, or rejects with {@link PromiseTimeoutError} once `ms` have passed,
 * whichever comes first; the timer is cleared either way, so it never keeps the process alive.
 * The one timeout helper of the module (DNS resolution, the final push on shutdown).
 */
export async function promiseTimeout<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PromiseTimeoutError(ms)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
