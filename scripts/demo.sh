#!/usr/bin/env bash
# The demo: `npm run demo`. Sets up what it needs (npm packages, Debian packages, Kafka jars),
# starts Kafka, three Pushgateways behind the headless DNS name and Prometheus on loopback,
# runs the sample app's three setups with generated traffic, and prints the counts read back
# from Prometheus next to what was sent. Exits non-zero when they differ.
#
# Usage: npm run demo [-- --keep] [-- --short] [-- --seconds N]
#   --keep      leave the stack running at the end and print its addresses
#   --short     3 s of traffic (the end-to-end test uses it)
#   --seconds N N s of traffic (default 20)
# On exit, also on Ctrl-C, it stops what it started, and only that: servers that were
# already running are left as they were.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=config.sh
source "$ROOT/scripts/config.sh"
cd "$ROOT"

KEEP="" RUN_ARGS=()
while (($# > 0)); do
  case $1 in
    --keep) KEEP=1 RUN_ARGS+=(--keep) ;;
    --short) RUN_ARGS+=(--short) ;;
    --seconds) RUN_ARGS+=(--seconds "${2:?--seconds needs a number}") && shift ;;
    -h | --help) sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" && exit 0 ;;
    *) echo "demo: unknown argument '$1' (try --help)" >&2 && exit 2 ;;
  esac
  shift
done

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
say() { echo "demo: $*"; }
die() {
  echo "demo: $*" >&2
  exit 1
}

STARTED_STACK="" STARTED_KAFKA=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n $KEEP ]]; then
    step "The stack keeps running (--keep)"
    echo "  Prometheus:   http://$PROMETHEUS_ADDR:$PROMETHEUS_PORT  (try: messages_consumed)"
    local addr
    for addr in "${PUSHGATEWAY_ADDRS[@]}"; do echo "  Pushgateway:  http://$addr:$PUSHGATEWAY_PORT"; done
    echo "  Kafka:        $KAFKA_ADDR:$KAFKA_PORT"
    echo "  Stop it with: bash scripts/kafka.sh down && bash scripts/stack.sh down"
  else
    if [[ -n $STARTED_KAFKA ]]; then
      step "Stopping Kafka (started by the demo)"
      bash scripts/kafka.sh down || true
    fi
    if [[ -n $STARTED_STACK ]]; then
      step "Stopping the Pushgateways, dnsmasq and Prometheus (started by the demo)"
      bash scripts/stack.sh down || true
    fi
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'echo; say "interrupted"; exit 130' INT TERM

step "Checking Node.js"
command -v node >/dev/null || die "Node.js >= 20.19 is needed (https://nodejs.org)"
node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1);
' || die "Node.js >= 20.19 is needed, found $(node --version)"
say "node $(node --version)"

step "npm packages"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing (npm ci)"
  npm ci --no-audit --no-fund
else
  say "node_modules is up to date"
fi

step "Debian packages"
missing=()
command -v java >/dev/null || missing+=(default-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
if ((${#missing[@]} > 0)); then
  ((EUID == 0)) || die "${missing[*]} missing; install them, or run the demo as root to let it"
  say "installing ${missing[*]} for the Kafka broker"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
bash scripts/stack.sh install

step "Kafka jars"
bash scripts/kafka.sh install

step "Starting the stack"
# Only a stack that was entirely down is the demo's to stop at the end.
stack_before=$(bash scripts/stack.sh status || true)
[[ $stack_before == *running* ]] || STARTED_STACK=1
bash scripts/stack.sh up
[[ -n $STARTED_STACK ]] || say "some servers were running already: they are left running at the end"
if ! bash scripts/kafka.sh status >/dev/null; then STARTED_KAFKA=1; fi
bash scripts/kafka.sh up

step "Building the library and the sample app"
npm run --silent build
npx tsc -p sample-app/tsconfig.json
say "built dist/ and sample-app/dist/"

step "Running the sample app with traffic"
pushgateways=$(printf "%s:$PUSHGATEWAY_PORT," "${PUSHGATEWAY_ADDRS[@]}")
DEMO_PROMETHEUS_URL="http://$PROMETHEUS_ADDR:$PROMETHEUS_PORT" \
  DEMO_PUSHGATEWAYS="${pushgateways%,}" \
  KAFKA_BROKERS="$KAFKA_ADDR:$KAFKA_PORT" \
  METRICS_SERVICE_NAME="$HEADLESS_NAME" \
  METRICS_DNS_SERVERS="$DNS_ADDR:$DNS_PORT" \
  METRICS_POD_PORT="$PUSHGATEWAY_PORT" \
  node sample-app/dist/demo/run.js "${RUN_ARGS[@]}"
