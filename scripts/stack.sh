#!/usr/bin/env bash
# The local stack the integration tests run against, all on loopback:
#   - three Pushgateways, standing in for the pods of the "metrics cache";
#   - dnsmasq, answering the headless Service name with the pods' addresses;
#   - Prometheus, scraping the three Pushgateways like the real one does;
#   - two vmagents, a VictoriaMetrics single node and a second Prometheus behind them
#     (scripts/stack-vmagent.sh).
# Servers run as plain background processes (no systemd here) with pid files
# in .run/pids and logs in .run/logs. Every subcommand is idempotent.
#
# Usage: scripts/stack.sh COMMAND
#   install                  apt-install the servers (and htpasswd, openssl, kubectl) if any is missing (needs root)
#   up | down | status       start what is not running / stop everything / one line each
#                            (status exits 3 when any server is stopped)
#   pg-stop N | pg-start N   stop / start Pushgateway N (1..3); a started one is empty
#   pg-pause N | pg-resume N SIGSTOP / SIGCONT: a pod that accepts connections, never answers
#   dns-set [ADDR...]        the headless name answers exactly these IPv4/IPv6 addresses
#   dns-reset                back to the three Pushgateway addresses
#   dns-stop | dns-start     stop / start dnsmasq (start keeps the last dns-set)
#   vmagent-stop N | vmagent-start N   stop / start vmagent N (1..2); it keeps its unsent queue
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=config.sh
source "$ROOT/scripts/config.sh"

PUSHGATEWAY_BIN=/usr/bin/prometheus-pushgateway
PROMETHEUS_BIN=/usr/bin/prometheus
DNSMASQ_BIN=/usr/sbin/dnsmasq
# Seconds a server gets to come up or to stop before we give up (or KILL it).
STACK_TIMEOUT="${STACK_TIMEOUT:-30}"

RUN_DIR="$NUBIUM_RUN_DIR"
LOG_DIR="$RUN_DIR/logs"
PID_DIR="$RUN_DIR/pids"
HOSTS_FILE="$RUN_DIR/dns/hosts"
PROMETHEUS_DIR="$RUN_DIR/prometheus"
# shellcheck source=stack-vmagent.sh
source "$ROOT/scripts/stack-vmagent.sh"

say() { echo "stack: $*"; }
die() {
  echo "stack: $*" >&2
  exit 1
}

# Fails with the end of a server's log, which usually says why it did not come up.
die_with_log() {
  local name=$1 message=$2
  {
    echo "stack: $message"
    echo "--- last lines of $LOG_DIR/$name.log:"
    tail -n 25 "$LOG_DIR/$name.log" 2>/dev/null || echo "(no log)"
  } >&2
  exit 1
}

pushgateway_addr() { # N (1..3) -> address
  local n=$1
  [[ $n =~ ^[1-9]$ ]] && ((n <= ${#PUSHGATEWAY_ADDRS[@]})) ||
    die "Pushgateway index must be 1..${#PUSHGATEWAY_ADDRS[@]}, got '$n'"
  echo "${PUSHGATEWAY_ADDRS[n - 1]}"
}

# --- processes -------------------------------------------------------------

binary_of() { # server name -> the binary it runs
  case $1 in
    pushgateway-*) echo "$PUSHGATEWAY_BIN" ;;
    prometheus | prometheus-rw) echo "$PROMETHEUS_BIN" ;;
    vmagent-*) echo "$VMAGENT_BIN" ;;
    victoria-metrics) echo "$VICTORIA_METRICS_BIN" ;;
    dnsmasq) echo "$DNSMASQ_BIN" ;;
  esac
}

# True while PID is alive and still runs BIN: a pid file that outlived its
# process must not make us signal whatever reused the pid. (A zombie has an
# empty cmdline, so it counts as gone.)
runs() { # PID BIN
  local argv0
  { IFS= read -r -d '' argv0 <"/proc/$1/cmdline"; } 2>/dev/null || return 1
  [[ $argv0 == "$2" ]]
}

# Prints the pid of a running server; fails (and drops a stale pid file) otherwise.
pid_of() {
  local name=$1 file="$PID_DIR/$1.pid" pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  if [[ $pid =~ ^[0-9]+$ ]] && runs "$pid" "$(binary_of "$name")"; then
    echo "$pid"
  else
    rm -f "$file"
    return 1
  fi
}

