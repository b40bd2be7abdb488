import type { ResolvedMetricsOptions } from '../metrics.options';
import { groupingPath } from './grouping-key';
import { withoutLabels } from './import-body';
import { importPath } from './import-path';

/** What every push cycle sends to each pod, by the protocol of the pushes. */
export interface PushRequests {
  readonly method: 'PUT' | 'POST';
  /** Path and query of a push: the app's group, or the import API with the grouping labels. */
  readonly path: string;
  /**
   * Whether a DELETE of `path` takes the app's series off the pod (a Pushgateway's group), as
   * `deleteOnShutdown` asks; vmagent keeps nothing to delete.
   */
  readonly deletes: boolean;
  /** The body of a push, from the serialised registry. */
  body(serialised: string): Promise<string>;
}

/**
 * A Pushgateway's: `PUT` of the serialised registry to the app's group. VictoriaMetrics' import
 * API's: `POST` of the same series to `pushPath`, each carrying the grouping labels.
 */
export function pushRequests(
  options: Pick<ResolvedMetricsOptions, 'pushProtocol' | 'pushPath' | 'job' | 'groupingLabels'>,
): PushRequests {
  const { job, groupingLabels } = options;
  if (options.pushProtocol === 'pushgateway') {
    return {
      method: 'PUT',
      path: groupingPath(job, groupingLabels),
      deletes: true,
      body: (serialised) => Promise.resolve(serialised),
    };
  }
  const names = new Set(['job', ...Object.keys(groupingLabels)]);
  return {
    method: 'POST',
    path: importPath(options.pushPath, job, groupingLabels),
    deletes: false,
    body: (serialised) => withoutLabels(serialised, names),
  };
}
