#!/usr/bin/env bash
# Packs the library and installs the tarball into two throwaway apps under .run/compat/:
# a CommonJS Nest 11 app on Express and an ESM Nest 12 app on Fastify. Each boots
# NubiumMetricsModule as a pod would: forRootAsync with @nestjs/config's ConfigService, whose values
# are the env's strings (METRICS_PUSH_RATE='3600', METRICS_PUSH_ENABLED='true'), the job from
# HOSTNAME. Each counts by hand, has a Kafka microservice whose @EventPattern handler consumes the
# messages of a topic of its own (counted, timed with processingTime, lag and seconds_behind
# kept), serves /metrics and pushes; this script reads all of it back from a Pushgateway.
# The Nest 12 app's second entry, laptop.mjs, boots as on a developer's machine (no HOSTNAME, no
# METRICS_SERVICE_NAME): this script checks its one warning and that it pushed nothing.
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
  cp "test/compat/$name/"* test/compat/shared/* "$dir/"
  printf '{ "name": "compat-%s", "private": true, "type": "%s", "dependencies": { %s } }\n' "$name" "$type" "$deps" >"$dir/package.json"
  local t=$SECONDS
  (cd "$dir" && npm install --prefer-offline --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null)
  echo "compat: $name installed $(cd "$dir" && node -p "'@nestjs/core ' + require('./node_modules/@nestjs/core/package.json').version") in $((SECONDS - t)) s"
}

# The module's env vars: each app gets only those run_app or run_laptop give it, whatever this
# shell exports (shells set HOSTNAME without exporting it, but a parent process may pass it on).
module_env=(HOSTNAME APP_NAME METRICS_SERVICE_NAME METRICS_SERVICE_PORT METRICS_POD_PORT
  METRICS_PUSH_RATE METRICS_PUSH_ENABLED)
clean_env=()
for var in "${module_env[@]}"; do clean_env+=(-u "$var"); done
gateway="${PUSHGATEWAY_ADDRS[0]}:$PUSHGATEWAY_PORT"

# run_app NAME ENTRY MESSAGES: boots the app as a pod sees it, with the options as env strings
# and HOSTNAME as its job. The app counts 3 messages by hand, has its Kafka handler consume
# MESSAGES from a topic of its own, serves and pushes; then the push is read back: the counts, the
# parsed push rate, the lag, seconds_behind and the processing-time histogram.
run_app() {
  local name=$1 entry=$2 messages=$3
  local app="compat-$name" job="compat-$name-$$-$RANDOM" topic="compat.$name"
  local kafka_topic="compat.$name.kafka-$$-$RANDOM" since status=0 addr
  since=$(date +%s%3N) # before the app produces its messages: seconds_behind's upper bound
  (cd "$compat_dir/$name" && env "${clean_env[@]}" APP_NAME="$app" HOSTNAME="$job" \
    METRICS_SERVICE_NAME="$HEADLESS_NAME" METRICS_PUSH_RATE=3600 METRICS_PUSH_ENABLED=true \
    COMPAT_TOPIC="$topic" COMPAT_DNS_SERVER="$DNS_ADDR:$DNS_PORT" \
    COMPAT_KAFKA_BROKER="$KAFKA_ADDR:$KAFKA_PORT" COMPAT_KAFKA_TOPIC="$kafka_topic" \
    COMPAT_KAFKA_MESSAGES="$messages" timeout 60 node "$entry") &&
    node test/compat/check-pushgateway.mjs --gateway "$gateway" --job "$job" --app "$app" \
      --consumed "$topic=3" --consumed "$kafka_topic=$messages" --push-rate 3600 \
      --kafka "$kafka_topic=$messages" --since "$since" ||
    status=$?
  # Pass or fail, the run leaves no group behind on any gateway.
  for addr in "${PUSHGATEWAY_ADDRS[@]}"; do
    curl -fs -m 5 -X DELETE "http://$addr:$PUSHGATEWAY_PORT/metrics/job/$job" >/dev/null || true
  done
  return "$status"
}

# run_laptop NAME ENTRY: boots the app with none of the module's env vars, as on a developer's
# machine; the app checks its count, its job (the host name) and pushNow()'s skip. Its output must
# hold exactly one warning, naming METRICS_SERVICE_NAME and METRICS_PUSH_ENABLED, and no
# Pushgateway may hold its app.
run_laptop() {
  local name=$1 entry=$2 app="compat-laptop-$$-$RANDOM" out status=0 warnings
  out=$(cd "$compat_dir/$name" && env "${clean_env[@]}" NO_COLOR=1 COMPAT_APP="$app" \
    COMPAT_TOPIC=compat.laptop timeout 30 node "$entry" 2>&1) || status=$?
  printf '%s\n' "$out"
  if ((status != 0)); then
    echo "compat: $name $entry exited with $status" >&2
    return 1
  fi
  warnings=$(grep -E '\bWARN\b' <<<"$out" || true)
  if [[ -z $warnings || $warnings == *$'\n'* || $warnings != *METRICS_SERVICE_NAME* ||
    $warnings != *METRICS_PUSH_ENABLED* ]]; then
    echo "compat: $name on a laptop must warn once, naming METRICS_SERVICE_NAME and METRICS_PUSH_ENABLED; it warned: ${warnings:-nothing}" >&2
    return 1
  fi
  echo "compat: $name on a laptop warned once: $warnings"
  local addr
  for addr in "${PUSHGATEWAY_ADDRS[@]}"; do
    node test/compat/check-pushgateway.mjs --gateway "$addr:$PUSHGATEWAY_PORT" --app "$app" --absent
  done
}

install_app nest11-cjs commonjs @nestjs/common@^11.0.0 @nestjs/core@^11.0.0 @nestjs/schedule@^6.0.0 \
  @nestjs/platform-express@^11.0.0 @nestjs/microservices@^11.0.0 @nestjs/config@^4.0.0 kafkajs@2.2.4 \
  prom-client@^15.1.0 reflect-metadata@^0.2.0 rxjs@^7.8.0 &
install_nest11=$!
install_app nest12-esm module @nestjs/common@^12.0.0 @nestjs/core@^12.0.0 @nestjs/schedule@^12.0.0 \
  @nestjs/platform-fastify@^12.0.0 @nestjs/microservices@^12.0.0 @nestjs/config@^12.0.0 kafkajs@2.2.4 \
  prom-client@^15.1.0 reflect-metadata@^0.2.0 rxjs@^7.8.0 &
install_nest12=$!
wait "$install_nest11"
wait "$install_nest12"

run_app nest11-cjs main.js 5
run_app nest12-esm main.mjs 4
run_laptop nest12-esm laptop.mjs
echo "compat: both apps pushed what they counted, and the laptop app pushed nothing, in $((SECONDS - started)) s"
