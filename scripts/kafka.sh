#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, combined broker+controller) on
# loopback for the integration tests, run from plain jars with the machine's Java.
#
#   bash scripts/kafka.sh install   resolve the broker jars into .cache/kafka-<version>/libs
#   bash scripts/kafka.sh up        start the broker on fresh storage and wait until it answers
#   bash scripts/kafka.sh down      stop it (TERM, then KILL after KAFKA_STOP_TIMEOUT seconds)
#   bash scripts/kafka.sh status    exit 0 when it runs, 3 when it does not
#
# Addresses and ports come from scripts/config.sh; the version from scripts/kafka/pom.xml.
#
# Version choice: Kafka 4.4.0, the newest 4.x when chosen. Kafka 4.0 removed old
# protocol versions (KIP-896), so kafkajs 2.2.4 was checked against 4.4.0 before
# choosing it: kafkajs negotiates versions above the new floor for everything it
# was asked to do and all of it passed: produce (acks -1, gzip, idempotent,
# transactional), a consumer group with eachMessage and eachBatch, autocommit and
# commitOffsets, seek, pause/resume, and Admin createTopics, createPartitions,
# deleteTopics, deleteTopicRecords, fetchTopicMetadata, fetchTopicOffsets(ByTimestamp),
# fetchOffsets, resetOffsets, setOffsets, describe/list/deleteGroups,
# describe/alterConfigs and describeCluster. kafkajs uses the classic group protocol,
# which 4.x still serves. Fallback if a later kafkajs need fails on 4.x: the newest
# 3.9.x (reload4j logging, format after random-uuid).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=config.sh
source "$ROOT/scripts/config.sh"

POM="$ROOT/scripts/kafka/pom.xml"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n 1)"
[[ -n "$KAFKA_VERSION" ]] || { echo "kafka: no <kafka.version> in $POM" >&2; exit 1; }

mkdir -p "$NUBIUM_RUN_DIR" "$NUBIUM_CACHE_DIR"
RUN_DIR="$(cd "$NUBIUM_RUN_DIR" && pwd)"
CACHE_DIR="$(cd "$NUBIUM_CACHE_DIR" && pwd)"

HOME_DIR="$CACHE_DIR/kafka-$KAFKA_VERSION"
LIBS="$HOME_DIR/libs"
MARKER="$HOME_DIR/.installed"
LOG4J_CONFIG="$HOME_DIR/log4j2.xml"

DATA_ROOT="$RUN_DIR/kafka"
PROPS="$DATA_ROOT/server.properties"
PID_FILE="$RUN_DIR/pids/kafka.pid"
LOG_FILE="$RUN_DIR/logs/kafka.log"
LOCK_FILE="$RUN_DIR/kafka.lock"

BOOTSTRAP="$KAFKA_ADDR:$KAFKA_PORT"
: "${KAFKA_UP_TIMEOUT:=90}"   # seconds for a started broker to answer
: "${KAFKA_STOP_TIMEOUT:=20}" # seconds between TERM and KILL
: "${KAFKA_HEAP_OPTS:=-Xms256m -Xmx512m}"

log() { echo "kafka: $*"; }
die() { echo "kafka: $*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is not on PATH ($2)"; }

# One install/up/down at a time per run dir (held on fd 9 until the script exits).
LOCKED=0
with_lock() {
  ((LOCKED)) && return 0
  mkdir -p "$RUN_DIR"
  exec 9>"$LOCK_FILE"
  flock -w 120 9 || die "another scripts/kafka.sh holds $LOCK_FILE"
  LOCKED=1
}

# The marker holds the pom's checksum: a changed pom (another logging version,
# another Kafka patch) resolves again, an unchanged one is not touched.
pom_sum() { sha256sum "$POM" | cut -d' ' -f1; }

installed() { [[ -f "$MARKER" && "$(cat "$MARKER")" == "$(pom_sum)" && -d "$LIBS" ]]; }

