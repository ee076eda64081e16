#!/usr/bin/env bash
#
# kafka-local.sh - a real single-node Apache Kafka broker for local development
# and integration tests, without Docker and without a tarball download.
#
# The broker runs in KRaft combined mode (process.roles=broker,controller). Its
# jars come from Maven Central through Maven: scripts/kafka-broker/pom.xml is a
# classpath-only project, resolved once with `dependency:build-classpath` and
# cached in the data directory until the pom changes.
#
# Usage: scripts/kafka-local.sh COMMAND [ARGS]
#
#   start              start the broker in the background and wait until it
#                      answers (no-op when it already runs)
#   stop               stop the broker this script started (no-op when none)
#   status             print one line; exit 0 only when the broker answers
#   logs [-f] [-n N]   print the last N (default 100) lines of the broker log;
#                      -f follows it
#   classpath          print the broker/tools classpath (resolving it if needed)
#   tool CLASS [ARGS]  run a Kafka tool main class on that classpath, e.g.
#                        tool org.apache.kafka.tools.TopicCommand \
#                          --bootstrap-server 127.0.0.1:9092 --list
#   help               show this help
#
# Environment (defaults in brackets):
#   KAFKA_PORT             client listener port on 127.0.0.1 [9092]
#   KAFKA_CONTROLLER_PORT  KRaft controller listener port on 127.0.0.1 [9093]
#   KAFKA_DATA_DIR         state, logs, pid file, cached classpath
#                          [<project root>/.local/kafka]
#   KAFKA_START_TIMEOUT    seconds `start` waits for the broker to answer [60]
#   KAFKA_STOP_TIMEOUT     seconds `stop` waits after SIGTERM before SIGKILL [30]
#   KAFKA_HEAP_OPTS        broker heap [-Xms128m -Xmx512m]
#   KAFKA_JVM_OPTS         extra broker JVM options [none]
#   KAFKA_AUTO_CREATE_TOPICS  auto.create.topics.enable [true]
#   JAVA_HOME              Java to use (else `java` on PATH)
#
# To throw all broker state away: stop, then delete the data directory.

set -euo pipefail

readonly PROG="kafka-local"
readonly KAFKA_VERSION="4.3.1"
readonly KAFKA_HOST="127.0.0.1"
readonly NODE_ID=1

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
PROJECT_ROOT="$(dirname "$SCRIPT_DIR")"
BROKER_DIR="$SCRIPT_DIR/kafka-broker"
BROKER_POM="$BROKER_DIR/pom.xml"
BROKER_LOG4J="$BROKER_DIR/log4j2.xml"
TOOLS_LOG4J="$BROKER_DIR/tools-log4j2.xml"
readonly SCRIPT_DIR PROJECT_ROOT BROKER_DIR BROKER_POM BROKER_LOG4J TOOLS_LOG4J

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$PROJECT_ROOT/.local/kafka}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:-}"
KAFKA_AUTO_CREATE_TOPICS="${KAFKA_AUTO_CREATE_TOPICS:-true}"

# Short-lived tool JVMs: small heap, fast start.
readonly TOOL_JVM_OPTS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
  -Djava.awt.headless=true "-Dlog4j2.configurationFile=$TOOLS_LOG4J")

# ---------------------------------------------------------------- helpers

die() { echo "$PROG: error: $*" >&2; exit 1; }
say() { echo "$PROG: $*"; }

