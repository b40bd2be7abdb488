import { LABEL } from '../metrics.constants';
import type { ResolvedMetricsOptions } from '../metrics.options';
import type { SerialiseOptions } from '../serialiser/serialise-registry';
import { groupingPath } from './grouping-key';
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
  /** How the registry is serialised for the body of a push, once per cycle. */
  readonly serialising: SerialiseOptions;
}

/**
 * A Pushgateway's: `PUT` of the serialised registry to the app's group. VictoriaMetrics' import
 * API's: `POST` of the same series to `pushPath`, each carrying the grouping labels. vmagent adds
 * them itself (`extra_label`, see import-path.ts) but never replaces a label a series has, so a
 * series that kept its own `job` (the module's metrics all do) would be remote-written with two,
 * a sample Prometheus refuses and vmagent then retries without end: the body is serialised with
 * them dropped, and each series gets the grouping values, as a Pushgateway's grouping key
 * replaces a pushed series' own.
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
      serialising: {},
    };
  }
  return {
    method: 'POST',
    path: importPath(options.pushPath, job, groupingLabels),
    deletes: false,
    serialising: { labels: { drop: [LABEL.job, ...Object.keys(groupingLabels)] } },
  };
}
