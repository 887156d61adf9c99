#!/usr/bin/env bash
# `make test`: set up what is missing, start the local stack when no address is given, run every
# test suite, stop what this run started, and exit non-zero on any failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
UV="${UV:-uv}"

t0=$SECONDS
make --no-print-directory setup
# Prometheus and promtool for the alert-rule and dashboard tests (Debian's package).
make --no-print-directory observability-tools
# Debian's Chromium for the console's browser tests.
tests/browser/install-chromium.sh
echo "setup: $((SECONDS - t0)) s (uv, venv, Kafka jars, FerretDB; a warm run reuses them all)"

started_stack=0
cleanup() {
  if [ "$started_stack" = 1 ]; then deploy/local/stack.sh down || true; fi
}
trap cleanup EXIT

if [ -n "${WAYMARK_KAFKA_BOOTSTRAP:-}" ] && [ -n "${WAYMARK_MONGO_URL:-}" ]; then
  echo "using the given Kafka ($WAYMARK_KAFKA_BOOTSTRAP) and MongoDB"
elif [ "${WAYMARK_TEST_DOCKER:-auto}" != never ] && command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  echo "a Docker engine answers: tests start Kafka and MongoDB with testcontainers"
else
  t1=$SECONDS
  deploy/local/stack.sh status >/dev/null 2>&1 || started_stack=1
  deploy/local/stack.sh up
  set -a; eval "$(deploy/local/stack.sh env)"; set +a
  echo "local stack: $((SECONDS - t1)) s ($([ $started_stack = 1 ] && echo started || echo reused))"
fi

mkdir -p test-output
"$UV" run --frozen --no-sync python -m pytest tests --junitxml=test-output/junit.xml "$@"
