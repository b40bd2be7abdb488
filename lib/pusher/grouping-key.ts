/**
 * Path of a job's group on a Pushgateway. A job that a path segment cannot carry as it is
 * (empty, or containing `/`) is sent base64url-encoded with the `@base64` suffix, as the
 * Pushgateway specifies; anything else is percent-encoded (spaces, unicode).
 */
export function groupingPath(job: string): string {
  if (job === '' || job.includes('/')) {
    return `/metrics/job@base64/${Buffer.from(job, 'utf8').toString('base64url') || '='}`;
  }
  return `/metrics/job/${encodeURIComponent(job)}`;
}