is_paused() { # PID: state T = stopped by a signal
  [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == T ]]
}

start_daemon() { # NAME BIN ARGS...
  local name=$1
  shift
  mkdir -p "$LOG_DIR" "$PID_DIR"
  echo "--- $(date -u +%FT%TZ) starting: $*" >>"$LOG_DIR/$name.log"
  # setsid: a Ctrl-C aimed at the test run must not take the servers with it.
  # Standard streams go to the log so a caller waiting for our output (Node's
  # execFile) is not kept waiting by the daemon. No other descriptor of ours or
  # the caller's is left open in it: a daemon holding the stack lock (fd 9), or
  # a lock the caller took (`flock FILE scripts/stack.sh up`), would hold that
  # lock for as long as it runs.
  (
    for fd in $(ls "/proc/$BASHPID/fd"); do ((fd <= 2)) || eval "exec $fd>&-"; done
    exec setsid "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1
  ) &
  local pid=$! tries=0
  echo "$pid" >"$PID_DIR/$name.pid"
  # The pid runs bash, then setsid, before the server: wait (3 s at most) for the server, so
  # that pid_of does not take it for gone.
  while ((tries++ < 300)) && [[ -e /proc/$pid ]] && ! runs "$pid" "$1"; do sleep 0.01; done
}

# Polls CHECK until it succeeds; fails early if the server died meanwhile.
wait_until() { # NAME WHAT CHECK...
  local name=$1 what=$2
  shift 2
  local deadline=$((SECONDS + STACK_TIMEOUT))
  until "$@"; do
    pid_of "$name" >/dev/null || die_with_log "$name" "$name exited before $what"
    ((SECONDS < deadline)) || die_with_log "$name" "$name: no $what within ${STACK_TIMEOUT}s"
    sleep 0.1
  done
}

# Stops servers together (TERM, then KILL after the deadline); their pids
# are left in STOPPED_PIDS.
STOPPED_PIDS=()
stop_daemons() { # NAME...
  local name pid bins=() i deadline
  STOPPED_PIDS=()
  for name in "$@"; do
    if pid=$(pid_of "$name"); then
      # A paused server (pg-pause) would hold the TERM until resumed.
      kill -CONT "$pid" 2>/dev/null || true
      kill -TERM "$pid" 2>/dev/null || true
      STOPPED_PIDS+=("$pid")
      bins+=("$(binary_of "$name")")
    fi
  done
  deadline=$((SECONDS + STACK_TIMEOUT))
  for i in "${!STOPPED_PIDS[@]}"; do
    pid=${STOPPED_PIDS[i]}
    while runs "$pid" "${bins[i]}"; do
      if ((SECONDS >= deadline)); then
        say "pid $pid ignored TERM for ${STACK_TIMEOUT}s, killing it"
        kill -KILL "$pid" 2>/dev/null || true
        deadline=$((SECONDS + STACK_TIMEOUT))
      fi
      sleep 0.1
    done
  done
  for name in "$@"; do rm -f "$PID_DIR/$name.pid"; done
}

# The servers outlive this script, so init inherits them, and it may reap an
# exited one only a second later: wait a little so that nothing, not even a
# zombie, shows in `pgrep` once `down` returns.
wait_reaped() {
  local pid deadline=$((SECONDS + 3))
  for pid in "${STOPPED_PIDS[@]}"; do
    while [[ -e /proc/$pid ]] && ((SECONDS < deadline)); do sleep 0.05; done
  done
}

# --- probes (Node is there anyway, and curl or dig may not be) -------------

http_ok() { # URL: 2xx within a second
  node -e '
    fetch(process.argv[1], { signal: AbortSignal.timeout(1000) })
      .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));
  ' "$1"
}

# Validates addresses and prints them in canonical form (as resolvers print
# them), sorted, space separated, so they compare with dns_answer's output.
canonical_addrs() { # ADDR...
  node -e '
    const { isIP } = require("node:net");
    const out = process.argv.slice(1).map((a) => {
      if (isIP(a) === 4) return a;
      if (isIP(a) === 6) return new URL(`http://[${a}]`).hostname.slice(1, -1);
      console.error(`stack: not an IPv4 or IPv6 address: ${a}`);
      process.exit(2);
    });
    console.log([...new Set(out)].sort().join(" "));
  ' "$@"
}

