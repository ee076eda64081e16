#!/usr/bin/env bash
# Benchmarks: the end-to-end benchmark against a local Kafka broker, and the JMH micro-benchmarks.
#
# Usage:
#   scripts/bench.sh                          all: end-to-end (every case), JMH with short settings, replay
#   scripts/bench.sh e2e [OPTIONS] [CASE ...] end-to-end only; CASE is a name or number, default all, e.g.
#                                               scripts/bench.sh e2e dense10 zipf-hash20
#                                               scripts/bench.sh e2e --scale 0.1      every N a tenth
#                                               scripts/bench.sh e2e --list           the cases
#                                               scripts/bench.sh e2e --help           every option
#   scripts/bench.sh jmh [JMH OPTIONS]        JMH only; without options one fork, 3 warm-up (1 s) and 5 measured
#                                             iterations of 2 s; any option replaces those, e.g.
#                                               scripts/bench.sh jmh SparseEventBenchmark.learnOneEvent -p hashBits=24
#                                               scripts/bench.sh jmh -h                JMH's own options
#   scripts/bench.sh replay                   replay from a file: 10,000,000 dense events, -Xmx256m, target 500,000 ev/s;
#                                             and 300,000 open-vocabulary events to Avro and JSON Lines (rate, bytes)
#   scripts/bench.sh serve [OPTIONS] [CASE]   the HTTP API under wrk (installed when missing) while the model learns;
#                                             CASE dense10 or hashed1m (default both), e.g.
#                                               scripts/bench.sh serve --seconds 20 hashed1m
#                                               scripts/bench.sh serve --inertia-jar OTHER.jar   another build
#                                               scripts/bench.sh serve --help         every option
#   scripts/bench.sh delayed [OPTIONS]        delayed outcomes: N events without label (300,000) and outcomes for a
#                                             third, 4 partitions, against the pass-through over the same records
#                                             (target >= 0.5); peak RSS with 1,000,000 events pending (default heap,
#                                             target <= 1 GiB); outcome append -> learn-log record latency; e.g.
#                                               scripts/bench.sh delayed --events 100000 --pending 1000000
#                                               scripts/bench.sh delayed --rate 500 --seconds 30   the live part
#   scripts/bench.sh help                     this text
#
# End to end: builds target/inertia.jar (mvn -DskipTests package) and target/benchmarks.jar (profile bench) when
# missing or older than the sources, starts the local broker (scripts/kafka-local.sh) unless one already answers,
# then runs io.inertia.bench.EndToEndBenchmark: per case it preloads N seeded events into a topic of its own, runs a
# pass-through Kafka Streams application and then `java -jar target/inertia.jar run` over them (each a child JVM,
# exactly_once_v2, commit.interval.ms=100), measures throughput from their committed offsets, the learner's peak RSS
# and, in a live phase, the latency of its predictions. It prints a table and writes target/bench/end-to-end.json;
# child logs stay in target/bench/e2e-logs/. Whatever it created (topics, consumer groups, state, child JVMs) is
# removed when it ends, also on Ctrl-C; the broker is stopped only if this script started it. About 20 minutes on
# 2 cores.
#
# The feature-spec cases (spec-avro, spec-avro-rekeyed) need a schema registry: the one answering at REGISTRY_PORT, else
# one started with scripts/registry-local.sh (and stopped at the end).
#
# Environment: KAFKA_PORT (9092, passed to kafka-local.sh), REGISTRY_PORT (8081, passed to registry-local.sh), BENCH_SCALE (multiplies every case's N, like --scale),
# BENCH_JAVA_OPTS (JVM options of the end-to-end driver, default -Xmx1g), BENCH_LEARNER_JAVA_OPTS (extra JVM options of
# the learner, e.g. -XX:StartFlightRecording=filename=target/bench/learner.jfr to profile it), BENCH_REPLAY_REPEAT (how
# many times each open-vocabulary replay runs, the fastest kept; 3).
#
# Serve: builds both jars, installs Debian's wrk when it is missing (apt-get; as root), starts the local broker unless
# one answers, then runs io.inertia.bench.ServingBenchmark: per case two `inertia run --http-port` instances of one
# application on a preloaded backlog; wrk with 64 kept-alive connections sends POST /models/{key}/predict and
# GET /models/{key}?weights=false to the instance that owns the model, then to the other one, which passes them on,
# and GET /health to the owner (no model read: the floor of the same load on this machine);
# the learner's events/s meanwhile against its rate without load. Prints a table, writes target/bench/serving.json;
# logs in target/bench/serve-logs/. About 12 minutes. Not part of `all`.
#
# Exit status: 0 when every end-to-end case ran to its end and met its target, JMH met its targets and the replays from
# a file (dense and open vocabulary) met theirs (each mode alone: its own); 1 otherwise (a learner that died, a missed
# target, a failed build); 2 on bad usage.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
kafka_local="$root/scripts/kafka-local.sh"
registry_local="$root/scripts/registry-local.sh"
export KAFKA_PORT="${KAFKA_PORT:-9092}"
bootstrap="127.0.0.1:$KAFKA_PORT"
driver_class=io.inertia.bench.EndToEndBenchmark

