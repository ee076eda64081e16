#!/usr/bin/env bash
# JMH benchmarks: scripts/bench.sh [JMH options]. Builds target/benchmarks.jar with the Maven profile `bench` (tests
# skipped), then runs it. Without options it runs every benchmark with short settings (one fork, 3 warm-up and 5
# measured iterations of 1 s); any option replaces those defaults, e.g.
#   scripts/bench.sh SparseEventBenchmark.learnOneEvent -p hashBits=24 -f 3
#   scripts/bench.sh -h          # JMH's own options
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

echo "bench: building target/benchmarks.jar ..." >&2
mvn -q -B -ntp -Pbench -DskipTests package >&2 || { echo "bench: build failed" >&2; exit 1; }

if [ "$#" -eq 0 ]; then
  set -- -f 1 -wi 3 -i 5 -w 1s -r 1s
fi
exec java -jar target/benchmarks.jar "$@"
