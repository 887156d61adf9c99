#!/usr/bin/env bash
# FerretDB (MongoDB wire protocol) on its SQLite backend, built with `go install` at an exact version.
# Usage: ferretdb.sh install|start|stop|status
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

BIN_DIR="$CACHE_DIR/ferretdb-$FERRETDB_VERSION/bin"
# The binary is named after the sources that built it, so a change to them rebuilds it.
BUILD_KEY="$(cat "$ROOT/deploy/local/ferretdb/main.go" "$ROOT/deploy/local/ferretdb/go.sum" | cksum | cut -d' ' -f1)"
BIN="$BIN_DIR/ferretdb-$BUILD_KEY"
HOME_DIR="$LOCAL_DIR/ferretdb"
PIDFILE="$HOME_DIR/ferretdb.pid"
LOGFILE="$HOME_DIR/ferretdb.log"

install() {
  if [ -x "$BIN" ]; then return 0; fi
  command -v go >/dev/null || die "go not found: FerretDB is built from source with the Go toolchain"
  log "building FerretDB $FERRETDB_VERSION (embedded, SQLite backend) with go install into $BIN_DIR"
  mkdir -p "$BIN_DIR"
  # ferretdb/go.mod pins FerretDB at exactly $FERRETDB_VERSION; CGO off: its SQLite is pure Go.
  (cd "$ROOT/deploy/local/ferretdb" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN="$BIN_DIR" go install .) \
    || die "building FerretDB failed"
  mv "$BIN_DIR/ferretdb" "$BIN"
}

start() {
  if pid_alive "$PIDFILE" && port_open "$MONGO_PORT"; then log "FerretDB already running on 127.0.0.1:$MONGO_PORT (pid $(cat "$PIDFILE"))"; return 0; fi
  if ! pid_alive "$PIDFILE" && port_open "$MONGO_PORT"; then die "port $MONGO_PORT is taken by another process: set WAYMARK_LOCAL_MONGO_PORT"; fi
  install
  mkdir -p "$HOME_DIR/data"
  if ! pid_alive "$PIDFILE"; then
    log "starting FerretDB $FERRETDB_VERSION on 127.0.0.1:$MONGO_PORT"
    # WAL without an fsync per commit (synchronous=NORMAL): a FerretDB crash loses nothing,
    # an OS crash may lose the last commits, like MongoDB's default write concern, whose
    # journal is synced every 100 ms. Measured: a single insert costs a third less CPU and
    # latency, and the ledger's claims and analytics' batches wait less on each other.
    nohup "$BIN" --sqlite-url="file:$HOME_DIR/data/?_pragma=synchronous(normal)" \
      --listen-addr="127.0.0.1:$MONGO_PORT" --log-level=warn >"$LOGFILE" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
  fi
  if ! wait_for "FerretDB" 30 "$LOGFILE" port_open "$MONGO_PORT"; then
    stop_pid "FerretDB" "$PIDFILE"
    die "FerretDB did not start"
  fi
  log "FerretDB ready on 127.0.0.1:$MONGO_PORT"
}

stop() { stop_pid "FerretDB" "$PIDFILE"; }

status() {
  if pid_alive "$PIDFILE" && port_open "$MONGO_PORT"; then echo "ferretdb: running on 127.0.0.1:$MONGO_PORT (pid $(cat "$PIDFILE"))"; else echo "ferretdb: stopped"; return 1; fi
}

"${1:-status}"
