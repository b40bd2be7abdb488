// The set-up and teardown every fault test shares, registered once: the stack is put back before
// the file, after each test and after the file; what a test made (apps, extra servers, groups on
// the Pushgateways) goes when that test ends, pass or fail, so the next test starts clean.
import type { MetricsModuleOptions } from '../../lib';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createMetricsApp, restoreStack, type MetricsApp } from './faults';
import { deleteGroupEverywhere, wipeAllPushgateways } from './stack';

/** What a test makes and the scope closes after it: an app context, a {@link MetricsApp}, a server. */
export type TestResource =
  | { close(): Promise<unknown> }
  | { app: { close(): Promise<unknown> } }
  | { stop(): Promise<unknown> };

/** The handle a fault test file gets from {@link useFaultTestScope}. */
export interface FaultTestScope {
  /**
   * Remembers a job's group, with these grouping labels, to delete from every Pushgateway after
   * this test; returns the job name, so it can stand where the name is used.
   */
  job(name: string, groupingLabels?: Record<string, string>): string;
  /** Closes (or stops) `resource` after this test, in the reverse order of tracking; returns it. */
  track<T extends TestResource>(resource: T): T;
  /** `createMetricsApp(options)`, tracked, with its group (job and grouping labels) remembered. */
  createApp(options: MetricsModuleOptions): Promise<MetricsApp>;
  /** Closes a tracked resource now, where the test itself asserts on its shutdown; not again after. */
  close(resource: TestResource): Promise<void>;
}

/** Options of {@link useFaultTestScope}. */
export interface FaultTestScopeOptions {
  /**
   * Wipe every Pushgateway before the file and after each test, for files that assert on all
   * the groups a Pushgateway holds; remembered jobs are then not needed.
   */
  wipe?: boolean;
}

function dispose(resource: TestResource): Promise<unknown> {
  if ('app' in resource) return resource.app.close();
  if ('stop' in resource) return resource.stop();
  return resource.close();
}

/**
 * Registers the fault tests' hooks in the calling file (or describe block): `restoreStack()`
 * before all, after each and after all tests; after each test, first every tracked resource is
 * closed, then the stack restored, then every remembered group deleted from every Pushgateway
 * (with `wipe`, every group).
 */
export function useFaultTestScope({ wipe = false }: FaultTestScopeOptions = {}): FaultTestScope {
  const resources: TestResource[] = [];
  const groups = new Map<string, { job: string; groupingLabels: Record<string, string> }>();

  beforeAll(async () => {
    await restoreStack();
    if (wipe) await wipeAllPushgateways();
  });

  afterEach(async () => {
    const closing = resources.splice(0).reverse();
    const deleting = [...groups.values()];
    groups.clear();
    // Every resource gets its close, even after one fails; the first failure is reported.
    const failures: unknown[] = [];
    for (const resource of closing) await dispose(resource).catch((e: unknown) => failures.push(e));
    await restoreStack();
    if (wipe) await wipeAllPushgateways();
    else await Promise.all(deleting.map((g) => deleteGroupEverywhere(g.job, g.groupingLabels)));
    if (failures.length > 0) throw failures[0];
  });

  afterAll(async () => {
    await restoreStack();
  });

  const scope: FaultTestScope = {
    job(name, groupingLabels = {}) {
      groups.set(JSON.stringify([name, groupingLabels]), { job: name, groupingLabels });
      return name;
    },
    track(resource) {
      resources.push(resource);
      return resource;
    },
    async createApp(options) {
      if (options.job !== undefined) scope.job(options.job, options.groupingLabels);
      return scope.track(await createMetricsApp(options));
    },
    async close(resource) {
      const at = resources.indexOf(resource);
      if (at >= 0) resources.splice(at, 1);
      await dispose(resource);
    },
  };
  return scope;
}