usage() {
  sed -n '/^# Usage:/,/^# To throw/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

usage_error() {
  echo "$PROG: $* (run '$0 help' for usage)" >&2
  exit 2
}

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

check_port_var() { # NAME VALUE
  if ! { is_uint "$2" && (( 10#$2 >= 1 && 10#$2 <= 65535 )); }; then
    usage_error "$1 must be a port number 1-65535, got '$2'"
  fi
}

now_ms() { date +%s%3N; }

elapsed() { # START_MS -> "12.3s"
  local d=$(( $(now_ms) - $1 ))
  printf '%d.%ds' $(( d / 1000 )) $(( (d % 1000) / 100 ))
}

validate_env() {
  check_port_var KAFKA_PORT "$KAFKA_PORT"
  check_port_var KAFKA_CONTROLLER_PORT "$KAFKA_CONTROLLER_PORT"
  (( 10#$KAFKA_PORT != 10#$KAFKA_CONTROLLER_PORT )) \
    || usage_error "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ (both $KAFKA_PORT)"
  KAFKA_PORT=$(( 10#$KAFKA_PORT ))
  KAFKA_CONTROLLER_PORT=$(( 10#$KAFKA_CONTROLLER_PORT ))
  if ! { is_uint "$KAFKA_START_TIMEOUT" && (( 10#$KAFKA_START_TIMEOUT > 0 )); }; then
    usage_error "KAFKA_START_TIMEOUT must be a positive number of seconds, got '$KAFKA_START_TIMEOUT'"
  fi
  if ! { is_uint "$KAFKA_STOP_TIMEOUT" && (( 10#$KAFKA_STOP_TIMEOUT > 0 )); }; then
    usage_error "KAFKA_STOP_TIMEOUT must be a positive number of seconds, got '$KAFKA_STOP_TIMEOUT'"
  fi
  KAFKA_START_TIMEOUT=$(( 10#$KAFKA_START_TIMEOUT ))
  KAFKA_STOP_TIMEOUT=$(( 10#$KAFKA_STOP_TIMEOUT ))
  [[ "$KAFKA_AUTO_CREATE_TOPICS" == true || "$KAFKA_AUTO_CREATE_TOPICS" == false ]] \
    || usage_error "KAFKA_AUTO_CREATE_TOPICS must be true or false, got '$KAFKA_AUTO_CREATE_TOPICS'"
  [[ -n "$KAFKA_DATA_DIR" ]] || usage_error "KAFKA_DATA_DIR must not be empty"
  # The path ends up in a Java properties file and in log.dirs (comma separated).
  case "$KAFKA_DATA_DIR" in
    *,* | *\\* | *$'\n'*) usage_error "KAFKA_DATA_DIR must not contain commas, backslashes or newlines" ;;
  esac

  # Absolute, normalised path: it is part of the marker that identifies our
  # broker process, so it must be spelled the same way every time.
  if [[ "$KAFKA_DATA_DIR" != /* ]]; then KAFKA_DATA_DIR="$PWD/$KAFKA_DATA_DIR"; fi
  KAFKA_DATA_DIR="$(realpath -m -- "$KAFKA_DATA_DIR" 2>/dev/null || echo "$KAFKA_DATA_DIR")"

  DATA="$KAFKA_DATA_DIR"
  PID_FILE="$DATA/kafka.pid"
  OUT_FILE="$DATA/kafka.out"          # broker stdout/stderr (JVM errors)
  LOG_DIR="$DATA/logs"                # log4j2 output
  SERVER_LOG="$LOG_DIR/server.log"
  KRAFT_DIR="$DATA/kraft"             # log.dirs (topic data + metadata log)
  PROPS_FILE="$DATA/server.properties"
  CLUSTER_ID_FILE="$DATA/cluster.id"
  CP_FILE="$DATA/classpath.txt"
  CP_KEY_FILE="$DATA/classpath.key"
  LOCK_FILE="$DATA/.lock"
  BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"
  # Unique string on the broker's command line; how we recognise our process.
  MARKER="-Dinertia.kafka.dataDir=$DATA"
}

find_java() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    JAVA="$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    JAVA="$(command -v java)"
  else
    die "java not found (install Java 17+ or set JAVA_HOME)"
  fi
}

# Serialise start/stop for one data dir (two test runs starting at once).
take_lock() {
  mkdir -p "$DATA"
  if command -v flock >/dev/null 2>&1; then
    exec 9>>"$LOCK_FILE"
    flock -w $(( KAFKA_START_TIMEOUT + KAFKA_STOP_TIMEOUT + 120 )) 9 \
      || die "timed out waiting for another $PROG start/stop on $DATA"
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@" | awk '{print $1}'
  else shasum -a 256 "$@" | awk '{print $1}'
  fi
}

# The classpath is cached in the data dir together with a hash of the pom;
# it is resolved again when the pom changed or a jar went missing.
classpath_key() {
  echo "kafka=$KAFKA_VERSION pom=$(sha256_of "$BROKER_POM")"
}

classpath_valid() {
  [[ -s "$CP_FILE" && -f "$CP_KEY_FILE" ]] || return 1
  [[ "$(cat "$CP_KEY_FILE")" == "$(classpath_key)" ]] || return 1
  local jar jars=()
  IFS=: read -r -a jars <"$CP_FILE" || true
  (( ${#jars[@]} > 0 )) || return 1
  for jar in "${jars[@]}"; do
    [[ -f "$jar" ]] || return 1
  done
  return 0
}

resolve_classpath() {
  [[ -f "$BROKER_POM" ]] || die "missing $BROKER_POM"
  mkdir -p "$DATA"
  if ! classpath_valid; then
    command -v mvn >/dev/null 2>&1 || die "mvn not found (Maven is needed once to fetch the Kafka $KAFKA_VERSION jars)"
    say "resolving Kafka $KAFKA_VERSION jars with Maven (first run or pom changed)..."
    local tmp="$CP_FILE.tmp.$$"
    if ! mvn -q -B -Dstyle.color=never -f "$BROKER_POM" dependency:build-classpath \
          -Dmdep.outputFile="$tmp" </dev/null >"$DATA/maven.log" 2>&1 || [[ ! -s "$tmp" ]]; then
      rm -f "$tmp"
      tail -n 30 "$DATA/maven.log" >&2 || true
      die "Maven could not resolve the broker classpath (full output: $DATA/maven.log)"
    fi
    mv -f "$tmp" "$CP_FILE"
    classpath_key >"$CP_KEY_FILE"
  fi
  CP="$(cat "$CP_FILE")"
}

# Prints the command line of PID with spaces between arguments, or fails.
cmdline_of() {
  local pid="$1"
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null
  elif command -v ps >/dev/null 2>&1; then
    ps -o args= -p "$pid" 2>/dev/null
  else
    return 1
  fi
}

# True when PID is a live java process running kafka.Kafka for our data dir.
is_our_broker() {
  local pid="$1" cmd argv0
  is_uint "$pid" || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmd="$(cmdline_of "$pid")" || return 1
  argv0="${cmd%% *}"
  [[ "${argv0##*/}" == java ]] || return 1
  [[ " $cmd " == *" $MARKER "* && " $cmd " == *" kafka.Kafka "* ]]
}

# Prints the PID of our running broker, or fails. Uses the PID file; if that
# is missing or stale, looks for a process carrying our marker (e.g. the PID
# file was deleted by hand) and rewrites the PID file.
running_pid() {
  local pid=""
  if [[ -f "$PID_FILE" ]]; then
    pid="$(head -n 1 "$PID_FILE" 2>/dev/null || true)"
    if is_our_broker "$pid"; then echo "$pid"; return 0; fi
  fi
  if [[ -d /proc ]]; then
    local f
    for f in /proc/[0-9]*/cmdline; do
      pid="${f#/proc/}"; pid="${pid%/cmdline}"
      if is_our_broker "$pid"; then
        [[ -d "$DATA" ]] && echo "$pid" >"$PID_FILE"
        echo "$pid"
        return 0
      fi
    done
  fi
  return 1
}

port_open() { # PORT
  timeout 3 bash -c "exec 3<>/dev/tcp/$KAFKA_HOST/$1" 2>/dev/null
}

# The real check: the port accepts connections AND the broker answers a
# metadata request listing itself (node $NODE_ID) and an ApiVersions request.
broker_answers() {
  port_open "$KAFKA_PORT" || return 1
  local out
  out="$(timeout 30 "$JAVA" "${TOOL_JVM_OPTS[@]}" -cp "$CP" \
          org.apache.kafka.tools.BrokerApiVersionsCommand \
          --bootstrap-server "$BOOTSTRAP" </dev/null 2>/dev/null)" || return 1
  [[ "$out" == *"$BOOTSTRAP (id: $NODE_ID "* ]]
}

file_size() { # FILE -> bytes (0 when missing)
  if [[ -f "$1" ]]; then wc -c <"$1" | tr -d ' '; else echo 0; fi
}

# Prints what the broker wrote to its stdout/stderr and to server.log since
# this start (LOG_MARK_* are the file sizes recorded just before launching);
# falls back to the plain tail when a file was rotated meanwhile.
LOG_MARK_OUT=0
LOG_MARK_SERVER=0
show_log_tail() {
  local f mark size
  for f in "$OUT_FILE" "$SERVER_LOG"; do
    [[ -s "$f" ]] || continue
    if [[ "$f" == "$OUT_FILE" ]]; then mark=$LOG_MARK_OUT; else mark=$LOG_MARK_SERVER; fi
    size="$(file_size "$f")"
    if (( size == mark )); then continue; fi   # nothing new
    if (( size < mark )); then mark=0; fi      # rotated
    echo "----- last lines of $f -----" >&2
    tail -c "+$(( mark + 1 ))" "$f" | tail -n 30 >&2 || true
  done
}

write_server_properties() {
  cat >"$PROPS_FILE.tmp" <<EOF
# Generated by scripts/kafka-local.sh on every start; edits are overwritten.
# Single-node KRaft, combined broker + controller.
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$NODE_ID@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT

log.dirs=$KRAFT_DIR

# One node: every replication factor is 1 (transactions / exactly_once_v2
# need the transaction state log settings).
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Fewer partitions for the internal topics: faster first group / transaction.
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=10

num.partitions=1
auto.create.topics.enable=$KAFKA_AUTO_CREATE_TOPICS
delete.topic.enable=true
group.initial.rebalance.delay.ms=0

# Small machine: few threads, small cleaner buffer.
num.network.threads=2
num.io.threads=4
background.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=33554432
log.retention.hours=168
EOF
  mv -f "$PROPS_FILE.tmp" "$PROPS_FILE"
}

format_storage_if_needed() {
  if [[ -f "$KRAFT_DIR/meta.properties" ]]; then
    return 0
  fi
  local cluster_id=""
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    cluster_id="$(head -n 1 "$CLUSTER_ID_FILE")"
  else
    cluster_id="$("$JAVA" "${TOOL_JVM_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool random-uuid </dev/null 2>>"$OUT_FILE" | tail -n 1)" \
      || die "could not generate a cluster id (see $OUT_FILE)"
    [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "unexpected cluster id '$cluster_id'"
    echo "$cluster_id" >"$CLUSTER_ID_FILE"
  fi
  say "formatting storage in $KRAFT_DIR (cluster id $cluster_id)"
  mkdir -p "$KRAFT_DIR"
  local out
  if ! out="$("$JAVA" "${TOOL_JVM_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool format \
               --config "$PROPS_FILE" --cluster-id "$cluster_id" --ignore-formatted </dev/null 2>&1)"; then
    echo "$out" >&2
    die "formatting the KRaft storage failed"
  fi
}

# ---------------------------------------------------------------- commands

cmd_start() {
  (( $# == 0 )) || usage_error "start takes no arguments"
  find_java
  take_lock
  local t0; t0="$(now_ms)"

  local pid
  if pid="$(running_pid)"; then
    resolve_classpath
    if broker_answers; then
      say "already running: Kafka $KAFKA_VERSION on $BOOTSTRAP (pid $pid, data $DATA)"
      return 0
    fi
    say "broker process $pid exists but does not answer on $BOOTSTRAP yet; waiting..."
    wait_until_ready "$pid" "$t0"
    return 0
  fi
  rm -f "$PID_FILE"

  if port_open "$KAFKA_PORT"; then
    die "$BOOTSTRAP is already in use by another process (not our broker for $DATA); set KAFKA_PORT"
  fi
  if port_open "$KAFKA_CONTROLLER_PORT"; then
    die "$KAFKA_HOST:$KAFKA_CONTROLLER_PORT is already in use by another process; set KAFKA_CONTROLLER_PORT"
  fi

  resolve_classpath
  mkdir -p "$LOG_DIR" "$KRAFT_DIR"
  write_server_properties
  format_storage_if_needed

  LOG_MARK_SERVER="$(file_size "$SERVER_LOG")"
  echo "===== $(date '+%Y-%m-%d %H:%M:%S') starting Kafka $KAFKA_VERSION on $BOOTSTRAP =====" >>"$OUT_FILE"
  LOG_MARK_OUT="$(file_size "$OUT_FILE")"
  local -a heap jvm_extra
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  read -r -a jvm_extra <<<"$KAFKA_JVM_OPTS"
  # stdin/stdout/stderr and the lock fd are all detached so that callers
  # capturing our output (CI, $(...)) do not wait for the broker to exit.
  nohup "$JAVA" "${heap[@]}" \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$BROKER_LOG4J" "-Dkafka.logs.dir=$LOG_DIR" \
    "$MARKER" \
    ${jvm_extra[@]+"${jvm_extra[@]}"} \
    -cp "$CP" kafka.Kafka "$PROPS_FILE" \
    </dev/null >>"$OUT_FILE" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  say "started broker process $pid, waiting up to ${KAFKA_START_TIMEOUT}s for it to answer on $BOOTSTRAP..."
  wait_until_ready "$pid" "$t0"
}

wait_until_ready() { # PID START_MS
  local pid="$1" t0="$2"
  local deadline=$(( $(date +%s) + KAFKA_START_TIMEOUT ))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      show_log_tail
      die "broker process $pid exited during startup (logs above; more with '$0 logs')"
    fi
    if broker_answers; then
      say "ready: Kafka $KAFKA_VERSION on $BOOTSTRAP (pid $pid, data $DATA) after $(elapsed "$t0")"
      return 0
    fi
    if (( $(date +%s) >= deadline )); then
      show_log_tail
      say "broker did not answer within ${KAFKA_START_TIMEOUT}s; stopping it" >&2
      stop_pid "$pid" >&2 || true
      die "startup timed out (raise KAFKA_START_TIMEOUT if the machine is just slow)"
    fi
    sleep 1
  done
}

# SIGTERM, wait up to KAFKA_STOP_TIMEOUT, then SIGKILL. Only called with a PID
# that is_our_broker accepted.
stop_pid() {
  local pid="$1" t0; t0="$(now_ms)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( $(date +%s) + KAFKA_STOP_TIMEOUT ))
  while kill -0 "$pid" 2>/dev/null; do
    if (( $(date +%s) >= deadline )); then
      say "broker $pid still running after ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      local _
      for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
      done
      break
    fi
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    die "could not stop broker process $pid"
  fi
  rm -f "$PID_FILE"
  say "stopped broker (pid $pid) in $(elapsed "$t0")"
}

cmd_stop() {
  (( $# == 0 )) || usage_error "stop takes no arguments"
  if [[ ! -d "$DATA" ]]; then
    say "not running (no data dir $DATA)"
    return 0
  fi
  take_lock
  local pid
  if ! pid="$(running_pid)"; then
    if [[ -f "$PID_FILE" ]]; then
      say "not running (removing stale pid file $PID_FILE)"
      rm -f "$PID_FILE"
    else
      say "not running"
    fi
    return 0
  fi
  stop_pid "$pid"
}

cmd_status() {
  (( $# == 0 )) || usage_error "status takes no arguments"
  local pid
  if [[ ! -d "$DATA" ]] || ! pid="$(running_pid)"; then
    echo "$PROG: not running (data $DATA)"
    return 1
  fi
  find_java
  if ! classpath_valid; then
    echo "$PROG: process $pid runs but the cached classpath is missing; cannot check it (data $DATA)"
    return 1
  fi
  CP="$(cat "$CP_FILE")"
  if broker_answers; then
    echo "$PROG: running: Kafka $KAFKA_VERSION on $BOOTSTRAP (pid $pid, data $DATA)"
    return 0
  fi
  echo "$PROG: process $pid runs but does not answer on $BOOTSTRAP (starting, stopping or broken; see '$0 logs')"
  return 1
}

cmd_logs() {
  local follow=false lines=100
  while (( $# > 0 )); do
    case "$1" in
      -f|--follow) follow=true ;;
      -n|--lines)
        (( $# >= 2 )) || usage_error "logs: $1 needs a number"
        is_uint "$2" || usage_error "logs: $1 needs a number, got '$2'"
        lines="$2"; shift ;;
      *) usage_error "logs: unknown option '$1' (use -f, -n N)" ;;
    esac
    shift
  done
  [[ -f "$SERVER_LOG" ]] || die "no broker log yet at $SERVER_LOG (has the broker been started with this KAFKA_DATA_DIR?)"
  if $follow; then
    exec tail -n "$lines" -F "$SERVER_LOG"
  fi
  tail -n "$lines" "$SERVER_LOG"
}

cmd_classpath() {
  (( $# == 0 )) || usage_error "classpath takes no arguments"
  take_lock
  resolve_classpath >&2
  echo "$CP"
}

cmd_tool() {
  (( $# >= 1 )) || usage_error "tool needs a main class, e.g. org.apache.kafka.tools.TopicCommand"
  find_java
  take_lock
  resolve_classpath >&2
  exec 9>&-
  exec "$JAVA" "${TOOL_JVM_OPTS[@]}" -cp "$CP" "$@"
}

main() {
  (( $# >= 1 )) || usage_error "missing command: start|stop|status|logs|classpath|tool|help"
  local cmd="$1"; shift
  case "$cmd" in
    help|-h|--help) usage; return 0 ;;
    start|stop|status|logs|classpath|tool) ;;
    *) usage_error "unknown command '$cmd' (expected start|stop|status|logs|classpath|tool|help)" ;;
  esac
  validate_env
  "cmd_$cmd" "$@"
}

main "$@"
