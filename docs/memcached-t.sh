#!/usr/bin/env bash
# Runs memcached's own test files (t/*.t from Debian's memcached 1.6.18 source package) against Debian's memcached and
# against Bastion's jar, one after the other, and prints which pass on each.
#
#   docs/memcached-t.sh                  # the selection below
#   docs/memcached-t.sh getset metaget   # named test files (without .t)
#
# memcached's harness (t/lib/MemcachedTest.pm) starts ./memcached-debug itself, over a Unix socket (-s) when the help
# mentions one, as Bastion's does. The two wrappers written here change only what neither server takes: memcached's
# harness adds -o relaxed_privileges, which Debian's 1.6.18 binary refuses too, and a UDP port in TCP mode (Bastion has
# no UDP, so -U N becomes -U 0). Needs root (apt-get) the first time, perl, and server/target/bastion.jar.
# Knobs: WORK (/tmp/bastion-memcached-t), JAR (server/target/bastion.jar).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${JAR:-$ROOT/server/target/bastion.jar}
WORK=${WORK:-/tmp/bastion-memcached-t}
DEFAULT_TESTS="getset cas incrdecr noreply flags flush-all expirations getandtouch touch bogus-commands
malicious-commands line-lengths whitespace quit multiversioning item_size_max dash-M evictions lru chunked-items
metaget binary binary-get misbehave stats strtol-testing watcher watcher_connid idle-timeout unixsocket 64bit
issue_3 issue_14 issue_22 issue_29 issue_41 issue_42 issue_50 issue_61 issue_67 issue_68 issue_70 issue_104
issue_108 issue_140 issue_152 issue_163 issue_183 issue_192 issue_260"
TESTS=${*:-$DEFAULT_TESTS}

[ -f "$JAR" ] || { echo "memcached-t: $JAR is missing: mvn -B package -DskipTests" >&2; exit 1; }
command -v memcached >/dev/null || { echo "memcached-t: Debian's memcached is needed (apt-get install memcached)" >&2; exit 1; }
command -v prove >/dev/null || { echo "memcached-t: perl's prove is needed" >&2; exit 1; }

# --- memcached's test files, from Debian's source package ----------------------------------------------------------
mkdir -p "$WORK"
if [ ! -d "$WORK/src/t" ]; then
  sources=/etc/apt/sources.list.d/bastion-memcached-t.sources
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\n%s\n' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >"$sources"
  trap 'rm -f "$sources"' EXIT
  timeout 600 apt-get update -qq
  (cd "$WORK" && timeout 600 apt-get source --download-only -qq memcached=1.6.18-1)
  rm -f "$sources"
  tar -C "$WORK" -xf "$WORK"/memcached_1.6.18.orig.tar.xz
  mv "$WORK/memcached-1.6.18" "$WORK/src"
fi

# --- one harness directory per server --------------------------------------------------------------------------------
wrapper() { # wrapper <dir> <what -U N becomes> <command...>: memcached-debug and timedrun as the harness expects them
  local dir=$1 udp=$2
  shift 2
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -r "$WORK/src/t" "$dir/t"
  printf '#!/bin/bash\nt=$1; shift; exec timeout "$t" "$@"\n' >"$dir/timedrun"
  cat >"$dir/memcached-debug" <<EOF
#!/bin/bash
args=()
while [ \$# -gt 0 ]; do
  case "\$1" in
    -U) args+=(-U $udp); shift 2; continue ;;
    -o) if [ "\$2" = relaxed_privileges ]; then shift 2; continue; fi ;;
  esac
  args+=("\$1"); shift
done
exec $* "\${args[@]}"
EOF
  chmod +x "$dir/timedrun" "$dir/memcached-debug"
}
wrapper "$WORK/memcached" '"$2"' /usr/bin/memcached
wrapper "$WORK/bastion" 0 java -jar "$JAR"

# --- run ------------------------------------------------------------------------------------------------------------
printf '%-22s %-10s %-10s\n' "test file" memcached bastion
both=0 only_bastion_fails=()
for t in $TESTS; do
  result=()
  for server in memcached bastion; do
    if (cd "$WORK/$server" && timeout 300 prove "t/$t.t" >"$WORK/$server.$t.out" 2>&1); then
      result+=(pass)
    else
      result+=(FAIL)
    fi
  done
  printf '%-22s %-10s %-10s\n' "$t.t" "${result[0]}" "${result[1]}"
  [ "${result[0]}/${result[1]}" = pass/pass ] && both=$((both + 1))
  [ "${result[0]}/${result[1]}" = pass/FAIL ] && only_bastion_fails+=("$t")
done
echo "memcached-t: $both pass on both; fail on Bastion only: ${only_bastion_fails[*]:-none}" \
  "(output in $WORK/bastion.<test>.out; the known reasons are in docs/testing.md)"
