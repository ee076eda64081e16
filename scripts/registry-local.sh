#!/usr/bin/env bash
#
# registry-local.sh - a real schema registry for local development and the
# integration tests, without Docker: Apicurio Registry from Maven Central, with
# in-memory storage, on a loopback port. Its Confluent-compatible API (the one
# Inertia and Confluent's serializers speak) is under /apis/ccompat/v7.
#
# The registry comes as Maven Central's io.apicurio:apicurio-registry-app with
# classifier `all`, type tar.gz, fetched once through Maven into the local
# repository and unpacked into the data directory:
#   3.3.3        java -jar quarkus-run.jar, needs Java 21 or newer
#   2.6.13.Final java -jar apicurio-registry-app-2.6.13.Final-runner.jar, Java 17
# The newest Java 21+ found is used with 3.3.3; with none, 2.6.13.Final runs on
# the Java 17 the project needs anyway (same ccompat API).
#
# Usage: scripts/registry-local.sh COMMAND
#
#   start    start the registry in the background, wait until it answers and
#            print the URL to give inertia.schema.registry.url (no-op when it
#            already runs)
#   stop     stop the registry this script started (no-op when none); its
#            schemas are gone (in-memory storage)
#   status   print the URL and exit 0 when the registry answers; else exit 1
#   logs     print the last 100 lines of its log
#   help     show this help
#
# Environment (defaults in brackets):
#   REGISTRY_PORT           HTTP port on 127.0.0.1 [8081]
#   REGISTRY_DATA_DIR       unpacked registry, pid file, log
#                           [<project root>/.local/registry]
#   REGISTRY_VERSION        3.3.3 or 2.6.13.Final [3.3.3 when a Java 21+ is
#                           found, else 2.6.13.Final]
#   REGISTRY_JAVA           the java binary to run it with [the newest Java 21+
#                           of JAVA_HOME, PATH and /usr/lib/jvm; for 2.6.13.Final
#                           the java of JAVA_HOME or PATH]
#   REGISTRY_START_TIMEOUT  seconds `start` waits for it to answer [90]
#   REGISTRY_HEAP_OPTS      registry heap [-Xms64m -Xmx384m]

set -euo pipefail

readonly PROG="registry-local"
readonly HOST="127.0.0.1"
readonly NEW_VERSION="3.3.3"
readonly OLD_VERSION="2.6.13.Final"
readonly DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
PROJECT_ROOT="$(dirname "$SCRIPT_DIR")"
readonly SCRIPT_DIR PROJECT_ROOT

REGISTRY_PORT="${REGISTRY_PORT:-8081}"
REGISTRY_DATA_DIR="${REGISTRY_DATA_DIR:-$PROJECT_ROOT/.local/registry}"
REGISTRY_START_TIMEOUT="${REGISTRY_START_TIMEOUT:-90}"
REGISTRY_HEAP_OPTS="${REGISTRY_HEAP_OPTS:--Xms64m -Xmx384m}"

