#!/usr/bin/env bash
# The serialiser's byte-for-byte tests against the oldest prom-client of the peer range
# (package.json: "prom-client": "^15.0.0"). The newest is the one node_modules holds (the
# devDependency, kept on the latest 15.x), which the unit tests run against anyway.
# The oldest is installed under .run/ on first use, apart from node_modules, and vitest resolves
# prom-client to it for the library and the tests alike (vitest.config.mts); the tests check the
# version they loaded. Extra arguments go to vitest (a reporter, an output file).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

oldest=15.0.0
dir=".run/prom-client-$oldest"
if [ ! -f "$dir/node_modules/prom-client/package.json" ]; then
  npm install --prefix "$dir" "prom-client@$oldest" --no-save --no-audit --no-fund
fi

NUBIUM_TEST_PROM_CLIENT="$dir/node_modules/prom-client" NUBIUM_TEST_PROM_CLIENT_VERSION="$oldest" \
  npx vitest run --project unit test/unit/serialiser/serialise-registry "$@"
