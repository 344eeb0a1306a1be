#!/usr/bin/env bash
# GC pauses and latency with a large cache full of items under the 1:9 load (issue 14).
#
# For memcached and then Bastion under each collector in turn: start it with -m MEM_MB, fill it past -m with 100 B
# items (so it is full and evicting), then run memcaslap's 1:9 set:get load with CONNS connections for DURATION
# seconds while bench/src/main/java/org/bastion/bench/LatencyProbe.java times one get a millisecond on its own
# connection. For Bastion, the JVM logs its GCs and safepoints: the collector's own pauses (its "Pause ..." lines, with
# "Pause Full" the full-heap ones), and every safepoint, whose total also counts the time threads took to reach it (on
# a machine whose cores the load tool shares, that wait can be longer than the pause itself).
# Pauses are reported for the load only (the issue's question) and, apart, the longest while loading the items.
# Bastion is started as the README starts it (java -jar; the launcher sizes -Xmx from -m) plus the collector's flag.
# Knobs: MEM_MB (4096), ITEMS (MEM_MB x 6,000: about 1.1 times what fits in memcached), DURATION (60 s), CONNS (50),
#        COLLECTORS ("default g1": "default" is no collector flag, what the launcher chooses (Shenandoah from
#        -m 1024 on where the JVM has it); also "parallel", "z", "shenandoah"), JAVA (java; e.g. a JDK 21+ for generational ZGC),
#        SKIP_MEMCACHED=1.
# Loopback only; every step is bounded by timeout; a trap stops the servers however the script ends.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MEM_MB=${MEM_MB:-4096}
ITEMS=${ITEMS:-$((MEM_MB * 6000))}
DURATION=${DURATION:-60}
CONNS=${CONNS:-50}
COLLECTORS=${COLLECTORS:-default g1}
JAVA=${JAVA:-java}
JAR="${BASTION_JAR:-$ROOT/server/target/bastion.jar}"
PROBE="$ROOT/bench/src/main/java/org/bastion/bench/LatencyProbe.java"
PORT=21333
WORK=$(mktemp -d /tmp/bastion-gc.XXXXXX)
say() { echo "gc-pauses: $*" >&2; }

command -v memcaslap >/dev/null 2>&1 || { say "needs memcaslap (apt-get install libmemcached-tools)"; exit 1; }
command -v memcached >/dev/null 2>&1 || { say "needs memcached (apt-get install memcached)"; exit 1; }
if [ ! -f "$JAR" ]; then
  say "building $JAR"
  (cd "$ROOT" && timeout 900 mvn -B -q package -DskipTests)
fi

# shellcheck source=bench/servers.sh
. "$ROOT/bench/servers.sh"
trap 'stop_server; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

user_flag=()
[ "$(id -u)" -eq 0 ] && user_flag=(-u nobody)

