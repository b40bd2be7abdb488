#!/usr/bin/env bash
# Packs the library and installs the tarball into two throwaway apps under .run/compat/:
# a CommonJS Nest 11 app on Express and an ESM Nest 12 app on Fastify. Each boots
# NubiumMetricsModule against the local metrics cache, counts, serves the count at /metrics and
# pushes it; this script reads the count back from a Pushgateway.
# The Nest 11 app also runs a Kafka microservice whose handler's consumed count is pushed.
# Needs the stack (`bash scripts/stack.sh up`) and Kafka (`bash scripts/kafka.sh up`).
# Packages come through npm and its cache.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
source scripts/config.sh
compat_dir="$NUBIUM_RUN_DIR/compat"
pkg_dir="$compat_dir/pkg"
started=$SECONDS

# Built and packed in a staging copy, so a shared dist/ is never removed under someone else.
rm -rf "$pkg_dir" && mkdir -p "$pkg_dir"
npx --no-install tsc -p tsconfig.build.json --outDir "$pkg_dir/dist" --declarationMap false --sourceMap false
cp package.json README.md CHANGELOG.md LICENSE "$pkg_dir/"
# --ignore-scripts: dist/ is built above; the staging copy has no sources for prepack to build.
tarball="$compat_dir/$(cd "$pkg_dir" && npm pack --silent --ignore-scripts --pack-destination "$compat_dir" | tail -n 1)"
echo "compat: packed $(basename "$tarball") in $((SECONDS - started)) s"

# install_app NAME TYPE DEPENDENCY...: a fresh app dir with the tarball and the given packages.
install_app() {
  local name=$1 type=$2
  shift 2
  local dir="$compat_dir/$name" deps="\"nubium-metrics-nestjs\": \"file:$tarball\""
  for dep in "$@"; do deps+=", \"${dep%@*}\": \"${dep##*@}\""; done
  rm -rf "$dir" && mkdir -p "$dir"
  cp "test/compat/$name/"* "$dir/"
  printf '{ "name": "compat-%s", "private": true, "type": "%s", "dependencies": { %s } }\n' "$name" "$type" "$deps" >"$dir/package.json"
  local t=$SECONDS
  (cd "$dir" && npm install --prefer-offline --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null)
  echo "compat: $name installed $(cd "$dir" && node -p "'@nestjs/core ' + require('./node_modules/@nestjs/core/package.json').version") in $((SECONDS - t)) s"
}

# run_app NAME ENTRY [KAFKA]: boots the app, which counts 3 messages, serves and pushes them; then
# reads them back. With KAFKA the app also has its Kafka handler consume 5 messages from a topic of
# its own and pushes that count too.
run_app() {
  local name=$1 entry=$2 kafka=${3:-}
  local job="compat-$name-$$-$RANDOM" topic="compat.$name"
  local kafka_topic="compat.$name.kafka-$$-$RANDOM" expect=("$topic" 3)
  [[ -n $kafka ]] && expect+=("$kafka_topic" 5)
  (cd "$compat_dir/$name" && COMPAT_APP="compat-$name" COMPAT_JOB="$job" COMPAT_TOPIC="$topic" \
    COMPAT_DNS_SERVER="$DNS_ADDR:$DNS_PORT" COMPAT_SERVICE_NAME="$HEADLESS_NAME" \
    COMPAT_KAFKA_BROKER="$KAFKA_ADDR:$KAFKA_PORT" COMPAT_KAFKA_TOPIC="$kafka_topic" \
    timeout 60 node "$entry")
  node test/compat/check-pushgateway.mjs "${PUSHGATEWAY_ADDRS[0]}:$PUSHGATEWAY_PORT" "$job" "${expect[@]}"
  local addr
  for addr in "${PUSHGATEWAY_ADDRS[@]:1}"; do
    curl -fs -m 5 -X DELETE "http://$addr:$PUSHGATEWAY_PORT/metrics/job/$job" >/dev/null || true
  done
}

install_app nest11-cjs commonjs @nestjs/common@^11.0.0 @nestjs/core@^11.0.0 @nestjs/schedule@^6.0.0 \
  @nestjs/platform-express@^11.0.0 @nestjs/microservices@^11.0.0 kafkajs@2.2.4 prom-client@^15.1.0 \
  reflect-metadata@^0.2.0 rxjs@^7.8.0 &
install_nest11=$!
install_app nest12-esm module @nestjs/common@^12.0.0 @nestjs/core@^12.0.0 @nestjs/schedule@^12.0.0 \
  @nestjs/platform-fastify@^12.0.0 prom-client@^15.1.0 reflect-metadata@^0.2.0 rxjs@^7.8.0 &
install_nest12=$!
wait "$install_nest11"
wait "$install_nest12"

run_app nest11-cjs main.js kafka
run_app nest12-esm main.mjs
echo "compat: both apps pushed their count in $((SECONDS - started)) s"
