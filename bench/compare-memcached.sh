#!/usr/bin/env bash
# Side-by-side load comparison of Bastion with Debian's memcached, measured by the same third-party tool (memcaslap).
#
#   bench/compare-memcached.sh            # from the repository root; builds server/target/bastion.jar if missing
#
# Both servers listen on loopback with the same -m and -t. Every workload runs alternately (memcached, Bastion,
# memcached, Bastion, ...) RUNS times per server after a JIT warm-up of Bastion; each server's CPU time
# (utime+stime from /proc/<pid>/stat) is read around every run, and one more connection times a get every millisecond
# (bench/.../LatencyProbe.java) for its p99 latency. The table shows medians. Then both servers are
# restarted empty, 1,000,000 items of 100 B are loaded into each, and RSS per item is reported.
#
# Knobs (environment): RUNS (3), DURATION seconds per run (10), WARMUP seconds per workload (10), MEM_MB (1024),
# THREADS server threads (2), CLIENT_THREADS memcaslap threads (2), ITEMS for the memory test (1000000),
# BASTION_JVM_FLAGS (see DEFAULT_JVM_FLAGS below), MC_PORT / BASTION_PORT (21211 / 21222), ONLY (workload indexes to
# run, e.g. "0 2"; empty for none; default all), SKIP_MEMORY=1 (no memory test).
#
# TLS=1 runs the TLS comparison instead (bench/compare-tls.sh): memcached -Z against Bastion -Z with the JDK provider
# and with OpenSSL, same certificates, a small Java TLS load driver (memcaslap has no TLS).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${TLS:-0}" = 1 ]; then
  exec "$ROOT/bench/compare-tls.sh"
fi
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
MEM_MB=${MEM_MB:-1024}
THREADS=${THREADS:-2}
CLIENT_THREADS=${CLIENT_THREADS:-2}
ITEMS=${ITEMS:-1000000}
MC_PORT=${MC_PORT:-21211}
BASTION_PORT=${BASTION_PORT:-21222}
# Heap: -m plus room for garbage (the CLI warns below 1.5 x -m + 64 MB); a small young generation keeps RSS close to
# the live data (README "Performance").
DEFAULT_JVM_FLAGS="-Xms$((MEM_MB * 3 / 2 + 256))m -Xmx$((MEM_MB * 3 / 2 + 256))m -Xmn32m -XX:+UseParallelGC"
BASTION_JVM_FLAGS=${BASTION_JVM_FLAGS:-$DEFAULT_JVM_FLAGS}
JAR="$ROOT/server/target/bastion.jar"
WORK=$(mktemp -d /tmp/bastion-compare.XXXXXX)
CLK_TCK=$(getconf CLK_TCK)

say() { echo "compare: $*" >&2; }

