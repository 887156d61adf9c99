#!/bin/sh
# Runs one of the image's console scripts: `docker run IMAGE waymark-dispatch [args…]`.
set -eu
if [ "$#" -eq 0 ]; then
  echo "usage: <one of: $WAYMARK_ENTRYPOINTS> [args…]" >&2
  exit 64
fi
for allowed in $WAYMARK_ENTRYPOINTS; do
  if [ "$1" = "$allowed" ]; then
    exec "/app/.venv/bin/$@"
  fi
done
echo "unknown entrypoint '$1'; this image runs: $WAYMARK_ENTRYPOINTS" >&2
exit 64
