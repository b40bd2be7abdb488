'use strict';
// Helpers of the throwaway apps with no dependency, copied next to each app's entry by run.sh.
// CommonJS, so the ESM app imports it too.

/**
 * Polls `state()` every 50 ms until `done(value)`, throwing `failure(value)` when `broken(value)`
 * or when `timeoutMs` passes; resolves with the last value.
 */
async function waitFor({ state, done, broken = () => false, failure, timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await state();
    if (done(value)) return value;
    if (broken(value) || Date.now() > deadline)
      throw new Error(`${failure(value)} after ${Date.now() - deadline + timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The app's own /metrics text, as a scraper reads it. */
async function scrape(port) {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, text: await response.text() };
}

/** The first sample line of `metric` (exact name) whose labels include every `labels` pair. */
function sampleLine(text, metric, labels = {}) {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
  return text
    .split('\n')
    .find((line) => line.startsWith(`${metric}{`) && pairs.every((pair) => line.includes(pair)));
}

module.exports = { waitFor, scrape, sampleLine };
