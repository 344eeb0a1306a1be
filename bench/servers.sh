# Sourced by the bench scripts that start one server at a time (gc-pauses.sh, compare-jars.sh): the running server's
# pid in PID, stopped by stop_server (SIGTERM, then SIGKILL after 30 s) and by the EXIT trap the script sets.
PID=""

stop_server() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    timeout 30 tail --pid="$PID" -f /dev/null 2>/dev/null || kill -9 "$PID" 2>/dev/null || true
  fi
  PID=""
}

# wait_port PORT: returns once something accepts on 127.0.0.1:PORT; fails after 30 s.
wait_port() {
  for _ in $(seq 1 300); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  return 1
}