write_log4j_config() {
  cat >"$LOG4J_CONFIG.tmp" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/kafka.sh: the broker logs to stdout, which goes to .run/logs/kafka.log. -->
<Configuration status="WARN" shutdownHook="disable">
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d{ISO8601}] %-5p %m (%c{1.})%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <!-- The full config dumps (KafkaConfig values ...) would fill most of the log. -->
    <Logger name="org.apache.kafka.common.config.AbstractConfig" level="WARN"/>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Logger name="kafka.log.LogCleaner" level="WARN"/>
    <Logger name="org.apache.kafka.storage.internals.log" level="WARN"/>
    <Root level="INFO">
      <AppenderRef ref="stdout"/>
    </Root>
  </Loggers>
</Configuration>
EOF
  mv -f "$LOG4J_CONFIG.tmp" "$LOG4J_CONFIG"
}

cmd_install() {
  with_lock
  if installed; then
    write_log4j_config
    log "Kafka $KAFKA_VERSION already installed in ${LIBS#"$ROOT"/}"
    return 0
  fi
  need mvn "Maven resolves the broker jars"
  need java "the broker runs on Java 17+"
  local start=$SECONDS tmp="$HOME_DIR/libs.tmp"
  printf 'kafka: resolving Kafka %s jars into %s ... ' "$KAFKA_VERSION" "${LIBS#"$ROOT"/}"
  mkdir -p "$HOME_DIR"
  rm -rf "$tmp" "$MARKER"
  if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" >"$HOME_DIR/install.log" 2>&1; then
    echo "failed"
    tail -n 40 "$HOME_DIR/install.log" >&2
    die "could not resolve the Kafka jars (full output: $HOME_DIR/install.log)"
  fi
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || { echo "failed"; die "kafka_2.13-$KAFKA_VERSION.jar missing after the copy"; }
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  write_log4j_config
  pom_sum >"$MARKER"
  echo "done ($((SECONDS - start)) s, $(ls "$LIBS" | wc -l) jars)"
}

# Pid of the broker this script started, when it still runs.
running_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  is_our_broker "$pid" || return 1
  echo "$pid"
}

# A java process whose command line runs kafka.Kafka on this run dir's properties
# (not a recycled pid, nor a shell whose command line merely mentions them).
is_our_broker() {
  [[ "$(cat "/proc/$1/comm" 2>/dev/null)" == java ]] || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF "kafka.Kafka $PROPS"
}

