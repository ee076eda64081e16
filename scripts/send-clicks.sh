#!/usr/bin/env bash
# Sends the two files of `inertia generate --clicks --outcomes` to Kafka in their time order, paced at (a multiple
# of) real time, so that each record's CreateTime (the time it is sent) keeps the stream's spacing and the outcome
# join sees events and clicks interleaved as a live stream would have them.
#
# Usage: scripts/send-clicks.sh EVENTS.jsonl OUTCOMES.jsonl [--speed X] [--bootstrap-servers HOST:PORT]
#                               [--events-topic T] [--outcomes-topic T] [--dry-run]
#
#   --speed X             X times real time (default 1): a record due t ms after the first is sent t/X ms after the
#                         start, so every gap, the clicks' delays included, shrinks X times; set the learner's
#                         inertia.outcome.window.ms to the generator's --window-ms / X
#   --bootstrap-servers   default 127.0.0.1:$KAFKA_PORT (9092)
#   --events-topic        default labeled-events;  --outcomes-topic default outcomes
#   --dry-run             print the merged order (TOPIC<TAB>KEY<TAB>JSON) at once instead of sending
#
# The two files are merged by `timestamp`; of an event and an outcome with the same timestamp the outcome goes first
# (the answer at t is seen by the question decided at t, as the joiner orders them), and each file keeps its own order
# on ties. `timestamp` is dropped from what is sent (it is not part of the record). Records are keyed by model key
# and sent by Kafka's console producer (`kafka-local.sh tool`, the broker's own jars; Java's murmur2 partitioner, so a
# model's clicks land on its events' partition), one producer per topic, each started 5 s before the first record is
# due. Not kcat: it reads its input in blocks, so a record would wait for the next ones and carry a later CreateTime.
# Needs jq, bash 5 and Java. Prints one summary line; exits 2 on a bad argument.
set -euo pipefail

usage() { sed -n '/^# Usage:/,/^# The two files/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }
bad() { echo "send-clicks: $*" >&2; exit 2; }

events="" outcomes="" speed=1 bootstrap=127.0.0.1:${KAFKA_PORT:-9092} events_topic=labeled-events outcomes_topic=outcomes dry=false
while [ $# -gt 0 ]; do
  case "$1" in
    --speed) [ $# -ge 2 ] || bad "--speed needs a value"; speed=$2; shift 2 ;;
    --bootstrap-servers) [ $# -ge 2 ] || bad "--bootstrap-servers needs a value"; bootstrap=$2; shift 2 ;;
    --events-topic) [ $# -ge 2 ] || bad "--events-topic needs a value"; events_topic=$2; shift 2 ;;
    --outcomes-topic) [ $# -ge 2 ] || bad "--outcomes-topic needs a value"; outcomes_topic=$2; shift 2 ;;
    --dry-run) dry=true; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) bad "unknown option $1" ;;
    *) if [ -z "$events" ]; then events=$1; elif [ -z "$outcomes" ]; then outcomes=$1; else bad "one argument too many: $1"; fi
       shift ;;
  esac
done
[ -n "$outcomes" ] || bad "needs EVENTS.jsonl and OUTCOMES.jsonl (see --help)"
for f in "$events" "$outcomes"; do [ -r "$f" ] || bad "cannot read $f"; done
[[ $speed =~ ^[0-9]+([.][0-9]+)?$ ]] && awk -v s="$speed" 'BEGIN { exit !(s > 0) }' \
  || bad "--speed must be a number above 0, not '$speed'"
command -v jq >/dev/null || bad "needs jq on the PATH"

# One line per record: TIMESTAMP <TAB> SIDE (0 outcome, 1 event) <TAB> KEY <TAB> JSON without timestamp. A line that is
# not JSON with a numeric timestamp stops jq with its line number.
tagged() {  # FILE SIDE
  jq -r --arg side "$2" --arg file "$1" \
    'if (.timestamp | type) != "number" then error("\($file): a line without a numeric timestamp") else . end
     | [(.timestamp | tostring), $side, .key, (del(.timestamp) | tojson)] | @tsv' "$1"
}
# Both files are in time order: a stable merge on (timestamp, side) keeps each file's order and puts outcomes first.
merged() { sort -m -s -t $'\t' -k1,1n -k2,2n <(tagged "$outcomes" 0) <(tagged "$events" 1); }

if $dry; then
  merged | awk -F '\t' -v e="$events_topic" -v o="$outcomes_topic" 'BEGIN { OFS = "\t" }
    { print ($2 == 0 ? o : e), $3, $4 }'
  exit 0
fi

# acks=all and idempotence are the producer's defaults; stderr shows only its warnings. --timeout 0 (linger.ms):
# the console producer would hold a record up to 1 s (its default) for a batch, and a heartbeat could be appended
# before a click that was sent, and stamped, before it.
produce() {
  "$(dirname "${BASH_SOURCE[0]}")/kafka-local.sh" tool org.apache.kafka.tools.ConsoleProducer \
    --bootstrap-server "$bootstrap" --topic "$1" --timeout 0 --reader-property parse.key=true \
    --reader-property key.separator=$'\t' >/dev/null
}
exec 3> >(produce "$events_topic"); events_pid=$!
exec 4> >(produce "$outcomes_topic"); outcomes_pid=$!
sleep 5  # the two producer JVMs start and fetch metadata before the first record's time is taken

now_us() { local t=${EPOCHREALTIME/./}; echo $((10#$t)); }
# Microseconds of wall time per ms of stream time: 1000 / speed, as an integer.
us_per_ms=$(awk -v s="$speed" 'BEGIN { printf "%d", 1000 / s }')
first="" start_us=$(now_us) sent_events=0 sent_outcomes=0
while IFS=$'\t' read -r ts side key json; do
  [ -n "$first" ] || first=$ts
  now=${EPOCHREALTIME/./}  # no subshell per record: hundreds go out each second
  ahead=$(( start_us + (ts - first) * us_per_ms - 10#$now ))
  # Sleep only when 20 ms or more ahead: records due closer together go out as one burst.
  if [ "$ahead" -ge 20000 ]; then sleep "$(printf '%d.%06d' $((ahead / 1000000)) $((ahead % 1000000)))"; fi
  if [ "$side" = 0 ]; then printf '%s\t%s\n' "$key" "$json" >&4; sent_outcomes=$((sent_outcomes + 1))
  else printf '%s\t%s\n' "$key" "$json" >&3; sent_events=$((sent_events + 1)); fi
done < <(merged)
exec 3>&- 4>&-
wait "$events_pid" "$outcomes_pid"
echo "send-clicks: sent $sent_events events to $events_topic and $sent_outcomes outcomes to $outcomes_topic in" \
  "$(( ($(now_us) - start_us) / 1000000 )) s (speed $speed)"
