#!/usr/bin/env bash
# TLS load comparison: Debian's `memcached -Z` and Bastion with -Z, Bastion once with the JDK's TLS provider
# (ssl_engine=jdk) and once with OpenSSL (BoringSSL from netty-tcnative, ssl_engine=openssl), all with the same
# certificates (a throwaway CA and server certificate made here with openssl). memcaslap has no TLS, so the load comes
# from bench/src/main/java/org/bastion/bench/TlsLoad.java (JDK only, run as a single source file): CONNS connections,
# each sending batches of 10 requests (1 set of 100 B, 9 gets) over one TLS session.
#
#   bench/compare-tls.sh                  # or: TLS=1 bench/compare-memcached.sh
#
# Runs alternate (memcached, bastion-jdk, bastion-openssl, memcached, ...) RUNS times after a WARMUP of each server;
# each server's CPU time (utime+stime from /proc/<pid>/stat) is read around every run. Prints the medians.
# Knobs: RUNS (3), DURATION (10 s), WARMUP (5 s), CONNS (20), THREADS (2), MEM_MB (256), BASTION_JAR (the built jar).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
CONNS=${CONNS:-20}
THREADS=${THREADS:-2}
MEM_MB=${MEM_MB:-256}
JAR="${BASTION_JAR:-$ROOT/server/target/bastion.jar}"
LOAD="$ROOT/bench/src/main/java/org/bastion/bench/TlsLoad.java"
WORK=$(mktemp -d /tmp/bastion-tls.XXXXXX)
CLK_TCK=$(getconf CLK_TCK)
say() { echo "compare-tls: $*" >&2; }

command -v memcached >/dev/null 2>&1 || { say "needs memcached (apt-get install memcached)"; exit 1; }
command -v openssl >/dev/null 2>&1 || { say "needs openssl (apt-get install openssl)"; exit 1; }
if [ ! -f "$JAR" ]; then
  say "building $JAR"
  (cd "$ROOT" && timeout 900 mvn -B -q package -DskipTests)
fi

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do timeout 10 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The same throwaway certificates for every server (readable by memcached's nobody).
chmod 755 "$WORK"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/ca.key" -out "$WORK/ca.crt" -days 2 -subj "/CN=bench CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$WORK/server.key" -out "$WORK/server.csr" -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$WORK/san.ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -CAcreateserial -days 2 \
  -extfile "$WORK/san.ext" -out "$WORK/server.crt" 2>/dev/null
chmod 644 "$WORK"/*
SSL="ssl_chain_cert=$WORK/server.crt,ssl_key=$WORK/server.key"

wait_port() {
  for _ in $(seq 1 150); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.2
  done
  say "nothing listens on port $1"; exit 1
}

user=()
[ "$(id -u)" -eq 0 ] && user=(-u nobody)
memcached "${user[@]}" -l 127.0.0.1 -p 21311 -U 0 -m "$MEM_MB" -t "$THREADS" -c 4096 -Z -o "$SSL" &
PIDS+=($!); MC=$!
JVM="-Xms$((MEM_MB * 3 / 2 + 256))m -Xmx$((MEM_MB * 3 / 2 + 256))m -XX:+UseParallelGC"
# shellcheck disable=SC2086
java $JVM -jar "$JAR" "${user[@]}" -l 127.0.0.1 -p 21322 -m "$MEM_MB" -t "$THREADS" -c 4096 -Z -o "$SSL,ssl_engine=jdk" \
  >"$WORK/jdk.log" 2>&1 &
PIDS+=($!); JDK=$!
# shellcheck disable=SC2086
java $JVM -jar "$JAR" "${user[@]}" -l 127.0.0.1 -p 21333 -m "$MEM_MB" -t "$THREADS" -c 4096 -Z -o "$SSL,ssl_engine=openssl" \
  >"$WORK/openssl.log" 2>&1 &
PIDS+=($!); OSSL=$!
wait_port 21311; wait_port 21322; wait_port 21333
grep -h "TLS with" "$WORK/jdk.log" "$WORK/openssl.log" >&2 || true

cpu() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

# measure <name> <pid> <port> <seconds>: prints "name ops cpu_ticks"
measure() {
  local before after ops
  before=$(cpu "$2")
  ops=$(java "$LOAD" "$3" "$4" "$CONNS" "$WORK/ca.crt")
  after=$(cpu "$2")
  echo "$1 $ops $((after - before))"
}

for target in "memcached $MC 21311" "bastion-jdk $JDK 21322" "bastion-openssl $OSSL 21333"; do
  # shellcheck disable=SC2086
  set -- $target
  say "warm-up $1 ${WARMUP}s"
  measure "$1" "$2" "$3" "$WARMUP" >/dev/null
done
for run in $(seq 1 "$RUNS"); do
  for target in "memcached $MC 21311" "bastion-jdk $JDK 21322" "bastion-openssl $OSSL 21333"; do
    # shellcheck disable=SC2086
    set -- $target
    measure "$1" "$2" "$3" "$DURATION" | tee -a "$WORK/results" >&2
  done
done

python3 - "$WORK/results" "$DURATION" "$CLK_TCK" "$CONNS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, ops, ticks = line.split()
    rows.setdefault(name, []).append((int(ops), int(ticks)))
secs, tck, conns = float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
print(f"TLS, {conns} conns, 100 B, 1:9 set:get, batches of 10, medians of {len(rows['memcached'])} runs of {secs:.0f} s")
print("| server | requests/s | server CPU µs/request | throughput vs memcached | CPU/request vs memcached |")
print("|---|---|---|---|---|")
base = None
for name in ("memcached", "bastion-jdk", "bastion-openssl"):
    rps = statistics.median(o / secs for o, _ in rows[name])
    cpu = statistics.median(t / tck * 1e6 / o for o, t in rows[name] if o)
    if base is None:
        base = (rps, cpu)
    print(f"| {name} | {rps:,.0f} | {cpu:.1f} | {rps / base[0]:.2f}x | {cpu / base[1]:.2f}x |")
PY