# kill -0 alone counts a zombie (a broker that died under this very shell) as alive.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]]
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Admin round trips with kafkajs: the broker is registered, unfenced and has a
# controller, and a group coordinator answers (the first FindCoordinator creates
# __consumer_offsets; a test's first consumer does not have to wait for it).
probe() {
  (cd "$ROOT" && node -e '
    const { Kafka, logLevel } = require("kafkajs");
    const admin = new Kafka({
      clientId: "kafka-sh-probe", brokers: [process.argv[1]], logLevel: logLevel.NOTHING,
      connectionTimeout: 2000, requestTimeout: 3000, retry: { retries: 0 },
    }).admin();
    const timer = setTimeout(() => process.exit(1), 8000);
    admin.connect()
      .then(() => admin.describeCluster())
      .then((c) => { if (c.brokers.length === 0 || c.controller === null) throw new Error("no broker"); })
      .then(() => admin.fetchOffsets({ groupId: "kafka-sh-probe" }))
      .then(() => admin.disconnect())
      .then(() => { clearTimeout(timer); process.exit(0); })
      .catch(() => process.exit(1));
  ' "$BOOTSTRAP") >/dev/null 2>&1
}

write_server_properties() {
  cat >"$PROPS" <<EOF
# Written by scripts/kafka.sh on every start; storage below is formatted anew each time.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_ADDR:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_ADDR:$KAFKA_PORT,CONTROLLER://$KAFKA_ADDR:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_ADDR:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$DATA_ROOT/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=1
# One partition for the group offsets and the transaction log: the first group
# join does not wait for 50 partitions to be created.
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
log.retention.hours=1
EOF
}

java_cmd() {
  # shellcheck disable=SC2206
  local heap=($KAFKA_HEAP_OPTS)
  JAVA_ARGS=(java "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$LOG4J_CONFIG"
    -cp "$LIBS/*")
}

wait_ready() {
  local pid="$1" deadline=$((SECONDS + KAFKA_UP_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! alive "$pid"; then
      echo "kafka: the broker (pid $pid) exited while starting; last lines of $LOG_FILE:" >&2
      tail -n 40 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      return 1
    fi
    if port_open "$KAFKA_ADDR" "$KAFKA_PORT" && probe; then
      return 0
    fi
    sleep 0.3
  done
  echo "kafka: the broker did not answer on $BOOTSTRAP within $KAFKA_UP_TIMEOUT s; last lines of $LOG_FILE:" >&2
  tail -n 40 "$LOG_FILE" >&2 || true
  return 1
}

cmd_up() {
  need java "the broker runs on Java 17+"
  need node "the readiness probe uses kafkajs"
  [[ -d "$ROOT/node_modules/kafkajs" ]] || die "node_modules/kafkajs is missing (run npm ci): the readiness probe uses it"
  mkdir -p "$RUN_DIR/pids" "$RUN_DIR/logs"
  with_lock
  local pid start=$SECONDS
  if pid="$(running_pid)"; then
    wait_ready "$pid" || die "the running broker (pid $pid) does not answer"
    log "already running (pid $pid) on $BOOTSTRAP"
    return 0
  fi
  rm -f "$PID_FILE"
  local port
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$KAFKA_ADDR" "$port"; then
      die "$KAFKA_ADDR:$port is already taken by a process this script did not start"
    fi
  done
  installed || cmd_install
  write_log4j_config # every start: the script may have changed it since install

  rm -rf "$DATA_ROOT"
  mkdir -p "$DATA_ROOT/data"
  write_server_properties
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"

  java_cmd
  # A cluster id is 16 random bytes, base64url without padding (what `StorageTool random-uuid` prints).
  # Like Kafka's own Uuid.randomUuid, draw again while it starts with "-": the format command's
  # argument parser would take such an id for an option (1 draw in 64).
  local cluster_id="-"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  if ! "${JAVA_ARGS[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" >"$LOG_FILE" 2>&1 9>&-; then
    cat "$LOG_FILE" >&2
    die "formatting the KRaft storage in $DATA_ROOT failed"
  fi

  # setsid: the broker outlives the shell that started it and ignores its Ctrl-C.
  # 9>&-: the broker must not inherit the lock, or the next up/down would wait for it.
  setsid "${JAVA_ARGS[@]}" kafka.Kafka "$PROPS" >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  if ! wait_ready "$pid"; then
    stop_pid "$pid" >/dev/null 2>&1 || true
    rm -f "$PID_FILE"
    exit 1
  fi
  log "Kafka $KAFKA_VERSION up on $BOOTSTRAP (pid $pid, $((SECONDS - start)) s; log ${LOG_FILE#"$ROOT"/})"
}

stop_pid() {
  local pid="$1" deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || return 0
  while alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if alive "$pid"; then
    log "pid $pid still running after $KAFKA_STOP_TIMEOUT s: KILL"
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.1; done
  fi
}

cmd_down() {
  mkdir -p "$RUN_DIR/pids"
  with_lock
  local pids=() pid
  if pid="$(running_pid)"; then pids+=("$pid"); fi
  # A broker of this run dir whose pid file was lost: matched by its own properties path.
  while read -r pid; do
    [[ -n "$pid" && ! " ${pids[*]} " =~ " $pid " ]] && is_our_broker "$pid" && pids+=("$pid")
  done < <(pgrep -f -- "kafka.Kafka $PROPS" || true)
  if ((${#pids[@]} == 0)); then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -f "$PID_FILE"
  log "stopped (pid ${pids[*]})"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    if port_open "$KAFKA_ADDR" "$KAFKA_PORT"; then
      log "running (pid $pid) on $BOOTSTRAP, Kafka $KAFKA_VERSION"
    else
      log "starting (pid $pid), $BOOTSTRAP not open yet"
    fi
    return 0
  fi
  log "not running"
  return 3
}

case "${1:-}" in
  install) cmd_install ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: bash scripts/kafka.sh install|up|down|status" >&2
    exit 2
    ;;
esac
