#!/usr/bin/env bash
# CPU of an idle workbench with 100 live containers: starts N busybox
# containers in a store of its own, opens `berth` in tmux, lets it settle,
# then reads the process's user+system time over a window. Everything it
# starts is removed on exit, and it fails if any of it is left.
#
#   bench/tui/idle.sh [-n 100] [-s 10]     (as root; BERTH=path/to/berth)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=100 SECS=10
while getopts "n:s:" o; do case $o in n) N=$OPTARG ;; s) SECS=$OPTARG ;; *) exit 2 ;; esac; done
BERTH=${BERTH:-$PWD/bin/berth}
work=$(mktemp -d /tmp/berth-bench-tui.XXXXXX)
export BERTH_ROOT="$work/store"
sock=berth-bench-tui-$$
. bench/lib.sh
cleanup() {
  local rc=$?
  set +e
  tmux -L "$sock" kill-server 2>/dev/null
  "$BERTH" ps -aq 2>/dev/null | xargs -r "$BERTH" rm -f >/dev/null 2>&1
  bench_remove_cgroups "$(bench_cgroup_parent "$BERTH_ROOT")"
  bench_unmount_under "$(bench_run_root "$BERTH_ROOT")"
  bench_unmount_under "$work"
  rm -rf --one-file-system "$work" "$(bench_run_root "$BERTH_ROOT")"
  left=$(bench_leftovers -d "$work" -s "$BERTH_ROOT")
  if [[ -n "$left" ]]; then
    echo "bench: left behind:" >&2; echo "$left" >&2
    rc=1
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

"$BERTH" bootstrap >/dev/null
for i in $(seq "$N"); do
  "$BERTH" run -d --network none --name "idle-$i" busybox sleep 100000 >/dev/null
done
tmux -L "$sock" new-session -d -s bench -x 160 -y 48 "TERM=xterm-256color exec $BERTH"
pid=""
for _ in $(seq 100); do
  pid=$(tmux -L "$sock" list-panes -t bench -F '#{pane_pid}')
  tmux -L "$sock" capture-pane -p -t bench | grep -q "$N running" && break
  sleep 0.1
done
sleep 3 # settle: the first list, the events backlog
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks); s0=$(date +%s.%N)
sleep "$SECS"
t1=$(ticks); s1=$(date +%s.%N)
awk -v t="$((t1 - t0))" -v hz="$hz" -v s0="$s0" -v s1="$s1" -v n="$N" \
  'BEGIN { printf "idle workbench, %d live containers: %.2f %% of a core over %.1f s\n", n, 100 * t / hz / (s1 - s0), s1 - s0 }'
