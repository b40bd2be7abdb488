#!/usr/bin/env bash
# npm run bench [-- --quick] [-- --only=count,push,...] [-- --no-pin]
# Compiles bench/ with tsc (Nest needs emitDecoratorMetadata), starts the local servers the
# cases need if they are not running, runs every case and prints the table; the rows are also
# written to bench/results/. Servers this script started are stopped at the end; servers that
# were already running (other people's tests use them) are left alone.
# With two cores or more, the bench's node processes run on core 0 and the running servers
# (Pushgateways, Prometheus, dnsmasq, the Kafka broker) on core 1 for the run's duration; each
# gets its own affinity back at the end (bench/support/pin.ts).
# Exit status: non-zero when a case cannot run, and, in a full run, when a target is missed;
# --quick (what CI runs) reports a MISS without failing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

started_stack=""
started_kafka=""
cleanup() {
  [[ -z $started_kafka ]] || bash scripts/kafka.sh down || true
  [[ -z $started_stack ]] || bash scripts/stack.sh down || true
}
trap cleanup EXIT INT TERM

needs() { # CASE -> true when this run includes it
  local only
  only=$(printf '%s\n' "${ARGS[@]}" | sed -n 's/^--only=//p')
  [[ -z $only || ",$only," == *",$1,"* ]]
}
ARGS=("$@")

if [[ ! -x node_modules/.bin/tsc ]]; then
  echo "bench: installing npm packages"
  npm ci --no-audit --no-fund
fi
echo "bench: compiling bench/ (tsc)"
npx tsc -p bench/tsconfig.json

if needs stall || needs push || needs http; then
  # Something of the stack is down: bring it up. Take it down at the end only if none of it was
  # running before (a part someone else started stays up).
  stack_before=$(bash scripts/stack.sh status || true)
  if [[ $stack_before == *stopped* ]]; then
    if [[ $stack_before != *running* ]]; then started_stack=1; fi
    bash scripts/stack.sh install # a no-op when the servers are installed
    bash scripts/stack.sh up
  fi
fi
if needs kafka; then
  if ! bash scripts/kafka.sh status >/dev/null 2>&1; then
    started_kafka=1
    bash scripts/kafka.sh up # installs the broker first if it is missing
  fi
fi

node .run/bench/bench/main.js "$@"
