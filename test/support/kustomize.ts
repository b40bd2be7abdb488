// The deploy/ manifests as `kubectl apply -k` would see them: built with `kubectl kustomize`
// (no cluster needed), parsed into objects. kubectl is required, never skipped.
import { execFile } from 'node:child_process';
import { relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { parseAllDocuments } from 'yaml';

/** The repository's root, which the messages name paths from. */
export const ROOT = resolve(__dirname, '../..');
/** deploy/, the base kustomization. */
export const DEPLOY = resolve(ROOT, 'deploy');

const KUSTOMIZE_TIMEOUT_MS = 30_000;
const run = promisify(execFile);

/** The objects of a multi-document YAML text; `source` names it when a document does not parse. */
export function parseYamlObjects<T>(text: string, source: string): T[] {
  return parseAllDocuments(text).map((doc) => {
    expect(doc.errors, `${source}: YAML errors`).toEqual([]);
    return doc.toJS() as T;
  });
}

/** The objects `kubectl kustomize dir` builds. */
export async function kustomize<T>(dir: string): Promise<T[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { timeout: KUSTOMIZE_TIMEOUT_MS });
  return parseYamlObjects<T>(stdout, `kubectl kustomize ${relative(ROOT, dir)}`);
}

/** Fails, saying what to install, when kubectl (with kustomize v5) is missing: never a skip. */
export async function requireKubectl(): Promise<void> {
  const version = await run('kubectl', ['version', '--client', '-o', 'json'], {
    timeout: KUSTOMIZE_TIMEOUT_MS,
  }).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      error.code === 'ENOENT'
        ? 'kubectl is not on PATH: these tests build deploy/ with `kubectl kustomize`. Install ' +
            'kubectl 1.27 or later (apt-get install kubectl, from the Kubernetes apt repository; ' +
            "Debian's own kubernetes-client is too old for kustomize v5)."
        : `kubectl version failed: ${error.message}`,
    );
  });
  const { kustomizeVersion } = JSON.parse(version.stdout) as { kustomizeVersion?: string };
  expect(kustomizeVersion, 'kubectl must embed kustomize v5 or later').toMatch(/^v([5-9]|\d\d)\./);
}
