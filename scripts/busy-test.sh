#!/usr/bin/env bash
# Runs the integration suite with every core busy, as a loaded CI machine
# or a laptop compiling would be: tests that assert a duration or a CPU
# share, or use a sleep as synchronisation, fail here first.
#
#   scripts/busy-test.sh [go test flags, e.g. -run TestStats]
#
# Builds bin/berth first; the busy loops are killed when it exits.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
make build >/dev/null

pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap stop EXIT
for _ in $(seq "$(nproc)"); do
  sh -c 'while :; do :; done' &
  pids+=($!)
done
echo "busy-test: $(nproc) busy loops (pids ${pids[*]})"
env -u BERTH_ROOT BERTH_BINARY="$PWD/bin/berth" go test -tags seccomp -count=1 -timeout 30m ./integration/ "$@"