die() { echo "$PROG: error: $*" >&2; exit 1; }
say() { echo "$PROG: $*"; }
usage_error() { echo "$PROG: $* (run '$0 help' for usage)" >&2; exit 2; }
usage() { sed -n '/^# Usage:/,/^#   REGISTRY_HEAP_OPTS/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

validate_env() {
  if ! { is_uint "$REGISTRY_PORT" && (( 10#$REGISTRY_PORT >= 1 && 10#$REGISTRY_PORT <= 65535 )); }; then
    usage_error "REGISTRY_PORT must be a port number 1-65535, got '$REGISTRY_PORT'"
  fi
  REGISTRY_PORT=$(( 10#$REGISTRY_PORT ))
  if ! { is_uint "$REGISTRY_START_TIMEOUT" && (( 10#$REGISTRY_START_TIMEOUT > 0 )); }; then
    usage_error "REGISTRY_START_TIMEOUT must be a positive number of seconds, got '$REGISTRY_START_TIMEOUT'"
  fi
  [[ -n "$REGISTRY_DATA_DIR" ]] || usage_error "REGISTRY_DATA_DIR must not be empty"
  if [[ "$REGISTRY_DATA_DIR" != /* ]]; then REGISTRY_DATA_DIR="$PWD/$REGISTRY_DATA_DIR"; fi
  REGISTRY_DATA_DIR="$(realpath -m -- "$REGISTRY_DATA_DIR" 2>/dev/null || echo "$REGISTRY_DATA_DIR")"
  DATA="$REGISTRY_DATA_DIR"
  PID_FILE="$DATA/registry.pid"
  LOG_FILE="$DATA/registry.log"
  BASE="http://$HOST:$REGISTRY_PORT"
  URL="$BASE/apis/ccompat/v7"
  # Unique on the registry's command line: how we recognise our process.
  MARKER="-Dinertia.registry.dataDir=$DATA"
}

# The major version of the java binary $1, or nothing.
java_major() {
  local line
  line="$("$1" -XshowSettings:properties -version 2>&1 | grep -m1 'java.specification.version' || true)"
  line="${line##*= }"
  [[ "$line" =~ ^[0-9]+$ ]] && echo "$line"
}

# Sets JAVA and VERSION: the registry to run and the Java to run it with.
choose_java() {
  local wanted="${REGISTRY_VERSION:-}"
  if [[ -n "$wanted" && "$wanted" != "$NEW_VERSION" && "$wanted" != "$OLD_VERSION" ]]; then
    usage_error "REGISTRY_VERSION must be $NEW_VERSION or $OLD_VERSION, got '$wanted'"
  fi
  if [[ -n "${REGISTRY_JAVA:-}" ]]; then
    [[ -x "$REGISTRY_JAVA" ]] || die "REGISTRY_JAVA=$REGISTRY_JAVA is not an executable"
    local major; major="$(java_major "$REGISTRY_JAVA")"
    [[ -n "$major" ]] || die "REGISTRY_JAVA=$REGISTRY_JAVA does not run"
    JAVA="$REGISTRY_JAVA"
    VERSION="${wanted:-$( (( major >= 21 )) && echo "$NEW_VERSION" || echo "$OLD_VERSION")}"
    if [[ "$VERSION" == "$NEW_VERSION" ]] && (( major < 21 )); then
      die "Apicurio Registry $NEW_VERSION needs Java 21 or newer; REGISTRY_JAVA is Java $major"
    fi
    return 0
  fi
  local best="" best_major=0 candidate major
  local -a candidates=()
  [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for candidate in /usr/lib/jvm/*/bin/java /Library/Java/JavaVirtualMachines/*/Contents/Home/bin/java; do
    [[ -x "$candidate" ]] && candidates+=("$candidate")
  done
  for candidate in ${candidates[@]+"${candidates[@]}"}; do
    major="$(java_major "$candidate")" || continue
    if [[ -n "$major" ]] && (( major > best_major )); then
      best="$candidate"; best_major="$major"
    fi
  done
  [[ -n "$best" ]] || die "no java found (install Java 17+, or Java 21+ for Apicurio Registry $NEW_VERSION)"
  if [[ "$wanted" == "$NEW_VERSION" ]] && (( best_major < 21 )); then
    die "Apicurio Registry $NEW_VERSION needs Java 21 or newer; the newest found is Java $best_major" \
      "(set REGISTRY_JAVA, or REGISTRY_VERSION=$OLD_VERSION for Java 17)"
  fi
  JAVA="$best"
  if [[ -n "$wanted" ]]; then
    VERSION="$wanted"
  elif (( best_major >= 21 )); then
    VERSION="$NEW_VERSION"
  else
    VERSION="$OLD_VERSION"
  fi
}

# Unpacks the registry of $VERSION into $DATA/apicurio-$VERSION once; sets APP_DIR and JAR.
install_registry() {
  APP_DIR="$DATA/apicurio-$VERSION"
  if [[ "$VERSION" == "$NEW_VERSION" ]]; then JAR="$APP_DIR/quarkus-run.jar"
  else JAR="$APP_DIR/apicurio-registry-app-$VERSION-runner.jar"; fi
  [[ -f "$APP_DIR/.unpacked" && -f "$JAR" ]] && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn not found (Maven fetches Apicurio Registry $VERSION once)"
  say "fetching Apicurio Registry $VERSION from Maven Central (once; about 150 MB)..."
  local tmp="$DATA/download.$$"
  rm -rf "$tmp" "$APP_DIR"
  mkdir -p "$tmp"
  if ! mvn -q -B -Dstyle.color=never "$DEPENDENCY_PLUGIN:copy" \
      -Dartifact="io.apicurio:apicurio-registry-app:$VERSION:tar.gz:all" -DoutputDirectory="$tmp" \
      </dev/null >"$DATA/maven.log" 2>&1; then
    rm -rf "$tmp"
    tail -n 20 "$DATA/maven.log" >&2 || true
    die "Maven could not fetch io.apicurio:apicurio-registry-app:$VERSION:tar.gz:all (full output: $DATA/maven.log)"
  fi
  mkdir -p "$APP_DIR"
  tar xzf "$tmp"/*.tar.gz -C "$APP_DIR" || die "cannot unpack Apicurio Registry $VERSION"
  rm -rf "$tmp"
  [[ -f "$JAR" ]] || die "no $(basename "$JAR") in Apicurio Registry $VERSION's archive"
  touch "$APP_DIR/.unpacked"
}

cmdline_of() {
  if [[ -r "/proc/$1/cmdline" ]]; then tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null
  else ps -o args= -p "$1" 2>/dev/null; fi
}

# True when PID is a live process carrying our marker.
is_our_registry() {
  local pid="$1" cmd
  is_uint "$pid" || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmd="$(cmdline_of "$pid")" || return 1
  [[ " $cmd " == *" $MARKER "* ]]
}

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid; pid="$(head -n 1 "$PID_FILE" 2>/dev/null || true)"
  is_our_registry "$pid" && echo "$pid"
}

answers() {
  curl -sf --max-time 3 -o /dev/null "$URL/subjects"
}

port_open() {
  timeout 3 bash -c "exec 3<>/dev/tcp/$HOST/$REGISTRY_PORT" 2>/dev/null
}

cmd_start() {
  mkdir -p "$DATA"
  local pid
  if pid="$(running_pid)"; then
    if answers; then
      say "already running (pid $pid): $URL"
      return 0
    fi
  else
    rm -f "$PID_FILE"
    port_open && die "$HOST:$REGISTRY_PORT is already in use by another process; set REGISTRY_PORT"
    choose_java
    install_registry
    local -a heap
    read -r -a heap <<<"$REGISTRY_HEAP_OPTS"
    echo "===== $(date '+%Y-%m-%d %H:%M:%S') starting Apicurio Registry $VERSION on $BASE with $JAVA =====" \
      >>"$LOG_FILE"
    # In-memory storage (the default of both versions), loopback only, no authentication. Quarkus' management
    # interface is off: it would listen on 0.0.0.0:9000 whatever REGISTRY_PORT says, so a second registry (a test's
    # beside a developer's) would fail to start on it.
    (cd "$APP_DIR" && exec nohup "$JAVA" "${heap[@]}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      "$MARKER" -Dquarkus.http.host="$HOST" -Dquarkus.http.port="$REGISTRY_PORT" \
      -Dquarkus.management.host="$HOST" -Dquarkus.management.port=0 -Dquarkus.log.level=WARN -jar "$JAR" </dev/null >>"$LOG_FILE" 2>&1) &
    pid=$!
    echo "$pid" >"$PID_FILE"
    say "started Apicurio Registry $VERSION (pid $pid, Java $(java_major "$JAVA")); waiting up to" \
      "${REGISTRY_START_TIMEOUT}s for it to answer..."
  fi
  local deadline=$(( $(date +%s) + REGISTRY_START_TIMEOUT ))
  while ! answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -n 30 "$LOG_FILE" >&2 || true
      die "the registry exited during startup (log above; $LOG_FILE)"
    fi
    if (( $(date +%s) >= deadline )); then
      tail -n 30 "$LOG_FILE" >&2 || true
      kill -TERM "$pid" 2>/dev/null || true
      die "the registry did not answer within ${REGISTRY_START_TIMEOUT}s; stopped it"
    fi
    sleep 0.5
  done
  say "ready: $URL"
  echo "$URL"
}

cmd_stop() {
  local pid
  if [[ ! -d "$DATA" ]] || ! pid="$(running_pid)"; then
    rm -f "$PID_FILE" 2>/dev/null || true
    say "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$PID_FILE"
  say "stopped (pid $pid)"
}

cmd_status() {
  local pid
  if [[ -d "$DATA" ]] && pid="$(running_pid)" && answers; then
    echo "$PROG: running (pid $pid): $URL"
    return 0
  fi
  echo "$PROG: not running on $BASE (data $DATA)"
  return 1
}

cmd_logs() {
  [[ -f "$LOG_FILE" ]] || die "no log yet at $LOG_FILE"
  tail -n 100 "$LOG_FILE"
}

main() {
  (( $# == 1 )) || usage_error "expected one command: start|stop|status|logs|help"
  case "$1" in
    help|-h|--help) usage; return 0 ;;
    start|stop|status|logs) ;;
    *) usage_error "unknown command '$1' (expected start|stop|status|logs|help)" ;;
  esac
  validate_env
  "cmd_$1"
}

main "$@"