started_broker=0
started_registry=0
driver_pid=""

usage() {
  sed -n '2,/^set -euo pipefail/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() {
  echo "bench: $*" >&2
  exit 1
}

# True while PID runs; a child that exited but was not waited for yet (a zombie) does not count.
running() {
  [ -e "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # Whoever read our output (a pager, tee) may be gone after Ctrl-C: never let a broken pipe stop the clean-up.
  trap '' PIPE
  if [ -n "$driver_pid" ] && running "$driver_pid"; then
    echo "bench: stopping the end-to-end benchmark (it stops its child JVMs and deletes what it created)" >&2
    # Its children, in case it has to be killed: they would outlive it.
    local children
    children="$(ps -o pid= --ppid "$driver_pid" 2>/dev/null || true)"
    kill -TERM "$driver_pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 1200; i++)); do   # 240 s: its own clean-up is bounded well below that
      running "$driver_pid" || break
      sleep 0.2
    done
    if running "$driver_pid"; then
      echo "bench: the end-to-end benchmark did not stop within 240 s; killing it and its child JVMs" >&2
      kill -KILL "$driver_pid" $children 2>/dev/null || true
    fi
    wait "$driver_pid" 2>/dev/null || true
  fi
  stop_broker
  stop_registry
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stop_broker() {
  if [ "$started_broker" = 1 ]; then
    started_broker=0
    echo "bench: stopping the local Kafka broker this script started" >&2
    "$kafka_local" stop >&2 || true
  fi
}

stop_registry() {
  if [ "$started_registry" = 1 ]; then
    started_registry=0
    echo "bench: stopping the schema registry this script started" >&2
    "$registry_local" stop >&2 || true
  fi
}

# Sets registry to the URL of the schema registry the feature-spec cases register their click schema with: the one
# already answering at REGISTRY_PORT, else one started by scripts/registry-local.sh (stopped at the end). Empty when
# none can run: those cases then fail saying so, the others run. Not in a subshell: started_registry must stick.
registry=""
find_registry() {
  local answer
  if answer="$("$registry_local" status 2>/dev/null)"; then
    registry="$(grep -o 'http[^ ]*' <<<"$answer" | tail -n 1)"
    echo "bench: using the schema registry already running at $registry" >&2
  elif answer="$("$registry_local" start 2>/dev/null)"; then
    started_registry=1
    registry="$(grep -o 'http[^ ]*' <<<"$answer" | tail -n 1)"
    echo "bench: started a schema registry at $registry" >&2
  else
    echo "bench: no schema registry could start (scripts/registry-local.sh logs): the feature-spec cases will fail" >&2
  fi
}

# True when JAR is missing or older than any file under the given sources.
stale() {
  local jar="$1"
  shift
  [ ! -f "$jar" ] && return 0
  [ -n "$(find "$@" -newer "$jar" -type f -print -quit 2>/dev/null)" ]
}

# Maven, quiet; Maven 3.8 writes bare colour resets even when quiet and not on a terminal: drop them.
maven() {
  mvn -q -B -ntp -Dstyle.color=never "$@" 2>&1 | sed -u $'s/\e\\[0m//g' >&2
}

build_inertia() {
  if stale target/inertia.jar pom.xml src/main schemas; then
    echo "bench: building target/inertia.jar ..." >&2
    maven -DskipTests package || die "build of target/inertia.jar failed"
  fi
}

build_benchmarks() {
  if stale target/benchmarks.jar pom.xml src/main src/jmh schemas; then
    echo "bench: building target/benchmarks.jar ..." >&2
    maven -DskipTests -Pbench package || die "build of target/benchmarks.jar failed"
  fi
}

# Starts the local broker unless one answers at $bootstrap (stop_broker stops only one started here).
ensure_broker() {
  if "$kafka_local" status >/dev/null 2>&1; then
    echo "bench: using the Kafka broker already running at $bootstrap" >&2
  else
    echo "bench: starting a local Kafka broker at $bootstrap" >&2
    started_broker=1
    "$kafka_local" start >&2 || die "could not start the local Kafka broker (see scripts/kafka-local.sh logs)"
  fi
}

# Runs a benchmark driver class of target/benchmarks.jar with the given arguments, in the background so that this
# script's traps run at once on Ctrl-C or SIGTERM (a shell runs them only after a foreground command ends): cleanup()
# then asks the driver to stop. Returns the driver's status.
run_driver() {
  local class="$1" status=0
  shift
  # shellcheck disable=SC2086
  java ${BENCH_JAVA_OPTS:--Xmx1g} -cp target/benchmarks.jar "$class" "$@" &
  driver_pid=$!
  wait "$driver_pid" || status=$?
  driver_pid=""
  return "$status"
}

run_e2e() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      -h|--help|--list)
        # Only printing: no broker needed.
        build_benchmarks
        java -cp target/benchmarks.jar "$driver_class" "$@"
        return
        ;;
    esac
  done
  build_inertia
  build_benchmarks
  ensure_broker
  find_registry
  local status=0
  # shellcheck disable=SC2086
  run_driver "$driver_class" --bootstrap-servers "$bootstrap" ${BENCH_SCALE:+--scale "$BENCH_SCALE"} \
    ${registry:+--registry-url "$registry"} "$@" || status=$?
  # JMH, if it follows, should have the machine to itself.
  stop_broker
  stop_registry
  return "$status"
}

