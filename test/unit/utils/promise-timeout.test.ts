import { describe, expect, it } from 'vitest';
import { promiseTimeout, PromiseTimeoutError } from '../../../lib/utils/promise-timeout';

describe('promiseTimeout', () => {
  it('settles as the work does when it is in time', async () => {
    await expect(promiseTimeout(1000, Promise.resolve(7))).resolves.toBe(7);
    await expect(promiseTimeout(1000, Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });

  it('rejects with PromiseTimeoutError when the time is up, and leaves no timer behind', async () => {
    const timers = (): number =>
      process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const never = new Promise<never>(() => undefined);
    const error = await promiseTimeout(20, never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromiseTimeoutError);
    expect((error as PromiseTimeoutError).ms).toBe(20);
    expect(timers()).toBe(before);
  });
});
