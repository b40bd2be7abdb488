#!/usr/bin/env bash
# npm run bench:fleet [-- --quick]
# What a fleet of app pods costs the metrics cache (bench/fleet/main.ts). The bench starts and
# stops its own servers, clear of the test stack: three Pushgateways on 127.0.0.12-14:9191,
# two vmagents on 127.0.0.15-16:9429, VictoriaMetrics on 127.0.0.1:18528, dnsmasq on
# 127.0.0.1:5354, Prometheus on 127.0.0.1:19290; logs in .run/fleet/logs.
# Full run: about 20 minutes, writes docs/fleet-cache-cpu.svg. --quick (CI): about 3 minutes,
# report only. Results as JSON in bench/results/. Non-zero exit only when a scenario cannot run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PID_DIR="$ROOT/.run/fleet/pids"

# The bench kills its servers itself on exit, signals and errors; this catches what a bench
# killed outright (SIGKILL) leaves: each pid file names the binary, so a reused pid is spared.
cleanup() {
  local file pid bin argv0
  for file in "$PID_DIR"/*.pid; do
    [[ -e $file ]] || continue
    read -r pid bin <"$file" || true
    argv0=""
    { IFS= read -r -d '' argv0 <"/proc/$pid/cmdline"; } 2>/dev/null || true
    if [[ -n $pid && -n $bin && $argv0 == "$bin" ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -f "$file"
  done
}
trap cleanup EXIT

if [[ ! -x node_modules/.bin/tsc ]]; then
  echo "bench:fleet: installing npm packages"
  npm ci --no-audit --no-fund
fi
bash scripts/stack.sh install # a no-op when the servers are installed
echo "bench:fleet: compiling bench/ (tsc)"
npx tsc -p bench/tsconfig.json
# Thousands of simulated pods keep a connection to each cache pod or vmagent and a DNS socket each.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
node .run/bench/bench/fleet/main.js "$@"
