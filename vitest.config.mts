import path from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC instead of esbuild: Nest's dependency injection needs emitDecoratorMetadata.
const plugins = [swc.vite({ module: { type: 'es6' } })];

// Another prom-client of the peer range to run the tests against (scripts/prom-client-range.sh
// installs the oldest under .run/): the folder of its package, for the library and the tests alike.
const otherPromClient = process.env.NUBIUM_TEST_PROM_CLIENT;
const resolve = otherPromClient
  ? { alias: { 'prom-client': path.resolve(otherPromClient) } }
  : undefined;

export default defineConfig({
  test: {
    projects: [
      {
        plugins,
        resolve,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        plugins,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          environment: 'node',
          // One set of real servers is shared: files run one after another.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