# Prints the A and AAAA answers for NAME (default: the headless name), sorted; no
# record (NXDOMAIN or NODATA) prints an empty line. Fails when dnsmasq does not answer.
dns_answer() { # [NAME]
  node -e '
    const { Resolver } = require("node:dns").promises;
    const [server, name] = process.argv.slice(1);
    const resolver = new Resolver({ timeout: 500, tries: 1 });
    resolver.setServers([server]);
    const none = (e) => {
      if (e.code === "ENOTFOUND" || e.code === "ENODATA") return [];
      throw e;
    };
    Promise.all([resolver.resolve4(name).catch(none), resolver.resolve6(name).catch(none)]).then(
      ([v4, v6]) => console.log([...v4, ...v6].sort().join(" ")),
      (e) => { console.error(e.code ?? e.message); process.exit(1); },
    );
  ' "$DNS_ADDR:$DNS_PORT" "${1:-$HEADLESS_NAME}"
}

# --- Pushgateways ----------------------------------------------------------

pg_ready() { http_ok "http://$1:$PUSHGATEWAY_PORT/-/ready"; }

pg_start() { # N
  local n=$1 addr name="pushgateway-$1"
  addr=$(pushgateway_addr "$n")
  pid_of "$name" >/dev/null && return 0
  # An empty --persistence.file keeps the metrics in memory only, so a
  # restarted pod comes back empty like a real one. Left out, Debian's build
  # would default to /var/lib/prometheus/pushgateway.data, one file that all
  # three instances would share and reload on start.
  start_daemon "$name" "$PUSHGATEWAY_BIN" \
    "--web.listen-address=$addr:$PUSHGATEWAY_PORT" --web.enable-admin-api \
    --persistence.file=
  wait_until "$name" "ready answer on $addr:$PUSHGATEWAY_PORT" pg_ready "$addr"
}

pg_stop() { # N
  pushgateway_addr "$1" >/dev/null
  stop_daemons "pushgateway-$1"
}

pg_signal() { # N SIGNAL
  local n=$1 signal=$2 pid
  pushgateway_addr "$n" >/dev/null
  pid=$(pid_of "pushgateway-$n") || die "pushgateway-$n is not running"
  kill "-$signal" "$pid"
}

# --- DNS -------------------------------------------------------------------

write_hosts() { # ADDR... (canonical)
  local tmp="$HOSTS_FILE.tmp" addr
  mkdir -p "$(dirname "$HOSTS_FILE")"
  : >"$tmp"
  for addr in "$@"; do echo "$addr $HEADLESS_NAME" >>"$tmp"; done
  mv "$tmp" "$HOSTS_FILE" # whole file at once: dnsmasq never reads half of it
}

hosts_addrs() { awk '{print $1}' "$HOSTS_FILE"; }

dns_shows() { # EXPECTED (canonical, sorted, space separated) [NAME]
  local got
  got=$(dns_answer "${2:-$HEADLESS_NAME}" 2>/dev/null) && [[ $got == "$1" ]]
}

wait_dns_shows_hosts() {
  local want
  # shellcheck disable=SC2046 # one word per address
  want=$(canonical_addrs $(hosts_addrs))
  wait_until dnsmasq "answer '${want:-no address}' for $HEADLESS_NAME" dns_shows "$want"
}

dns_start() {
  [[ -f $HOSTS_FILE ]] || write_hosts "${PUSHGATEWAY_ADDRS[@]}"
  write_vmagent_hosts
  # A dnsmasq started without the vmagent hosts file (by an older stack.sh) is started again.
  if pid_of dnsmasq >/dev/null && ! dnsmasq_serves_vmagent; then stop_daemons dnsmasq; fi
  if ! pid_of dnsmasq >/dev/null; then
    # --local makes dnsmasq the authority for nubium.test: names there come
    # only from the hosts file and are never sent upstream, and there is no
    # upstream anyway (--no-resolv). A name of the zone without an address
    # gets NXDOMAIN, also the headless name after `dns-set` with no address:
    # dnsmasq knows no other record for it, so it does not exist (never an
    # empty NOERROR/NODATA answer). Names outside the zone get REFUSED.
    # --cache-size=0: nothing but the hosts file answers; SIGHUP re-reads it.
    # --user=root: stay root, the hosts file may be where other users can't read.
    # --conf-file=/dev/null: ignore any /etc/dnsmasq.conf of the machine.
    start_daemon dnsmasq "$DNSMASQ_BIN" --keep-in-foreground --log-facility=- \
      --conf-file=/dev/null --pid-file= --user=root \
      --no-resolv --no-hosts --local=/nubium.test/ --cache-size=0 --local-ttl=0 \
      --bind-interfaces "--listen-address=$DNS_ADDR" "--port=$DNS_PORT" \
      "--addn-hosts=$HOSTS_FILE" "--addn-hosts=$VMAGENT_HOSTS_FILE"
  fi
  wait_dns_shows_hosts
  wait_dns_shows_vmagents
}

