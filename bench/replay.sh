#!/usr/bin/env bash
# Look-aside trace replay against memcached and Bastion at the same -m: hit ratio and items held side by side.
#
#   bench/replay.sh --workload zipf --theta 0.99 --keys 200000 --requests 300000 --value 100 --mem 8
#   bench/replay.sh --workload scan --keys 1000000 --requests 600000 --mem 4,8,16,32,64,128 --csv curve.csv
#   bench/replay.sh --trace keys.txt --mem 16          # a trace file: one key per line
#
# Every option is described in bench/src/main/java/org/bastion/bench/replay/TraceReplay.java. Run from anywhere; it
# builds server/target/bastion.jar and bench/target/benchmarks.jar if missing. Needs memcached (Debian package) and
# Java 17. BASTION_JVM_FLAGS, when set, is passed as --bastion-jvm (default: plain java -jar, as the README starts it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
command -v memcached >/dev/null 2>&1 || { echo "replay: memcached is needed (apt-get install memcached)" >&2; exit 1; }
if [ ! -f server/target/bastion.jar ] || [ ! -f bench/target/benchmarks.jar ]; then
  echo "replay: building the jars" >&2
  timeout 900 mvn -B -q package -DskipTests
fi
extra=()
if [ -n "${BASTION_JVM_FLAGS:-}" ]; then
  extra=(--bastion-jvm "$BASTION_JVM_FLAGS")
fi
exec java -Xmx1g -cp bench/target/benchmarks.jar org.bastion.bench.replay.TraceReplay "$@" "${extra[@]}"
