#!/usr/bin/env bash
# Where each server spends its CPU per request, under the same memcaslap load: Linux perf samples both processes
# (memcached, then Bastion) and splits them into kernel and user time per 1,000 requests, with the top symbols, and
# counts each server's context switches in the same seconds (blocked in a poll, or preempted by another thread).
#
#   bench/perf-profile.sh                      # 50 conns, 100 B values, 1:9 set:get
#   CONNS=50 SIZE=100 MULTI=10 bench/perf-profile.sh   # multi-get of 10 keys
#
# Knobs: CONNS (50), SIZE value bytes (100), MULTI keys per get (1), SAMPLE_SECONDS per server (5),
# MEM_MB (1024), THREADS (2), TOP symbols to list (15). Needs perf (Debian's linux-perf) and memcaslap; samples
# cpu-clock, which works where hardware counters are not exposed (virtual machines). Bastion runs with the same
# flags as bench/compare-memcached.sh plus -XX:+PreserveFramePointer, and its JIT symbols come from
# jcmd Compiler.perfmap.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONNS=${CONNS:-50}
SIZE=${SIZE:-100}
MULTI=${MULTI:-1}
SECONDS_SAMPLED=${SAMPLE_SECONDS:-5}
MEM_MB=${MEM_MB:-1024}
THREADS=${THREADS:-2}
TOP=${TOP:-15}
JAR="$ROOT/server/target/bastion.jar"
MC_PORT=21211
BASTION_PORT=21222
WORK=$(mktemp -d /tmp/bastion-perf.XXXXXX)
for tool in perf memcaslap memcached jcmd; do
  command -v "$tool" >/dev/null || { echo "perf-profile: $tool is needed" >&2; exit 1; }
done
[ -f "$JAR" ] || { echo "perf-profile: $JAR is missing: mvn -B package -DskipTests" >&2; exit 1; }
source "$ROOT/bench/servers.sh"

MC_PID=""
cleanup() {
  [ -n "$MC_PID" ] && kill "$MC_PID" 2>/dev/null || true
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT

printf 'key\n32 32 1\nvalue\n%s %s 1\ncmd\n0 0.1\n1 0.9\n' "$SIZE" "$SIZE" >"$WORK/load.cfg"
user_flag=()
[ "$(id -u)" -eq 0 ] && user_flag=(-u nobody)
memcached "${user_flag[@]}" -l 127.0.0.1 -p "$MC_PORT" -m "$MEM_MB" -t "$THREADS" -c 4096 &
MC_PID=$!
heap=$((MEM_MB * 3 / 2 + 256))
java "-Xms${heap}m" "-Xmx${heap}m" -Xmn32m -XX:+UseParallelGC -XX:+PreserveFramePointer -jar "$JAR" \
  "${user_flag[@]}" -l 127.0.0.1 -p "$BASTION_PORT" -m "$MEM_MB" -t "$THREADS" -c 4096 >"$WORK/bastion.log" 2>&1 &
PID=$!
wait_port "$MC_PORT"
wait_port "$BASTION_PORT"

load() { # load <port> <seconds>: memcaslap's request count
  memcaslap -s "127.0.0.1:$1" -F "$WORK/load.cfg" -T 2 -c "$CONNS" -d "$MULTI" -t "${2}s" 2>&1 |
    sed -n 's/.*Ops: \([0-9]*\).*/\1/p' | tail -1
}
echo "perf-profile: warming up (Bastion's JIT, both servers filled) for 15 s each" >&2
load "$BASTION_PORT" 15 >/dev/null
load "$MC_PORT" 15 >/dev/null

# Context switches of all the process's threads so far: voluntary (it blocked) and involuntary (it was preempted).
ctx_switches() {
  awk '/^voluntary_ctxt_switches/ { v += $2 } /^nonvoluntary_ctxt_switches/ { n += $2 } END { print v + 0, n + 0 }' \
    /proc/"$1"/task/*/status 2>/dev/null
}

# The Java process that serves: the launcher may have started the server as a child JVM.
serving_pid() {
  local child
  child=$(pgrep -P "$1" java | head -1 || true)
  echo "${child:-$1}"
}

for server in memcached bastion; do
  if [ "$server" = memcached ]; then port=$MC_PORT pid=$MC_PID; else port=$BASTION_PORT pid=$(serving_pid "$PID"); fi
  secs=$((SECONDS_SAMPLED + 4))
  load "$port" "$secs" >"$WORK/$server.ops" &
  loader=$!
  sleep 2
  read -r vol0 invol0 < <(ctx_switches "$pid")
  perf record -q -e cpu-clock -F 999 -g -p "$pid" -o "$WORK/$server.perf" -- sleep "$SECONDS_SAMPLED" >/dev/null 2>&1
  read -r vol1 invol1 < <(ctx_switches "$pid")
  wait "$loader"
  if [ "$server" = bastion ]; then
    jcmd "$pid" Compiler.perfmap >/dev/null
  fi
  ops=$(cat "$WORK/$server.ops")
  # Requests during the sampled seconds, from the whole run's rate.
  requests=$(awk -v o="$ops" -v t="$secs" -v s="$SECONDS_SAMPLED" 'BEGIN {printf "%d", o / t * s}')
  perf report -i "$WORK/$server.perf" --no-children --sort dso --stdio -g none 2>/dev/null |
    awk -v srv="$server" -v req="$requests" -v vol=$((vol1 - vol0)) -v invol=$((invol1 - invol0)) '
      /^ +[0-9.]+%/ { pct = $1; sub("%", "", pct); dso = $2; for (i = 3; i <= NF; i++) dso = dso " " $i
                      if (dso ~ /kernel/) k += pct; else u += pct }
      END { printf "%s\t%s\t%.1f\t%.1f\t%d\t%d\n", srv, req, k, u, vol, invol }' >>"$WORK/split.tsv"
  perf script -i "$WORK/$server.perf" 2>/dev/null | grep -c 'cpu-clock' >"$WORK/$server.samples" || true
  echo "== $server: top $TOP symbols (self time)"
  perf report -i "$WORK/$server.perf" --no-children --sort sym --stdio -g none 2>/dev/null |
    grep -E '^ +[0-9]' | head -"$TOP" | cut -c1-150 || true # head ends the pipe early on purpose
done

echo
echo "== CPU per 1,000 requests ($CONNS conns, $SIZE B values, $MULTI key(s) per get; cpu-clock samples at 999 Hz, 1 sample ~ 1 ms)"
echo "   (ms of CPU; then context switches per 1,000 requests: blocked (voluntary) and preempted (involuntary))"
printf '%-10s %10s %10s %12s %12s %12s %12s %12s\n' server requests samples 'total/1k' 'kernel/1k' 'user/1k' \
  'blocked/1k' 'preempt/1k'
while IFS=$'\t' read -r server requests kpct upct vol invol; do
  samples=$(cat "$WORK/$server.samples")
  awk -v s="$server" -v r="$requests" -v n="$samples" -v k="$kpct" -v u="$upct" -v v="$vol" -v i="$invol" 'BEGIN {
    per = n / r * 1000
    printf "%-10s %10d %10d %12.2f %12.2f %12.2f %12.1f %12.1f\n", s, r, n, per, per * k / 100, per * u / 100,
      v / r * 1000, i / r * 1000 }'
done <"$WORK/split.tsv"
