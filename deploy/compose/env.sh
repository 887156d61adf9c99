#!/usr/bin/env bash
# Writes the compose stack's development secrets to .local/compose.env once (random, never
# committed) and prints the file's path; `make compose-up` passes it to `docker compose`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ENV_FILE="${WAYMARK_COMPOSE_ENV_FILE:-$ROOT/.local/compose.env}"
if [ ! -s "$ENV_FILE" ]; then
  mkdir -p "$(dirname "$ENV_FILE")"
  umask 077
  rand() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
  {
    echo "WAYMARK_COMPOSE_WRITE_KEY=$(rand)"
    echo "WAYMARK_COMPOSE_WEBHOOK_SECRET=$(rand)"
    echo "WAYMARK_COMPOSE_ADMIN_TOKEN=$(rand)"
    echo "WAYMARK_COMPOSE_UNSUBSCRIBE_SECRET=$(rand)"
    echo "WAYMARK_COMPOSE_GRAFANA_PASSWORD=$(rand)"
  } >"$ENV_FILE"
fi
printf '%s\n' "$ENV_FILE"
