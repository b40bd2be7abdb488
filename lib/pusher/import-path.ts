/**
 * Path and query of a push to VictoriaMetrics' import API: `path` followed by one
 * `extra_label=<name>=<value>` per grouping label, `job` first, so that every imported series
 * carries the labels a Pushgateway would give it from the app's group. Each `name=value` is
 * percent-encoded whole (`&`, `=`, `+`, `/`, newlines, unicode); VictoriaMetrics decodes the
 * query, then splits at the first `=` (label names hold none).
 */
export function importPath(
  path: string,
  job: string,
  labels: Readonly<Record<string, string>> = {},
): string {
  const extra = [['job', job], ...Object.entries(labels)].map(
    ([name, value]) => `extra_label=${encodeURIComponent(`${name}=${value}`)}`,
  );
  return `${path}?${extra.join('&')}`;
}
