// The sweeper sidecar's image (deploy/sweeper/Dockerfile), as far as it can be checked without
// Docker: its entrypoint is the package's `nubium-metrics` bin, and the CLI, compiled as
// `npm run build` compiles it, starts with no node_modules at all, which is what the image's
// `npm prune --omit=dev` leaves. A package the CLI loads at run time would crash-loop the
// sidecar in every cache pod, and so take every cache pod out of its Services.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const DOCKERFILE = readFileSync(resolve(ROOT, 'deploy/sweeper/Dockerfile'), 'utf8');
const COMPILE_TIMEOUT_MS = 120_000;
const run = promisify(execFile);

const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  dependencies?: Record<string, string>;
};
const entrypoint = /^ENTRYPOINT \["node", "([^"]+)"\]$/m.exec(DOCKERFILE)?.[1];
const image = mkdtempSync(join(tmpdir(), 'nubium-sweeper-image-'));

afterAll(() => rmSync(image, { recursive: true, force: true }));

describe('deploy/sweeper/Dockerfile', () => {
  it("runs the package's nubium-metrics bin, built by npm run build and pruned of dev packages", () => {
    expect(`./${entrypoint}`).toBe(pkg.bin['nubium-metrics']);
    expect(DOCKERFILE).toMatch(/^RUN npm run build && npm prune --omit=dev\b/m);
    // So the prune leaves node_modules empty, as the next test runs the CLI.
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it('starts the sweep command with nothing but the build and package.json, as in the image', async () => {
    for (let dir = image; dir !== dirname(dir); dir = dirname(dir)) {
      expect(existsSync(join(dir, 'node_modules')), `${dir} must hold no node_modules`).toBe(false);
    }
    writeFileSync(join(image, 'package.json'), JSON.stringify(pkg));
    await run(
      process.execPath,
      [resolve(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'].concat(
        ['--outDir', join(image, 'dist'), '--declaration', 'false', '--declarationMap', 'false'],
        ['--sourceMap', 'false'],
      ),
      { cwd: ROOT, timeout: COMPILE_TIMEOUT_MS },
    );
    const started = await run(process.execPath, [entrypoint!, 'sweep', '--help'], {
      cwd: image,
      timeout: COMPILE_TIMEOUT_MS,
    }).catch((error: Error & { stderr?: string }) => ({ stdout: '', stderr: error.stderr }));
    expect(started.stderr).toBe('');
    expect(started.stdout).toContain('--ttl');
  });
});
