#!/usr/bin/env bash
# The soak: Inertia's guarantees under churn, on a real local broker.
#
# Usage:
#   scripts/soak.sh [--cycles K] [--seed S] [--rate N]
#   scripts/soak.sh help
#
#   --cycles K   cycles of faults (default 20)
#   --seed S     seed of the fault schedule and of the events (default 1): the same seed injects the same faults
#   --rate N     input events per second while the input flows (default 300)
#
# Three `inertia run` instances of one application (each with its own state directory) learn from continuous input on
# 4 partitions: small models published as whole snapshots, two hashed models large enough to be published in parts, and
# about one bad event in a hundred. Each cycle injects faults while the input flows: a SIGKILL or a clean stop
# (SIGTERM) of an instance, then its restart with or without its state directory, sometimes a second kill or stop
# during the rebalance that follows, or a broker restart (kafka-local.sh stop, start); at most one instance is down at
# a time. Then the input pauses, and once the consumer group has committed every event and no transaction is open, a
# read_committed reader checks everything the instances published against a reference learner (the same processor,
# LocalLearner) over the same input: every model's snapshot records byte for byte with its versions N, 2N, … (none
# missing, none twice, in order), every prediction, and every dead letter exactly once. It prints a line per cycle and
# a table at the end, and stops at the first cycle with a mismatch, printing the first ones (model, version, what
# differs). About 25 s per cycle on 2 shared cores: 20 cycles take about 8 minutes.
#
# Builds target/inertia.jar and the test classes (mvn -DskipTests package) when they are missing or older than the
# sources, starts the local broker (scripts/kafka-local.sh) unless one already answers, and stops it at the end if it
# started it. The broker must be the one kafka-local.sh runs with this environment: the soak restarts it with that
# script. Topics, group and state directories are deleted after a run without mismatch; logs stay in
# target/soak/<run>/logs/.
#
# Environment: KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_DATA_DIR (passed to kafka-local.sh), KAFKA_START_TIMEOUT
# (seconds, default 180 here), SOAK_JAVA_OPTS (JVM options of the driver, default -Xmx512m), SOAK_SKIP_BUILD=1 (use
# the built classes as they are; for the test that runs this script inside `mvn verify`).
#
# Exit status: 0 when every cycle checked without a mismatch; 1 on a mismatch or a failure (an instance that exited by
# itself, a cycle that did not catch up, a failed build); 2 on bad usage.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
kafka_local="$root/scripts/kafka-local.sh"
export KAFKA_PORT="${KAFKA_PORT:-9092}"
export KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-180}"
bootstrap="127.0.0.1:$KAFKA_PORT"

started_broker=0
driver_pid=""

usage() {
  sed -n '2,/^set -euo pipefail/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

usage_error() {
  echo "soak: $* (see scripts/soak.sh help)" >&2
  exit 2
}

die() {
  echo "soak: $*" >&2
  exit 1
}

args=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    help|-h|--help)
      usage
      exit 0
      ;;
    --cycles|--rate)
      [ "$#" -ge 2 ] || usage_error "$1 needs a value"
      [[ "$2" =~ ^[0-9]+$ ]] && [ "$((10#$2))" -gt 0 ] || usage_error "$1 must be a positive integer, got '$2'"
      args+=("$1" "$((10#$2))")
      shift 2
      ;;
    --seed)
      [ "$#" -ge 2 ] || usage_error "$1 needs a value"
      [[ "$2" =~ ^-?[0-9]+$ ]] || usage_error "--seed must be an integer, got '$2'"
      args+=("$1" "$2")
      shift 2
      ;;
    *)
      usage_error "unknown option '$1'"
      ;;
  esac
done

running() {
  [ -e "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  trap '' PIPE
  if [ -n "$driver_pid" ] && running "$driver_pid"; then
    echo "soak: stopping the soak (it stops its instances)" >&2
    kill -TERM "$driver_pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 900; i++)); do   # 180 s: the instances close within 120 s
      running "$driver_pid" || break
      sleep 0.2
    done
    if running "$driver_pid"; then
      echo "soak: the soak did not stop within 180 s; killing it" >&2
      kill -KILL "$driver_pid" 2>/dev/null || true
    fi
    wait "$driver_pid" 2>/dev/null || true
  fi
  if [ "$started_broker" = 1 ]; then
    echo "soak: stopping the local Kafka broker this script started" >&2
    "$kafka_local" stop >&2 || true
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# True when the jar is missing or older than any source the soak runs.
stale() {
  [ ! -f target/inertia.jar ] && return 0
  [ ! -f target/test-classes/io/inertia/soak/Soak.class ] && return 0
  [ -n "$(find pom.xml src/main schemas src/test/java/io/inertia/soak src/test/resources/soak-logback.xml \
    -newer target/inertia.jar -type f -print -quit 2>/dev/null)" ]
}

if [ "${SOAK_SKIP_BUILD:-0}" = 1 ]; then
  [ -f target/inertia.jar ] && [ -f target/test-classes/io/inertia/soak/Soak.class ] \
    || die "SOAK_SKIP_BUILD=1 but target/inertia.jar or the soak's test classes are missing"
elif stale; then
  echo "soak: building target/inertia.jar and the test classes ..." >&2
  # Maven 3.8 writes bare colour resets even when quiet and not on a terminal: drop them.
  mvn -q -B -ntp -Dstyle.color=never -DskipTests package 2>&1 | sed -u $'s/\e\\[0m//g' >&2 \
    || die "the build failed"
fi

if "$kafka_local" status >/dev/null 2>&1; then
  echo "soak: using the Kafka broker already running at $bootstrap (the soak restarts it)" >&2
else
  echo "soak: starting a local Kafka broker at $bootstrap" >&2
  started_broker=1
  "$kafka_local" start >&2 || die "could not start the local Kafka broker (see scripts/kafka-local.sh logs)"
fi

# In the background so that this script's traps run at once on Ctrl-C or SIGTERM; cleanup() then stops the driver.
# shellcheck disable=SC2086
java ${SOAK_JAVA_OPTS:--Xmx512m} -Dlogback.configurationFile="$root/target/test-classes/soak-logback.xml" \
  -cp "$root/target/test-classes:$root/target/inertia.jar" io.inertia.soak.Soak --bootstrap-servers "$bootstrap" \
  --kafka-script "$kafka_local" --work-dir "$root/target/soak" --inertia-jar "$root/target/inertia.jar" \
  ${args[@]+"${args[@]}"} &
driver_pid=$!
status=0
wait "$driver_pid" || status=$?
driver_pid=""
exit "$status"
