#!/usr/bin/env bash
# The workbench's figures: frame time of the containers view with 1,000
# containers, and idle CPU with 100 live containers.
#
#   bench/tui/run.sh      (as root; BERTH=path/to/berth)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:$PATH"
go test -tags seccomp -run '^$' -bench . -benchtime 2s ./bench/tui/ | grep -E 'Benchmark|ms/frame'
bench/tui/idle.sh "$@"