# --- prerequisites -------------------------------------------------------------------------------------------------
need_pkgs=()
command -v memcached >/dev/null 2>&1 || need_pkgs+=(memcached)
command -v memcaslap >/dev/null 2>&1 || need_pkgs+=(libmemcached-tools)
if ((${#need_pkgs[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  say "installing ${need_pkgs[*]} from Debian"
  timeout 600 $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive timeout 600 $sudo_cmd apt-get install -y -q "${need_pkgs[@]}"
fi
command -v python3 >/dev/null 2>&1 || { say "python3 is needed for the loader and the table"; exit 1; }
if [ ! -f "$JAR" ]; then
  say "building $JAR"
  (cd "$ROOT" && timeout 900 mvn -B -q package -DskipTests)
fi

MC_PID=""
BASTION_PID=""
stop_servers() {
  for pid in $MC_PID $BASTION_PID; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $MC_PID $BASTION_PID; do
    timeout 10 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
  done
  MC_PID=""
  BASTION_PID=""
}
cleanup() {
  stop_servers
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_port() {
  local port=$1
  for _ in $(seq 1 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  say "nothing listens on port $port"
  exit 1
}

start_servers() {
  local user_flag=()
  # memcached and Bastion both refuse to run as root without -u.
  if [ "$(id -u)" -eq 0 ]; then
    user_flag=(-u root)
    memcached -u nobody -l 127.0.0.1 -p "$MC_PORT" -U 0 -m "$MEM_MB" -t "$THREADS" -c 4096 &
  else
    memcached -l 127.0.0.1 -p "$MC_PORT" -U 0 -m "$MEM_MB" -t "$THREADS" -c 4096 &
  fi
  MC_PID=$!
  # shellcheck disable=SC2086
  java $BASTION_JVM_FLAGS -jar "$JAR" "${user_flag[@]}" -l 127.0.0.1 -p "$BASTION_PORT" -m "$MEM_MB" -t "$THREADS" \
    -c 4096 >"$WORK/bastion.log" 2>&1 &
  BASTION_PID=$!
  wait_port "$MC_PORT"
  wait_port "$BASTION_PORT"
}

# CPU seconds (user + system) the process has used, from /proc/<pid>/stat fields 14 and 15.
cpu_ticks() {
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

rss_kb() {
  awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

# config file for memcaslap: fixed 32-byte keys, fixed value size, set:get proportion
write_cfg() {
  local file=$1 size=$2 set=$3 get=$4
  printf 'key\n32 32 1\nvalue\n%s %s 1\ncmd\n0 %s\n1 %s\n' "$size" "$size" "$set" "$get" >"$file"
}

# workload name | value size | set share | get share | connections | keys per multi-get
WORKLOADS=(
  "50 conns, 100 B, 1:9 set:get|100|0.1|0.9|50|1"
  "50 conns, 4 KiB, 1:9 set:get|4096|0.1|0.9|50|1"
  "50 conns, 100 B, multi-get 10 keys|100|0.1|0.9|50|10"
  "500 conns, 100 B, 1:9 set:get|100|0.1|0.9|500|1"
)

# The latency probe: compiled in the benchmarks jar when it is built, else run from its source file.
PROBE=("$ROOT/bench/src/main/java/org/bastion/bench/LatencyProbe.java")
if [ -f "$ROOT/bench/target/benchmarks.jar" ]; then
  PROBE=(-cp "$ROOT/bench/target/benchmarks.jar" org.bastion.bench.LatencyProbe)
fi

# run_load <server> <pid> <port> <workload index> <seconds> <record: yes|no>
run_load() {
  local server=$1 pid=$2 port=$3 idx=$4 secs=$5 record=$6
  IFS='|' read -r name size set get conns div <<<"${WORKLOADS[$idx]}"
  local cfg="$WORK/w$idx.cfg"
  write_cfg "$cfg" "$size" "$set" "$get"
  local before after out tps ops probe_pid="" p99=""
  if [ "$record" = yes ]; then
    # Latency beside throughput: one more connection times a get every millisecond while memcaslap loads.
    timeout $((secs + 60)) java "${PROBE[@]}" "$port" "$secs" >"$WORK/probe.out" 2>&1 &
    probe_pid=$!
  fi
  before=$(cpu_ticks "$pid")
  out=$(timeout $((secs + 60)) memcaslap -s "127.0.0.1:$port" -F "$cfg" -T "$CLIENT_THREADS" -c "$conns" \
    -d "$div" -t "${secs}s" 2>&1) || { say "memcaslap failed against $server: $out"; exit 1; }
  after=$(cpu_ticks "$pid")
  if [ -n "$probe_pid" ]; then
    wait "$probe_pid" || { say "the latency probe failed against $server: $(cat "$WORK/probe.out")"; exit 1; }
    p99=$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' "$WORK/probe.out" | tail -1)
  fi
  tps=$(sed -n 's/.*TPS: \([0-9]*\).*/\1/p' <<<"$out" | tail -1)
  ops=$(sed -n 's/.*Ops: \([0-9]*\).*/\1/p' <<<"$out" | tail -1)
  if [ -z "$tps" ] || [ -z "$ops" ] || [ "$ops" -eq 0 ]; then
    say "no result from memcaslap against $server: $out"
    exit 1
  fi
  local cpu_us
  cpu_us=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v ops="$ops" 'BEGIN {printf "%.3f", t / hz * 1e6 / ops}')
  if [ "$record" = yes ]; then
    printf '%s\t%s\t%s\t%s\t%s\n' "$idx" "$server" "$tps" "$cpu_us" "$p99" >>"$WORK/results.tsv"
    say "$(printf '%-36s %-9s %9s req/s %8s us CPU/req  p99 %6s us' "$name" "$server" "$tps" "$cpu_us" "$p99")"
  fi
}

# --- throughput ----------------------------------------------------------------------------------------------------
say "machine: $(nproc) cpus, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1)"
say "memcached $(memcached -V | awk '{print $2}'), -m $MEM_MB -t $THREADS; Bastion JVM flags: $BASTION_JVM_FLAGS"
say "ulimit -n $(ulimit -n)"
start_servers
say "warming up Bastion's JIT (and filling both servers) for ${WARMUP}s per workload"
SELECTED=${ONLY-${!WORKLOADS[*]}}
for i in $SELECTED; do
  run_load bastion "$BASTION_PID" "$BASTION_PORT" "$i" "$WARMUP" no
  run_load memcached "$MC_PID" "$MC_PORT" "$i" "$WARMUP" no
done
: >"$WORK/results.tsv"
for i in $SELECTED; do
  for r in $(seq 1 "$RUNS"); do
    # Alternate which server goes first, so drift in the machine's load hits both alike.
    if ((r % 2)); then
      run_load memcached "$MC_PID" "$MC_PORT" "$i" "$DURATION" yes
      run_load bastion "$BASTION_PID" "$BASTION_PORT" "$i" "$DURATION" yes
    else
      run_load bastion "$BASTION_PID" "$BASTION_PORT" "$i" "$DURATION" yes
      run_load memcached "$MC_PID" "$MC_PORT" "$i" "$DURATION" yes
    fi
  done
done
stop_servers

# --- memory --------------------------------------------------------------------------------------------------------
mc_items=0 ba_items=0 mc_base=0 ba_base=0 mc_rss=0 ba_rss=0
if [ "${SKIP_MEMORY:-0}" != 1 ]; then
say "memory: loading $ITEMS items of 100 B into freshly started servers"
start_servers
load_items() {
  timeout 300 python3 - "$1" "$ITEMS" <<'EOF'
import socket, sys
port, items = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
value = b"v" * 100
batch = []
for i in range(items):
    batch.append(b"set key:%010d 0 0 100 noreply\r\n%s\r\n" % (i, value))
    if len(batch) == 10000:
        s.sendall(b"".join(batch))
        batch = []
s.sendall(b"".join(batch) + b"stats\r\n")
out = b""
while not out.endswith(b"END\r\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    out += chunk
for line in out.split(b"\r\n"):
    if line.startswith(b"STAT curr_items "):
        print(int(line.split()[2]))
EOF
}
mc_base=$(rss_kb "$MC_PID")
ba_base=$(rss_kb "$BASTION_PID")
mc_items=$(load_items "$MC_PORT")
ba_items=$(load_items "$BASTION_PORT")
sleep 2
mc_rss=$(rss_kb "$MC_PID")
ba_rss=$(rss_kb "$BASTION_PID")
stop_servers
fi

# --- table ---------------------------------------------------------------------------------------------------------
python3 - "$WORK/results.tsv" "$RUNS" "$ITEMS" "$mc_items" "$ba_items" "$mc_base" "$ba_base" "$mc_rss" "$ba_rss" \
  "${WORKLOADS[@]}" <<'EOF'
import statistics, sys
path, runs, items = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mc_items, ba_items = int(sys.argv[4] or 0), int(sys.argv[5] or 0)
mc_base, ba_base, mc_rss, ba_rss = (int(x) * 1024 for x in sys.argv[6:10])
names = [w.split("|")[0] for w in sys.argv[10:]]
rows = {}
for line in open(path):
    idx, server, tps, cpu, p99 = line.rstrip("\n").split("\t")
    rows.setdefault((int(idx), server), []).append((float(tps), float(cpu), float(p99)))
def med(idx, server, k):
    return statistics.median(v[k] for v in rows[(idx, server)])
print()
print(f"Medians of {runs} alternated runs per server (requests/s as memcaslap counts them; CPU = server utime+stime per request;")
print("p99 = 99th percentile round trip of one more connection sending a get every millisecond during the run)")
print()
print("| workload | memcached req/s | Bastion req/s | ratio | memcached CPU us/req | Bastion CPU us/req | ratio "
      "| memcached p99 us | Bastion p99 us |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for i, name in enumerate(names):
    if (i, "bastion") not in rows:
        continue
    mt, bt = med(i, "memcached", 0), med(i, "bastion", 0)
    mc, bc = med(i, "memcached", 1), med(i, "bastion", 1)
    mp, bp = med(i, "memcached", 2), med(i, "bastion", 2)
    print(f"| {name} | {mt:,.0f} | {bt:,.0f} | {bt / mt:.2f}x | {mc:.2f} | {bc:.2f} | {bc / mc:.2f}x "
          f"| {mp:,.0f} | {bp:,.0f} |")
if not mc_rss:
    sys.exit(0)
print()
print(f"Memory after loading {items:,} items of 100 B (curr_items: memcached {mc_items:,}, Bastion {ba_items:,})")
print()
print("| server | RSS empty | RSS loaded | RSS / item | (RSS loaded - RSS empty) / item |")
print("|---|---:|---:|---:|---:|")
for name, base, rss, n in (("memcached", mc_base, mc_rss, mc_items), ("Bastion", ba_base, ba_rss, ba_items)):
    n = n or items
    print(f"| {name} | {base / 2**20:,.0f} MiB | {rss / 2**20:,.0f} MiB | {rss / n:,.0f} B | {(rss - base) / n:,.0f} B |")
print()
print(f"Bastion/memcached bytes per item: {(ba_rss / (ba_items or items)) / (mc_rss / (mc_items or items)):.2f}x (RSS), "
      f"{((ba_rss - ba_base) / (ba_items or items)) / ((mc_rss - mc_base) / (mc_items or items)):.2f}x (growth)")
EOF
