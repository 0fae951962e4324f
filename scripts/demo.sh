#!/usr/bin/env bash
# The demo `make run` opens: the default image, a container, and the
# workbench. Idempotent.
set -euo pipefail
BERTH=${BERTH:-bin/berth}
if ! "$BERTH" image inspect busybox >/dev/null 2>&1; then
  "$BERTH" bootstrap
fi
if ! "$BERTH" inspect --type container berth-demo >/dev/null 2>&1; then
  "$BERTH" run -d --name berth-demo busybox sh -c \
    'i=0; while true; do echo "demo tick $i"; i=$((i+1)); sleep 2; done' >/dev/null
fi
"$BERTH" start berth-demo >/dev/null
"$BERTH" run --rm busybox echo "hello from a berth container"
exec "$BERTH"
