#!/usr/bin/env bash
# The whole test suite with its own set-up: what `npm test` and CI run.
# Installs what is missing, starts the local servers it needs (and stops those it started),
# then lint, type-check, unit, integration and end-to-end tests against the real servers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mkdir -p .run

step() { printf '\n==> %s\n' "$*"; }

if [ ! -x node_modules/.bin/vitest ]; then
  step "installing npm packages"
  npm ci --no-audit --no-fund
fi

step "installing the local servers (Pushgateway, Prometheus, dnsmasq, Kafka)"
bash scripts/stack.sh install
bash scripts/kafka.sh install

started=()
cleanup() {
  local status=$?
  for server in "${started[@]}"; do bash "scripts/$server.sh" down || true; done
  exit "$status"
}
trap cleanup EXIT INT TERM
for server in stack kafka; do
  # Both scripts' status exits non-zero unless everything runs: only what was down is ours to stop.
  if ! bash "scripts/$server.sh" status >/dev/null 2>&1; then started+=("$server"); fi
  step "starting $server"
  bash "scripts/$server.sh" up
done

step "build, lint and type-check (library, tests, benchmarks, and the sample app against the build)"
# The build first: the sample app's lint and type-check read the library through dist/.
npm run --silent build
npm run lint
npx tsc -p sample-app/tsconfig.json --noEmit

step "unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile=.run/vitest-unit.json

step "the serialiser against the oldest prom-client of the peer range"
bash scripts/prom-client-range.sh --reporter=default --reporter=json --outputFile=.run/vitest-prom-client-oldest.json

step "integration and end-to-end tests"
npx vitest run --project integration --reporter=default --reporter=json --outputFile=.run/vitest-integration.json

if [ -f scripts/check-package.sh ]; then
  step "package checks"
  bash scripts/check-package.sh
fi

node -e '
  let passed = 0, failed = 0, skipped = 0;
  for (const file of [".run/vitest-unit.json", ".run/vitest-prom-client-oldest.json", ".run/vitest-integration.json"]) {
    const r = require("./" + file);
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
'
