// Nest application contexts a unit test boots, closed after each test.
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterEach } from 'vitest';

/**
 * Registers an afterEach that closes every context booted in the test, newest first, and returns
 * `boot(root)`, which creates one (no logs; a start-up error is thrown, not exited on).
 */
export function useAppContexts(): {
  boot(root: new () => unknown): Promise<INestApplicationContext>;
  /** The contexts booted so far in this test. */
  readonly apps: INestApplicationContext[];
} {
  const apps: INestApplicationContext[] = [];
  afterEach(async () => {
    while (apps.length) await apps.pop()!.close();
  });
  return {
    apps,
    async boot(root) {
      const app = await NestFactory.createApplicationContext(root, {
        logger: false,
        abortOnError: false,
      });
      apps.push(app);
      return app;
    },
  };
}
