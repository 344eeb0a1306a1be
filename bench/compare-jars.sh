#!/usr/bin/env bash
# Two Bastion jars alternated under the same load, to tell a change's effect from this machine's noise:
#
#   bench/compare-jars.sh OLD.jar NEW.jar
#
# For each of ROUNDS rounds, OLD then NEW: start it on loopback (-m 1024 -t 2, the recommended flags of
# docs/performance.md), run memcaslap for 5 s unrecorded (warm-up and fill), then DURATION seconds recorded, reading the
# server's CPU time (utime + stime from /proc/<pid>/stat) around it; stop it. Prints one line per run, then the medians
# and NEW/OLD ratios. Knobs: ROUNDS (3), DURATION (10 s), CONNS (50), VALUE (100 B; keys are 32 B), LOAD_ARGS (extra
# memcaslap arguments, e.g. "-d 10" for 10-key multi-gets), JVM_FLAGS. Every step is bounded by timeout; a trap stops
# the server however the script ends.
set -euo pipefail
OLD=${1:?usage: bench/compare-jars.sh OLD.jar NEW.jar}
NEW=${2:?usage: bench/compare-jars.sh OLD.jar NEW.jar}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNS=${CONNS:-50}
VALUE=${VALUE:-100}
LOAD_ARGS=${LOAD_ARGS:-}
JVM_FLAGS=${JVM_FLAGS:--Xms1792m -Xmx1792m -Xmn32m -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError}
PORT=21298
WORK=$(mktemp -d /tmp/bastion-jars.XXXXXX)
say() { echo "compare-jars: $*" >&2; }

command -v memcaslap >/dev/null 2>&1 || { say "needs memcaslap (apt-get install libmemcached-tools)"; exit 1; }
for jar in "$OLD" "$NEW"; do
  [ -f "$jar" ] || { say "no such jar: $jar"; exit 1; }
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/servers.sh
. "$ROOT/bench/servers.sh"
trap 'stop_server; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

user_flag=()
[ "$(id -u)" -eq 0 ] && user_flag=(-u root)
printf 'key\n32 32 1\nvalue\n%s %s 1\ncmd\n0 0.1\n1 0.9\n' "$VALUE" "$VALUE" >"$WORK/load.cfg"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

: >"$WORK/results.tsv"
for round in $(seq 1 "$ROUNDS"); do
  for which in old new; do
    jar=$OLD
    [ "$which" = new ] && jar=$NEW
    # shellcheck disable=SC2086 # JVM_FLAGS is a list of flags
    java $JVM_FLAGS -jar "$jar" "${user_flag[@]}" -l 127.0.0.1 -p "$PORT" -m 1024 -t 2 -c 4096 \
      >"$WORK/server.log" 2>&1 &
    PID=$!
    wait_port "$PORT"
    # shellcheck disable=SC2086 # LOAD_ARGS is a list of arguments
    timeout 60 memcaslap -s "127.0.0.1:$PORT" -F "$WORK/load.cfg" -T 2 -c "$CONNS" $LOAD_ARGS -t 5s >/dev/null 2>&1 \
      || { say "warm-up failed against $jar: $(tail -3 "$WORK/server.log")"; exit 1; }
    before=$(cpu_ticks "$PID")
    # shellcheck disable=SC2086
    out=$(timeout $((DURATION + 60)) memcaslap -s "127.0.0.1:$PORT" -F "$WORK/load.cfg" -T 2 -c "$CONNS" $LOAD_ARGS \
      -t "${DURATION}s" 2>&1) || { say "memcaslap failed against $jar: $out"; exit 1; }
    after=$(cpu_ticks "$PID")
    stop_server
    read -r ops tps < <(sed -n 's/.*Ops: \([0-9]*\) TPS: \([0-9]*\).*/\1 \2/p' <<<"$out" | tail -1)
    # clock ticks are 1/100 s: ticks * 10,000 / requests is microseconds per request
    us=$(awk -v t=$((after - before)) -v o="$ops" 'BEGIN {printf "%.2f", t * 10000 / o}')
    printf '%s\t%s\t%s\n' "$which" "$tps" "$us" >>"$WORK/results.tsv"
    say "round $round $which: $tps req/s, $us us CPU/request"
  done
done

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for col in 2 3; do
  o=$(awk -v c="$col" '$1 == "old" {print $c}' "$WORK/results.tsv" | median)
  n=$(awk -v c="$col" '$1 == "new" {print $c}' "$WORK/results.tsv" | median)
  what="req/s"
  [ "$col" = 3 ] && what="us CPU/request"
  echo "median $what: old $o, new $n, new/old $(awk -v o="$o" -v n="$n" 'BEGIN {printf "%.2fx", n / o}')"
done
