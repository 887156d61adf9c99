# Shared settings of the local stack: ports, folders, and small helpers.
# Sourced by kafka.sh, ferretdb.sh and stack.sh; every value can be overridden from the environment.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL_DIR="${WAYMARK_LOCAL_DIR:-$ROOT/.local}"
# Tools (jars, binaries) are kept outside the clone so that a second clone reuses them.
CACHE_DIR="${WAYMARK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/waymark}"

KAFKA_VERSION="4.1.1"
KAFKA_PORT="${WAYMARK_LOCAL_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${WAYMARK_LOCAL_KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_HEAP="${WAYMARK_LOCAL_KAFKA_HEAP:--Xmx512m -Xms256m}"

FERRETDB_VERSION="v1.24.2"
MONGO_PORT="${WAYMARK_LOCAL_MONGO_PORT:-27018}"

log() { printf '[local-stack] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# pid_alive FILE: the pid in FILE names a running process.
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for NAME SECONDS LOGFILE CHECK...: run CHECK until it succeeds; on timeout print the log tail and fail.
wait_for() {
  local name="$1" seconds="$2" logfile="$3"; shift 3
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$name did not become ready within ${seconds}s; last lines of $logfile:"
      tail -n 40 "$logfile" >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

# stop_pid NAME PIDFILE: TERM, wait up to 30 s, then KILL.
stop_pid() {
  local name="$1" pidfile="$2"
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; return 0; fi
  local pid; pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "$name did not stop on TERM; killing"; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
  log "$name stopped"
}
