/** User-facing messages of the registry serialiser, in one place. */

/**
 * The sliced serialiser failed on prom-client's internals and the push (or scrape) fell back to
 * `registry.metrics()`: logged once per registry.
 */
export const slicedSerialiserFallback = (reason: string): string =>
  `cannot serialise the registry in slices (${reason}), so this push falls back to prom-client's registry.metrics(), which writes the same text in one go and stalls the app for as long as that takes on a large registry; the installed prom-client most likely changed the internals the module reads (tested with 15.0.0 and 15.1.3). Every later push that fails the same way falls back too, without logging this again`;

/**
 * The whole-registry path could not make the label edit: the installed prom-client's `metrics()`
 * did not list the metrics through `getMetricsAsArray()`. The push (or scrape) fails rather than
 * send series without the labels it needs, or with a label twice.
 */
export const editNotApplied =
  "cannot serialise the registry with its label edit: the installed prom-client's registry.metrics() did not read the metrics through getMetricsAsArray(), so the edit could not be made (tested with prom-client 15.0.0 and 15.1.3)";
