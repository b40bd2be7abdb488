/**
 * Path of a group on a Pushgateway: `/metrics/job/<job>` followed by one `/<name>/<value>` per
 * further grouping label, in the order given. A value that a path segment cannot carry as it is
 * (empty, or containing `/`) is sent base64url-encoded with the `@base64` suffix, as the
 * Pushgateway specifies; anything else is percent-encoded (spaces, unicode).
 */
export function groupingPath(job: string, labels: Readonly<Record<string, string>> = {}): string {
  let path = `/metrics${segment('job', job)}`;
  for (const [name, value] of Object.entries(labels)) path += segment(name, value);
  return path;
}

function segment(name: string, value: string): string {
  if (value === '' || value.includes('/')) {
    return `/${name}@base64/${Buffer.from(value, 'utf8').toString('base64url') || '='}`;
  }
  return `/${name}/${encodeURIComponent(value)}`;
}
