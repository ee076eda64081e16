#!/usr/bin/env bash
# The one-command demo: on a machine with Java 17 and Maven, build what is missing, start a local Kafka broker,
# stream 210,000 generated events for 3 models (each with its own true weights) through `inertia run`, show live
# progress, then print learned vs. true weights per model. Stops everything it started, also on Ctrl-C. Exits
# non-zero if any parameter misses its true value by more than the tolerance (0.05).
#
# Environment: KAFKA_PORT (default 9092), DEMO_EVENTS (210000), DEMO_KEYS (3), DEMO_TOLERANCE (0.05).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
inertia="$root/scripts/inertia"
kafka_local="$root/scripts/kafka-local.sh"
port="${KAFKA_PORT:-9092}"
bootstrap="127.0.0.1:$port"
events="${DEMO_EVENTS:-210000}"
keys="${DEMO_KEYS:-3}"
tolerance="${DEMO_TOLERANCE:-0.05}"
work="$root/.local/demo"
# A fresh run id keeps each demo's topics, consumer group and state apart from earlier runs on the same broker.
run_id="demo-$(date +%Y%m%d-%H%M%S)"

started_broker=0
learner_pid=""

say() { printf '\n== %s\n' "$*" || true; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # Whoever read our output (a pager, tee) may be gone after Ctrl-C: never let a broken pipe stop the clean-up.
  trap '' PIPE
  if [ -n "$learner_pid" ] && kill -0 "$learner_pid" 2>/dev/null; then
    say "stopping the learner"
    kill -TERM "$learner_pid" 2>/dev/null || true
    wait "$learner_pid" 2>/dev/null || true
  fi
  if [ "$started_broker" = 1 ]; then
    say "stopping the local Kafka broker"
    "$kafka_local" stop || true
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "building Inertia (only when sources changed)"
"$inertia" --version

mkdir -p "$work"
say "generating $events events for $keys models with known true weights"
"$inertia" generate --events "$events" --keys "$keys" --features 3 --noise 0.1 --seed 7 \
  --output "$work/events.csv" --truth "$work/truth.json"

if KAFKA_PORT="$port" "$kafka_local" status >/dev/null 2>&1; then
  say "using the Kafka broker already running at $bootstrap"
else
  say "starting a local Kafka broker at $bootstrap"
  started_broker=1
  KAFKA_PORT="$port" "$kafka_local" start
fi

settings=(
  --property "application.id=inertia-$run_id"
  --property "inertia.topic.input=$run_id-labeled-events"
  --property "inertia.topic.snapshots=$run_id-model-snapshots"
  --property "inertia.topic.dead-letters=$run_id-dead-letters"
)

say "starting the learner (exactly_once_v2; progress every 2 s)"
# A smaller step than the default keeps the stationary noise of the weights well inside the tolerance.
"$inertia" run --bootstrap-servers "$bootstrap" "${settings[@]}" \
  --property inertia.topic.partitions=3 --property inertia.progress-interval-ms=2000 \
  --learning-rate 0.002 --momentum 0.9 --state-dir "$work/state" &
learner_pid=$!

say "streaming the events into $run_id-labeled-events"
"$inertia" produce --bootstrap-servers "$bootstrap" "${settings[@]}" \
  --input "$work/events.csv" --label y --key-column model

say "waiting for the final snapshots, then comparing learned and true weights"
"$inertia" check --bootstrap-servers "$bootstrap" "${settings[@]}" \
  --truth "$work/truth.json" --tolerance "$tolerance" --wait-ms 90000
