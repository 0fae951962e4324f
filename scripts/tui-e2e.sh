#!/usr/bin/env bash
# Drives the real workbench in tmux with real containers:
#   a new container appears in the list (from engine events), a shell is
#   opened in it and `hostname` typed, the workbench comes back after `exit`,
#   and the container is stopped from the list.
#
#   BERTH=bin/berth BERTH_ROOT=/tmp/store scripts/tui-e2e.sh
#
# BERTH_ROOT must be a store of its own (it is bootstrapped when empty); the
# containers the script makes are removed at the end. Needs root and tmux.
set -euo pipefail
BERTH=${BERTH:-bin/berth}
: "${BERTH_ROOT:?set BERTH_ROOT to a store for this script alone}"
export BERTH_ROOT
name=e2e-web-$$
sock=berth-e2e-$$         # a tmux server of our own
t() { tmux -L "$sock" "$@"; }
cleanup() {
  t kill-server 2>/dev/null || true
  "$BERTH" rm -f "$name" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# wait_for TEXT: until the pane shows TEXT (10 s at most).
wait_for() {
  for _ in $(seq 100); do
    if t capture-pane -p -t e2e | grep -qF -- "$1"; then return 0; fi
    sleep 0.1
  done
  echo "tui-e2e: the workbench never showed: $1" >&2
  echo "--- the screen:" >&2
  t capture-pane -p -t e2e >&2 || true
  exit 1
}
step() { echo "tui-e2e: $*"; }

"$BERTH" image inspect busybox >/dev/null 2>&1 || "$BERTH" bootstrap >/dev/null

step "open the workbench"
t new-session -d -s e2e -x 100 -y 30 "TERM=xterm-256color $BERTH; echo berth-exited-\$?; sleep 30"
wait_for "running ·"

step "a container started elsewhere appears in the list"
id=$("$BERTH" run -d --name "$name" busybox sh -c 'trap "exit 0" TERM; while true; do sleep 1; done')
wait_for "$name"

step "filter to it, open a shell, type hostname"
t send-keys -t e2e / ; t send-keys -t e2e -l "$name"; t send-keys -t e2e Enter
wait_for "filter: $name"
t send-keys -t e2e e
wait_for "shell in $name"
wait_for "/ #"
t send-keys -t e2e -l hostname; t send-keys -t e2e Enter
wait_for "${id:0:12}"

step "exit comes back to the workbench"
t send-keys -t e2e -l exit; t send-keys -t e2e Enter
wait_for "back from shell in $name"
wait_for "berth exec -it $name sh"

step "stop it from the list"
t send-keys -t e2e x
wait_for "berth stop $name"
wait_for "Exited (0)"
status=$("$BERTH" inspect -f '{{.State.Status}}' "$name")
[[ $status == exited ]] || { echo "tui-e2e: $name is $status, want exited" >&2; exit 1; }

step "quit"
t send-keys -t e2e q
wait_for "berth-exited-0"
echo "tui-e2e: ok"
