// What the protocol of the pushes decides among the options: the default pod port, and the path
// of VictoriaMetrics' import API (a Pushgateway's path is the app's group, built by the pusher).
import type { PushProtocol } from '../interfaces/metrics-options.interface';
import * as messages from './options.messages';
import { fail, type At, type Scope } from './option-scope';

/** The values `pushProtocol` takes. */
export const PUSH_PROTOCOLS: readonly PushProtocol[] = ['pushgateway', 'victoriametrics'];

/** The port each protocol's server listens on by default: the Pushgateway's, vmagent's. */
export function defaultPodPort(scope: Scope): number {
  return scope.pushProtocol === 'victoriametrics' ? 8429 : 9091;
}

/** vmagent's (and a VictoriaMetrics single node's) Prometheus text import API. */
export const VICTORIA_METRICS_IMPORT_PATH = '/api/v1/import/prometheus';

/** The import path for victoriametrics; none for a Pushgateway. */
export function defaultPushPath(scope: Scope): string {
  return scope.pushProtocol === 'victoriametrics' ? VICTORIA_METRICS_IMPORT_PATH : '';
}

// An absolute path of RFC 3986 path characters (vminsert's tenants are `<account>:<project>`);
// no query or fragment: the pusher appends the query that carries the grouping labels.
const PUSH_PATH = /^\/(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*$/;

/**
 * A push path is for VictoriaMetrics' import API only: refused with a Pushgateway, whose path is
 * the app's group, rather than ignored, so a setting that does nothing never goes unnoticed.
 */
export function checkPushPath(path: string, at: At, scope: Scope): void {
  if (scope.pushProtocol !== 'victoriametrics') fail(at, messages.pushPathWithPushgateway);
  if (!PUSH_PATH.test(path)) fail(at, messages.notAPushPath(path));
}