fill() {
  timeout 900 python3 - "$PORT" "$ITEMS" <<'EOF'
import socket, sys
port, items = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
value = b"v" * 100
for start in range(0, items, 10000):
    s.sendall(b"".join(b"set key:%010d 0 0 100 noreply\r\n%s\r\n" % (i, value)
                       for i in range(start, min(items, start + 10000))))
s.sendall(b"stats\r\n")
out = b""
while not out.endswith(b"END\r\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    out += chunk
stats = dict(l.split(b" ")[1:3] for l in out.split(b"\r\n") if l.startswith(b"STAT "))
print(int(stats[b"curr_items"]), int(stats[b"evictions"]))
EOF
}

# measure <name>: fills the server on $PORT, then load and probe; appends a result line
measure() {
  local name=$1 items evictions cfg load_out probe_out tps
  read -r items evictions < <(fill)
  say "$name: $items items held after loading $ITEMS ($evictions evictions)"
  # Where the load begins in the JVM's logs (absent for memcached).
  LOAD_FROM_GC=$(( $(wc -l 2>/dev/null <"$WORK/gc-$COLLECTOR.log" || echo 0) + 1 ))
  LOAD_FROM_SAFEPOINT=$(( $(wc -l 2>/dev/null <"$WORK/safepoint-$COLLECTOR.log" || echo 0) + 1 ))
  cfg="$WORK/load.cfg"
  printf 'key\n32 32 1\nvalue\n100 100 1\ncmd\n0 0.1\n1 0.9\n' >"$cfg"
  timeout $((DURATION + 60)) java "$PROBE" "$PORT" "$DURATION" >"$WORK/probe.out" 2>&1 &
  local probe_pid=$!
  load_out=$(timeout $((DURATION + 60)) memcaslap -s "127.0.0.1:$PORT" -F "$cfg" -T 2 -c "$CONNS" \
    -t "${DURATION}s" 2>&1) || { say "memcaslap failed against $name: $load_out"; exit 1; }
  wait "$probe_pid" || { say "the probe failed against $name: $(cat "$WORK/probe.out")"; exit 1; }
  probe_out=$(tail -1 "$WORK/probe.out")
  tps=$(sed -n 's/.*TPS: \([0-9]*\).*/\1/p' <<<"$load_out" | tail -1)
  printf '%s\t%s\t%s\t%s\n' "$name" "$items" "$tps" "$probe_out" >>"$WORK/results.tsv"
  say "$name: $tps req/s; probe $probe_out"
}

: >"$WORK/results.tsv"
: >"$WORK/pauses.tsv"
say "machine: $(nproc) cpus, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1)"
COLLECTOR=none
if [ "${SKIP_MEMCACHED:-0}" != 1 ]; then
  memcached "${user_flag[@]}" -l 127.0.0.1 -p "$PORT" -U 0 -m "$MEM_MB" -t 2 -c 4096 &
  PID=$!
  wait_port "$PORT"
  measure memcached
  stop_server
fi
for c in $COLLECTORS; do
  COLLECTOR=$c
  case $c in
    default) flag=() ;;
    g1) flag=(-XX:+UseG1GC) ;;
    parallel) flag=(-XX:+UseParallelGC) ;;
    z) flag=(-XX:+UseZGC) ;;
    shenandoah) flag=(-XX:+UseShenandoahGC) ;;
    *) say "unknown collector $c (default, g1, parallel, z, shenandoah)"; exit 1 ;;
  esac
  # filecount=0: one log file, not rotated, so the line where the load began stays where it was.
  "$JAVA" "${flag[@]}" "-Xlog:safepoint:file=$WORK/safepoint-$c.log::filecount=0" \
    "-Xlog:gc*:file=$WORK/gc-$c.log::filecount=0" -jar "$JAR" \
    "${user_flag[@]}" -l 127.0.0.1 -p "$PORT" -m "$MEM_MB" -t 2 -c 4096 >"$WORK/bastion-$c.log" 2>&1 &
  PID=$!
  wait_port "$PORT"
  measure "bastion $c"
  heap=$(tr '\0' ' ' <"/proc/$PID/cmdline" | grep -o -- '-Xmx[0-9]*[mg]' | tail -1 || true)
  label=$c
  if [ "$c" = default ]; then
    chosen=$(tr '\0' '\n' <"/proc/$PID/cmdline" | sed -n 's/^-XX:+Use\(.*\)GC$/\1/p' | tail -1 || true)
    label="default (${chosen:-JVM default})"
  fi
  stop_server
  # One line per pause, "<kind> <ms>ms": the per-collection lines only (JDK 21+ ZGC ends with a summary table).
  pause_lines() {
    { grep -o 'GC([0-9]*) .*Pause .* [0-9.]*ms$' || true; } | sed 's/^GC([0-9]*) //; s/ [0-9]*M->.*)//'
  }
  longest() {
    awk 'BEGIN {m = -1} {ms = $NF; sub(/ms$/, "", ms); if (ms + 0 > m) {m = ms + 0; $NF = ""; what = $0}}
      END {sub(/ $/, "", what); if (m < 0) print "none"; else printf "%.2f (%s)", m, what}' "$1"
  }
  # The collector's pauses during the load (the longest and its kind, how many, how many over 50 ms, full-heap ones),
  # the longest safepoint during the load (it also counts the wait for threads to reach it), and the longest pause
  # while the items were loaded.
  tail -n +"$LOAD_FROM_GC" "$WORK/gc-$c.log" | pause_lines \
    >"$WORK/pauses-$c.txt" || true
  head -n $((LOAD_FROM_GC - 1)) "$WORK/gc-$c.log" | pause_lines \
    >"$WORK/fill-pauses-$c.txt" || true
  over50=$(awk '{ms = $NF; sub(/ms$/, "", ms); if (ms + 0 > 50) n++} END {print n + 0}' "$WORK/pauses-$c.txt")
  count=$(wc -l <"$WORK/pauses-$c.txt")
  fulls=$(grep -c 'Pause Full' "$WORK/pauses-$c.txt" || true)
  safepoint=$(tail -n +"$LOAD_FROM_SAFEPOINT" "$WORK/safepoint-$c.log" | { grep -o 'Total: [0-9]* ns' || true; } \
    | awk '{ if ($2 > m) m = $2 } END {printf "%.1f", m / 1e6}')
  printf 'bastion %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$(longest "$WORK/pauses-$c.txt")" "$count" "$over50" \
    "$fulls" "$safepoint" "$(longest "$WORK/fill-pauses-$c.txt")" "${heap:-default}" >>"$WORK/pauses.tsv"
done

echo
echo "| server | items held | req/s (memcaslap, $CONNS conns, 1:9) | probe p50 / p99 / p99.9 / max (us) |"
echo "|---|---:|---:|---|"
while IFS=$'\t' read -r name items tps probe; do
  p() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$probe"; }
  echo "| $name | $items | $tps | $(p p50_us) / $(p p99_us) / $(p p999_us) / $(p max_us) |"
done <"$WORK/results.tsv"
echo
echo "During the load ($("$JAVA" -version 2>&1 | head -1)):"
echo
echo "| Bastion collector | longest GC pause, ms (kind) | GC pauses | over 50 ms | full GCs | longest safepoint, ms | longest pause while loading the items, ms | heap |"
echo "|---|---|---:|---:|---:|---:|---|---|"
while IFS=$'\t' read -r name longest count over50 fulls safepoint fill heap; do
  echo "| ${name#bastion } | $longest | $count | $over50 | $fulls | $safepoint | $fill | $heap |"
done <"$WORK/pauses.tsv"