dns_set() { # ADDR...
  local addrs pid
  addrs=$(canonical_addrs "$@") || exit 1
  pid=$(pid_of dnsmasq) || die "dnsmasq is not running (scripts/stack.sh dns-start)"
  # shellcheck disable=SC2086 # one word per address
  write_hosts $addrs
  kill -HUP "$pid" # re-reads --addn-hosts files
  wait_dns_shows_hosts
}

# --- Prometheus ------------------------------------------------------------

write_prometheus_config() {
  local addr targets=""
  for addr in "${PUSHGATEWAY_ADDRS[@]}"; do targets+="'$addr:$PUSHGATEWAY_PORT', "; done
  mkdir -p "$PROMETHEUS_DIR"
  cat >"$PROMETHEUS_DIR/prometheus.yml" <<EOF
# Generated by scripts/stack.sh: edits are overwritten at the next start.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  # Like the real metrics cache: every pod scraped, and the job/instance
  # labels pushed by the apps kept instead of the target's.
  - job_name: metrics-cache
    honor_labels: true
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: [${targets%, }]
EOF
}

prometheus_start() {
  pid_of prometheus >/dev/null && return 0
  write_prometheus_config
  # Each run starts with no history, so tests never see series of an earlier one.
  rm -rf "$PROMETHEUS_DIR/data"
  start_daemon prometheus "$PROMETHEUS_BIN" \
    "--config.file=$PROMETHEUS_DIR/prometheus.yml" \
    "--storage.tsdb.path=$PROMETHEUS_DIR/data" \
    "--web.listen-address=$PROMETHEUS_ADDR:$PROMETHEUS_PORT" \
    --web.enable-lifecycle
  wait_until prometheus "ready answer on $PROMETHEUS_ADDR:$PROMETHEUS_PORT" \
    http_ok "http://$PROMETHEUS_ADDR:$PROMETHEUS_PORT/-/ready"
}

# --- commands --------------------------------------------------------------

