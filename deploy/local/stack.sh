#!/usr/bin/env bash
# The local stack without Docker: Kafka (KRaft) and FerretDB, data and logs in .local/.
# Usage: stack.sh up|down|status|env|install
#   up      start what is not running (a running, healthy stack is reused)
#   down    stop what runs, by pid
#   env     print the address variables the services and tests read
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
. "$here/common.sh"

case "${1:-status}" in
  install) "$here/kafka.sh" install & k=$!; "$here/ferretdb.sh" install; wait "$k" ;;
  up)
    # Both tools build in parallel on a cold machine; each start is idempotent.
    "$here/kafka.sh" install & k=$!; "$here/ferretdb.sh" install; wait "$k"
    "$here/kafka.sh" start
    "$here/ferretdb.sh" start
    ;;
  down) "$here/ferretdb.sh" stop; "$here/kafka.sh" stop ;;
  status) rc=0; "$here/kafka.sh" status || rc=1; "$here/ferretdb.sh" status || rc=1; exit $rc ;;
  env)
    echo "WAYMARK_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT"
    echo "WAYMARK_MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT/"
    ;;
  *) die "usage: stack.sh up|down|status|env|install" ;;
esac