jmh_defaults=(-f 1 -wi 3 -i 5 -w 1s -r 2s)

# wrk from Debian when it is missing: the load generator of the serving benchmark.
ensure_wrk() {
  command -v wrk >/dev/null 2>&1 && return 0
  echo "bench: installing wrk (Debian package) ..." >&2
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >&2 || true
  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    { sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >&2 || true
  fi
  command -v wrk >/dev/null 2>&1 || die "wrk is needed and could not be installed (apt-get install wrk)"
}

run_serve() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      -h|--help)
        build_benchmarks
        java -cp target/benchmarks.jar io.inertia.bench.ServingBenchmark --help
        return
        ;;
    esac
  done
  build_inertia
  build_benchmarks
  ensure_wrk
  ensure_broker
  local status=0
  run_driver io.inertia.bench.ServingBenchmark --bootstrap-servers "$bootstrap" "$@" || status=$?
  stop_broker
  return "$status"
}

# Replay from a file: a 1,000,000-row CSV of dense d = 10 events (generated once, seeded), replayed 10 times over
# (--epochs 10: 10,000,000 events) by `inertia replay --dense` with -Xmx256m, timed from the JVM's start to its exit,
# peak RSS by /usr/bin/time. Targets: >= 500,000 events/s, and the 10,000,000 events complete within -Xmx256m. A
# single pass of the 1,000,000 rows is timed too and printed beside it: most of that run is JVM start and JIT warm-up
# (two cores shared by the reader, the learner and the compilers), which is why the target is judged on the long run.
# Writes target/bench/replay.json.
run_replay() {
  build_inertia
  mkdir -p target/bench
  local csv=target/bench/replay-dense10.csv rows=1000000 epochs=10
  if [ ! -f "$csv" ]; then
    echo "bench: generating $csv ($rows events)" >&2
    java -jar target/inertia.jar generate --events "$rows" --features 10 --keys 1 --output "$csv" \
      --truth target/bench/replay-dense10-truth.json >/dev/null || die "could not generate $csv"
  fi
  local events=$((rows * epochs))
  echo "bench: replay of $csv, $epochs epochs ($events events), with -Xmx256m" >&2
  local start end status=0 rss
  start=$(date +%s%N)
  /usr/bin/time -f '%M' -o target/bench/replay-rss.txt java -Xmx256m -jar target/inertia.jar replay --input "$csv" \
    --label y --key-column model --dense --epochs "$epochs" --output target/bench/replay-out.jsonl >/dev/null \
    || die "the replay failed"
  end=$(date +%s%N)
  rss=$(( $(tail -1 target/bench/replay-rss.txt) / 1024 ))
  local once_start once_end
  once_start=$(date +%s%N)
  java -Xmx256m -jar target/inertia.jar replay --input "$csv" --label y --key-column model --dense \
    --output target/bench/replay-once-out.jsonl >/dev/null || die "the single-pass replay failed"
  once_end=$(date +%s%N)
  # The fixed cost, JVM start and setup, is what a replay of the header and one row takes.
  local one=target/bench/replay-one.csv one_start one_end
  head -n 2 "$csv" > "$one"
  one_start=$(date +%s%N)
  java -Xmx256m -jar target/inertia.jar replay --input "$one" --label y --key-column model --dense \
    --output target/bench/replay-one-out.jsonl >/dev/null || die "the replay of one row failed"
  one_end=$(date +%s%N)
  local rate once fixed_ns=$((one_end - one_start))
  rate=$(awk -v n="$events" -v ns="$((end - start))" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
  once=$(awk -v n="$rows" -v ns="$((once_end - once_start))" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
  local met=yes
  [ "$rate" -ge 500000 ] || { met=NO; status=1; }
  printf '\nReplay from a file (dense d = 10, %d events, -Xmx256m, JVM start included): %d events/s, target >= 500,000: %s\n' \
    "$events" "$rate" "$met"
  printf '  completed within -Xmx256m: yes (peak RSS %d MiB)\n' "$rss"
  printf '  one pass of the %d rows: %d events/s (JVM start of %.2f s and JIT warm-up included)\n' "$rows" "$once" \
    "$(awk -v ns="$fixed_ns" 'BEGIN { print ns / 1e9 }')"
  printf '{"events": %d, "eventsPerSecond": %d, "peakRssMiB": %d, "onePassEvents": %d, "onePassEventsPerSecond": %d, "startupSeconds": %s, "target": 500000, "met": %s}\n' \
    "$events" "$rate" "$rss" "$rows" "$once" "$(awk -v ns="$fixed_ns" 'BEGIN { printf "%.2f", ns / 1e9 }')" \
    "$([ "$met" = yes ] && echo true || echo false)" > target/bench/replay.json
  return "$status"
}

# Replay of an open vocabulary: the 300,000 events of end-to-end case uniform-hash20 (20 names per event drawn
# uniformly from 1,000,000; generated once, seeded, as an Avro file of LabeledEvent) replayed with --hash-bits 20 and
# -Xmx1g to Avro and to JSON Lines, a snapshot every 1,000 updates (the default) and every 100 (ten times the
# snapshots), each timed from the JVM's start to its exit, with its output's bytes and peak RSS; every run is repeated
# BENCH_REPLAY_REPEAT times (3), round after round, and its fastest kept. The floor is the same replay with one
# snapshot, at the end (--snapshot-every 300000): learning without snapshots. Targets: ten times the
# snapshots write at most 1.5 times the bytes in either form (the output grows with the weights the events update,
# not with snapshots times the model), and JSON Lines replays at least half as fast as Avro. Writes
# target/bench/replay-open.json.
run_replay_open() {
  build_inertia
  build_benchmarks
  mkdir -p target/bench
  local input=target/bench/replay-open300k.avro events=300000
  if [ ! -f "$input" ]; then
    echo "bench: generating $input ($events events of case uniform-hash20)" >&2
    java -cp target/benchmarks.jar io.inertia.bench.ReplayEventsFile uniform-hash20 "$events" "$input" \
      || die "could not generate $input"
  fi
  local runs=("avro 300000" "avro 1000" "jsonl 1000" "avro 100" "jsonl 100") run form every output start end
  local -A rate own bytes rss
  local repeat="${BENCH_REPLAY_REPEAT:-3}" round this
  # Round after round, every run once each time, the fastest of each kept: the two cores are shared, and a run that
  # another process slowed down says nothing about the replay.
  for ((round = 1; round <= repeat; round++)); do
    for run in "${runs[@]}"; do
      read -r form every <<<"$run"
      output="target/bench/replay-open-$every.$form"
      echo "bench: replay of $input to .$form, --snapshot-every $every (round $round of $repeat)" >&2
      start=$(date +%s%N)
      /usr/bin/time -f '%M' -o target/bench/replay-open-rss.txt java -Xmx1g -jar target/inertia.jar replay \
        --input "$input" --hash-bits 20 --snapshot-every "$every" --output "$output" > target/bench/replay-open.out \
        || die "the replay to $output failed"
      end=$(date +%s%N)
      this=$(awk -v n="$events" -v ns="$((end - start))" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
      if [ "$this" -gt "${rate[$run]:-0}" ]; then
        rate[$run]=$this
        # The replay's own rate, without the JVM's start: "...; 4.05 s, 74117 events/s".
        own[$run]=$(sed -n 's/.*; \([0-9.]*\) s, \([0-9]*\) events\/s$/\2/p' target/bench/replay-open.out)
        rss[$run]=$(( $(tail -1 target/bench/replay-open-rss.txt) / 1024 ))
      fi
      bytes[$run]=$(stat -c %s "$output")
      rm -f "$output"
    done
  done
  local status=0 growth_avro growth_json speed met_growth=yes met_speed=yes
  growth_avro=$(awk -v a="${bytes[avro 100]}" -v b="${bytes[avro 1000]}" 'BEGIN { printf "%.2f", a / b }')
  growth_json=$(awk -v a="${bytes[jsonl 100]}" -v b="${bytes[jsonl 1000]}" 'BEGIN { printf "%.2f", a / b }')
  speed=$(awk -v a="${rate[jsonl 1000]}" -v b="${rate[avro 1000]}" 'BEGIN { printf "%.2f", a / b }')
  awk -v a="$growth_avro" -v b="$growth_json" 'BEGIN { exit !(a <= 1.5 && b <= 1.5) }' || { met_growth=NO; status=1; }
  awk -v s="$speed" 'BEGIN { exit !(s >= 0.5) }' || { met_speed=NO; status=1; }
  printf '\nReplay of an open vocabulary (%d events, 20 names each uniform from 1,000,000, --hash-bits 20, -Xmx1g;\n' \
    "$events"
  printf '  the fastest of %d runs each):\n' "$repeat"
  printf '  %-12s %-16s %14s %16s %16s %10s\n' form snapshot-every "events/s" "(without JVM)" "output bytes" "peak RSS"
  for run in "${runs[@]}"; do
    read -r form every <<<"$run"
    printf '  %-12s %-16s %14s %16s %16s %6s MiB\n' "$form" "$every" "${rate[$run]}" "(${own[$run]})" \
      "${bytes[$run]}" "${rss[$run]}"
  done
  printf '  10x the snapshots write %sx the bytes in Avro, %sx in JSON Lines: target <= 1.5: %s\n' "$growth_avro" \
    "$growth_json" "$met_growth"
  printf '  JSON Lines vs Avro, a snapshot every 1,000: %sx the rate: target >= 0.5: %s\n' "$speed" "$met_speed"
  {
    printf '{"events": %d, "hashBits": 20, "repeat": %d, "runs": [' "$events" "$repeat"
    local first=1
    for run in "${runs[@]}"; do
      read -r form every <<<"$run"
      [ "$first" = 1 ] || printf ', '
      first=0
      printf '{"form": "%s", "snapshotEvery": %d, "eventsPerSecond": %d, "eventsPerSecondWithoutJvmStart": %d, "outputBytes": %d, "peakRssMiB": %d}' \
        "$form" "$every" "${rate[$run]}" "${own[$run]:-0}" "${bytes[$run]}" "${rss[$run]}"
    done
    printf '], "bytesGrowthTenTimesTheSnapshots": {"avro": %s, "jsonl": %s, "target": 1.5, "met": %s}, ' \
      "$growth_avro" "$growth_json" "$([ "$met_growth" = yes ] && echo true || echo false)"
    printf '"jsonVersusAvroRate": {"ratio": %s, "target": 0.5, "met": %s}}\n' "$speed" \
      "$([ "$met_speed" = yes ] && echo true || echo false)"
  } > target/bench/replay-open.json
  return "$status"
}

# The delayed-outcomes case (io.inertia.bench.DelayedOutcomesBenchmark): the joiner's throughput against the
# pass-through over the same events and outcomes, the learner's peak RSS with a million events pending, and the time
# from an outcome's append to its learn-log record. About 6 minutes. Not part of `all`.
run_delayed() {
  build_inertia
  build_benchmarks
  ensure_broker
  local status=0
  run_driver io.inertia.bench.DelayedOutcomesBenchmark --bootstrap-servers "$bootstrap" "$@" || status=$?
  stop_broker
  return "$status"
}

case "${1:-all}" in
  all)
    e2e_status=0
    run_e2e || e2e_status=$?
    echo >&2
    echo "bench: JMH benchmarks (${jmh_defaults[*]})" >&2
    mkdir -p target/bench
    java -jar target/benchmarks.jar "${jmh_defaults[@]}" -rf json -rff target/bench/jmh.json || die "JMH failed"
    jmh_status=0
    java -cp target/benchmarks.jar io.inertia.bench.JmhTargets target/bench/jmh.json || jmh_status=$?
    echo >&2
    replay_status=0
    run_replay || replay_status=$?
    run_replay_open || replay_status=$?
    [ "$e2e_status" -ne 0 ] && exit "$e2e_status"
    [ "$jmh_status" -ne 0 ] && exit "$jmh_status"
    exit "$replay_status"
    ;;
  replay)
    trap - EXIT INT TERM
    replay_status=0
    run_replay || replay_status=$?
    run_replay_open || replay_status=$?
    exit "$replay_status"
    ;;
  serve)
    shift
    status=0
    run_serve "$@" || status=$?
    exit "$status"
    ;;
  e2e)
    shift
    status=0
    run_e2e "$@" || status=$?
    exit "$status"
    ;;
  delayed)
    shift
    status=0
    run_delayed "$@" || status=$?
    exit "$status"
    ;;
  jmh)
    shift
    build_benchmarks
    trap - EXIT INT TERM
    if [ "$#" -eq 0 ]; then
      # The defaults also print the targets: the core within 2× of its baseline, 2^24 within 1.5× of 2^16.
      mkdir -p target/bench
      java -jar target/benchmarks.jar "${jmh_defaults[@]}" -rf json -rff target/bench/jmh.json || die "JMH failed"
      exec java -cp target/benchmarks.jar io.inertia.bench.JmhTargets target/bench/jmh.json
    fi
    exec java -jar target/benchmarks.jar "$@"
    ;;
  help|-h|--help)
    usage
    ;;
  *)
    echo "bench: unknown mode '$1': use e2e, jmh, replay, serve, delayed, or nothing for all but serve and delayed (scripts/bench.sh help)" >&2
    exit 2
    ;;
esac