cmd_install() {
  local missing=()
  [[ -x $PUSHGATEWAY_BIN ]] || missing+=(prometheus-pushgateway)
  [[ -x $PROMETHEUS_BIN ]] || missing+=(prometheus)
  [[ -x $DNSMASQ_BIN ]] || missing+=(dnsmasq-base)
  # One package ships both vmagent and the VictoriaMetrics single node.
  [[ -x $VMAGENT_BIN && -x $VICTORIA_METRICS_BIN ]] || missing+=(victoria-metrics)
  # The fault tests' protected Pushgateway needs a bcrypt hash (htpasswd) and certificates (openssl).
  command -v htpasswd >/dev/null || missing+=(apache2-utils)
  command -v openssl >/dev/null || missing+=(openssl)
  # The deploy tests build the manifests with `kubectl kustomize` (no cluster needed).
  command -v kubectl >/dev/null || missing+=(kubernetes-client)
  if ((${#missing[@]} == 0)); then
    say "prometheus, prometheus-pushgateway, dnsmasq, victoria-metrics, htpasswd, openssl and kubectl are installed"
    return 0
  fi
  say "installing ${missing[*]} (log: $LOG_DIR/install.log)"
  mkdir -p "$LOG_DIR"
  # Debian's packages start their own services on install where they can; the
  # pushgateway one would listen on every address, port 9091 included. A
  # policy-rc.d answering 101 forbids that, for the time of the install only.
  local policy=/usr/sbin/policy-rc.d own_policy=""
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
  fi
  local status=0
  {
    apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  } >"$LOG_DIR/install.log" 2>&1 || status=$?
  [[ -z $own_policy ]] || rm -f "$policy"
  ((status == 0)) || die_with_log install "apt-get failed (exit $status)"
}

cmd_up() {
  local bin
  for bin in "$PUSHGATEWAY_BIN" "$PROMETHEUS_BIN" "$DNSMASQ_BIN" "$VMAGENT_BIN" "$VICTORIA_METRICS_BIN"; do
    [[ -x $bin ]] || die "$bin is missing: run scripts/stack.sh install (as root)"
  done
  command -v node >/dev/null || die "node is needed to probe the servers"
  local n
  for n in $(seq 1 ${#PUSHGATEWAY_ADDRS[@]}); do pg_start "$n"; done
  # A fresh dnsmasq starts from the three Pushgateways, not a previous dns-set.
  pid_of dnsmasq >/dev/null || write_hosts "${PUSHGATEWAY_ADDRS[@]}"
  dns_start
  prometheus_start
  vmagent_stack_up
  say "up: ${#PUSHGATEWAY_ADDRS[@]} Pushgateways, dnsmasq on $DNS_ADDR:$DNS_PORT, Prometheus on $PROMETHEUS_ADDR:$PROMETHEUS_PORT," \
    "${#VMAGENT_ADDRS[@]} vmagents, VictoriaMetrics on $VICTORIA_METRICS_ADDR:$VICTORIA_METRICS_PORT," \
    "remote-write Prometheus on $REMOTE_WRITE_PROMETHEUS_ADDR:$REMOTE_WRITE_PROMETHEUS_PORT"
}

cmd_down() {
  local n names=(prometheus dnsmasq)
  for n in $(seq 1 ${#PUSHGATEWAY_ADDRS[@]}); do names+=("pushgateway-$n"); done
  # shellcheck disable=SC2207 # one word per server name
  names+=($(vmagent_stack_names))
  stop_daemons "${names[@]}"
  wait_reaped
  say "down"
}

status_line() { # NAME WHERE
  local name=$1 where=$2 pid state=stopped
  if pid=$(pid_of "$name"); then
    state="running (pid $pid)"
    is_paused "$pid" && state="paused (pid $pid)"
  fi
  printf '%-16s %-22s %s\n' "$name" "$where" "$state"
}

# Exit status 0 when every server runs (paused counts as running), 3 otherwise, as kafka.sh.
cmd_status() {
  local n answer="" lines
  lines=$(
    for n in $(seq 1 ${#PUSHGATEWAY_ADDRS[@]}); do
      status_line "pushgateway-$n" "${PUSHGATEWAY_ADDRS[n - 1]}:$PUSHGATEWAY_PORT"
    done
    [[ -f $HOSTS_FILE ]] && answer=$(hosts_addrs | paste -sd ' ')
    status_line dnsmasq "$DNS_ADDR:$DNS_PORT" |
      sed "s|\$|  $HEADLESS_NAME -> ${answer:-no address}$(vmagent_dns_note)|"
    status_line prometheus "$PROMETHEUS_ADDR:$PROMETHEUS_PORT"
    vmagent_stack_status
  )
  printf '%s\n' "$lines"
  [[ $lines != *stopped* ]] || return 3
}

main() {
  local command=${1:-}
  shift || true
  mkdir -p "$RUN_DIR"
  # One command at a time: two tests, or a test and a person, must not start
  # the same server twice.
  exec 9>"$RUN_DIR/stack.lock"
  flock 9
  case $command in
    install) cmd_install ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    pg-stop) pg_stop "${1:?pg-stop N}" ;;
    pg-start) pg_start "${1:?pg-start N}" ;;
    pg-pause) pg_signal "${1:?pg-pause N}" STOP ;;
    pg-resume)
      pg_signal "${1:?pg-resume N}" CONT
      wait_until "pushgateway-$1" "ready answer after resume" pg_ready "$(pushgateway_addr "$1")"
      ;;
    dns-set) dns_set "$@" ;;
    dns-reset) dns_set "${PUSHGATEWAY_ADDRS[@]}" ;;
    dns-stop) stop_daemons dnsmasq ;;
    dns-start) dns_start ;;
    vmagent-stop) vmagent_stop "${1:?vmagent-stop N}" ;;
    vmagent-start) vmagent_start "${1:?vmagent-start N}" ;;
    *)
      sed -n '11,20s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
      exit 2
      ;;
  esac
}

main "$@"
