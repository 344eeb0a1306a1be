#!/usr/bin/env bash
# GC pauses and latency with a large cache full of items under the 1:9 load (issue 14).
#
# For memcached and then Bastion under each collector in turn: start it with -m MEM_MB, fill it past -m with 100 B
# items (so it is full and evicting), then run memcaslap's 1:9 set:get load with CONNS connections for DURATION
# seconds while bench/src/main/java/org/bastion/bench/LatencyProbe.java times one get a millisecond on its own
# connection. For Bastion, the JVM logs its safepoints and GCs: the longest safepoint is the longest pause the server
# made every thread take, whatever the collector, and "Pause Full" lines are full-heap collections.
# Bastion is started as the README starts it (java -jar; the launcher sizes -Xmx from -m) plus the collector's flag.
# Knobs: MEM_MB (4096), ITEMS (MEM_MB x 3,600: about 1.1 times what fits), DURATION (60 s), CONNS (50),
#        COLLECTORS ("g1 parallel z"), SKIP_MEMCACHED=1.
# Loopback only; every step is bounded by timeout; a trap stops the servers however the script ends.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MEM_MB=${MEM_MB:-4096}
ITEMS=${ITEMS:-$((MEM_MB * 3600))}
DURATION=${DURATION:-60}
CONNS=${CONNS:-50}
COLLECTORS=${COLLECTORS:-g1 parallel z}
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

PID=""
stop_server() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    timeout 30 tail --pid="$PID" -f /dev/null 2>/dev/null || kill -9 "$PID" 2>/dev/null || true
  fi
  PID=""
}
trap 'stop_server; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

wait_port() {
  for _ in $(seq 1 300); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  say "nothing listens on port $PORT"
  exit 1
}

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
if [ "${SKIP_MEMCACHED:-0}" != 1 ]; then
  memcached "${user_flag[@]}" -l 127.0.0.1 -p "$PORT" -U 0 -m "$MEM_MB" -t 2 -c 4096 &
  PID=$!
  wait_port
  measure memcached
  stop_server
fi
for c in $COLLECTORS; do
  case $c in
    g1) flag=-XX:+UseG1GC ;;
    parallel) flag=-XX:+UseParallelGC ;;
    z) flag=-XX:+UseZGC ;;
    *) say "unknown collector $c (g1, parallel, z)"; exit 1 ;;
  esac
  java "$flag" "-Xlog:safepoint:file=$WORK/safepoint-$c.log" "-Xlog:gc:file=$WORK/gc-$c.log" -jar "$JAR" \
    "${user_flag[@]}" -l 127.0.0.1 -p "$PORT" -m "$MEM_MB" -t 2 -c 4096 >"$WORK/bastion-$c.log" 2>&1 &
  PID=$!
  wait_port
  measure "bastion $c"
  heap=$(tr '\0' ' ' <"/proc/$PID/cmdline" | grep -o -- '-Xmx[0-9]*[mg]' | tail -1 || true)
  stop_server
  # The safepoints of the whole run (fill and load): the longest, and how many took over 50 ms.
  longest=$(grep -o 'Total: [0-9]* ns' "$WORK/safepoint-$c.log" | awk '{ if ($2 > m) m = $2 } END {printf "%.1f", m / 1e6}')
  over50=$(grep -o 'Total: [0-9]* ns' "$WORK/safepoint-$c.log" | awk '$2 > 50e6 {n++} END {print n + 0}')
  fulls=$(grep -c 'Pause Full' "$WORK/gc-$c.log" || true)
  printf 'bastion %s\t%s\t%s\t%s\t%s\n' "$c" "$longest" "$over50" "$fulls" "${heap:-default}" >>"$WORK/pauses.tsv"
done

echo
echo "| server | items held | req/s (memcaslap, $CONNS conns, 1:9) | probe p50 / p99 / p99.9 / max (us) |"
echo "|---|---:|---:|---|"
while IFS=$'\t' read -r name items tps probe; do
  p() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$probe"; }
  echo "| $name | $items | $tps | $(p p50_us) / $(p p99_us) / $(p p999_us) / $(p max_us) |"
done <"$WORK/results.tsv"
echo
echo "| Bastion collector | longest pause (ms) | pauses over 50 ms | full GCs | heap |"
echo "|---|---:|---:|---:|---|"
while IFS=$'\t' read -r name longest over50 fulls heap; do
  echo "| ${name#bastion } | $longest | $over50 | $fulls | $heap |"
done <"$WORK/pauses.tsv"
