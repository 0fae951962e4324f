#!/usr/bin/env bash
# Drives the real workbench in tmux with real containers:
#   a new container appears in the list (from engine events), a shell is
#   opened in it and `hostname` typed, the workbench comes back after `exit`,
#   the container is stopped from the list, and a crashed container is
#   debugged with one key (a shell in a copy of it, removed afterwards),
#   busybox's Layers view lists bin/busybox, busybox is tagged (T) and
#   pushed (P) to a `berth registry serve` on loopback, and the lessons pane's first
#   step passes once its command has run, steps 2 to 4 pass the way the
#   pane says (enter for the Logs tab, P, then e, hostname and exit), a berth
#   command pasted into `:` shows its output, and 100 marked containers are
#   removed with one prompt, a compose project's group row stops and
#   removes both its containers, a pod played by `berth kube play` shows
#   as one row that stops the pod and goes with `kube play --down`, and
#   the Events view shows their events.
#
#   BERTH=bin/berth BERTH_ROOT=/tmp/store scripts/tui-e2e.sh
#
# BERTH_ROOT must be a store of its own (it is bootstrapped when empty); the
# containers the script makes are removed at the end. The workbench runs with
# a config dir of its own (default keys, no lesson progress). Needs root and
# tmux.
set -euo pipefail
BERTH=${BERTH:-bin/berth}
: "${BERTH_ROOT:?set BERTH_ROOT to a store for this script alone}"
export BERTH_ROOT
name=e2e-web-$$
sock=berth-e2e-$$         # a tmux server of our own
cfg=$(mktemp -d)          # XDG_CONFIG_HOME: keys and lesson progress
t() { tmux -L "$sock" "$@"; }
regpid=
cleanup() {
  t kill-server 2>/dev/null || true
  if [[ -n $regpid ]]; then kill "$regpid" 2>/dev/null || true; fi
  if [[ -n ${pushed:-} ]]; then "$BERTH" rmi "$pushed" >/dev/null 2>&1 || true; fi
  rm -rf "$cfg"
  "$BERTH" rm -f "$name" "e2e-crash-$$" "e2e-run-$$" first >/dev/null 2>&1 || true
  "$BERTH" volume rm "e2e-vol-$$" >/dev/null 2>&1 || true
  "$BERTH" ps -a --format '{{.Names}}' 2>/dev/null | grep -- "e2e-bulk-$$-\|e2e-grp-$$-\|e2epod$$-" | xargs -r "$BERTH" rm -f >/dev/null 2>&1 || true
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
# wait_re REGEX: until the pane shows a line matching REGEX (10 s at most).
wait_re() {
  for _ in $(seq 100); do
    if t capture-pane -p -t e2e | grep -qE -- "$1"; then return 0; fi
    sleep 0.1
  done
  echo "tui-e2e: the workbench never showed a line like: $1" >&2
  t capture-pane -p -t e2e >&2 || true
  exit 1
}
step() { echo "tui-e2e: $*"; }

"$BERTH" image inspect busybox >/dev/null 2>&1 || "$BERTH" bootstrap >/dev/null
"$BERTH" rm -f first >/dev/null 2>&1 || true  # the first lesson's container

step "open the workbench"
t new-session -d -s e2e -x 100 -y 30 "TERM=xterm-256color XDG_CONFIG_HOME=$cfg $BERTH; echo berth-exited-\$?; sleep 30"
wait_for "running ·"

step "a container started elsewhere appears in the list"
id=$("$BERTH" run -d --name "$name" busybox sh -c 'trap "exit 0" TERM; while true; do sleep 1; done')
wait_for "$name"

step "filter to it, open a shell, type hostname"
t send-keys -t e2e / ; t send-keys -t e2e -l "$name"; t send-keys -t e2e Enter
wait_for "filter: $name"
step "its row shows CPU % and memory from the sampler"
wait_re "$name .*running .* [0-9]+\.[0-9]%  +[0-9.]+[KM]iB"
step "its Stats tab graphs it"
t send-keys -t e2e S
wait_re "CPU [0-9.]+% of one core"
wait_re "MEMORY [0-9.]+[KM]iB"
t send-keys -t e2e Escape; sleep 0.3
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

step "a crashed container is debugged with one key"
crashed=e2e-crash-$$
"$BERTH" run -d --name "$crashed" busybox sh -c 'echo dying >&2; exit 3' >/dev/null
t send-keys -t e2e Escape; sleep 0.5   # alone, or the terminal reads alt+/
t send-keys -t e2e / ; t send-keys -t e2e -l "$crashed"; t send-keys -t e2e Enter
wait_for "filter: $crashed"
wait_for "Exited (3)"
t send-keys -t e2e C
wait_re "exit code +3"
wait_for "dying"
t send-keys -t e2e b
wait_for "debugging $crashed in a copy"
wait_for "/ #"
t send-keys -t e2e -l 'echo debug-ok-$((40+2))'; t send-keys -t e2e Enter
wait_for "debug-ok-42"
t send-keys -t e2e -l exit; t send-keys -t e2e Enter
wait_for "back from debug in $crashed"
wait_for "berth debug $crashed"
left=$("$BERTH" ps -a --format '{{.Names}}' | grep -c -- "$crashed-debug" || true)
[[ $left == 0 ]] || { echo "tui-e2e: the debug copy of $crashed was left behind" >&2; exit 1; }

step "run an image from the images tab's form"
run=e2e-run-$$
t send-keys -t e2e Escape; sleep 0.5
t send-keys -t e2e 2
wait_for "REPOSITORY"
t send-keys -t e2e R
wait_for "run busybox"
t send-keys -t e2e -l "$run"; t send-keys -t e2e Tab; t send-keys -t e2e -l "sleep 300"; t send-keys -t e2e Enter
wait_for "started $run"
wait_for "berth run -d --name $run busybox"
status=$("$BERTH" inspect -f '{{.State.Status}}' "$run")
[[ $status == running ]] || { echo "tui-e2e: $run is $status, want running" >&2; exit 1; }

step "the Layers view of busybox shows its tree and the command that lists it"
t send-keys -t e2e Escape; sleep 0.5
t send-keys -t e2e 2
wait_for "REPOSITORY"
t send-keys -t e2e g
row=$("$BERTH" images --format '{{.Repository}}:{{.Tag}}' | grep -nx 'busybox:latest' | cut -d: -f1)
for _ in $(seq 2 "$row"); do t send-keys -t e2e j; done
t send-keys -t e2e l
wait_for "busybox:latest · layers · changed in layer 0"
wait_re "[0-9.]+[kM]B +busybox *$"
wait_for "berth layers --layer 0 busybox:latest"
t send-keys -t e2e Escape; sleep 0.5
wait_for "REPOSITORY"

step "tag busybox with T and push it with P to a registry on loopback"
"$BERTH" registry serve --dir "$cfg/registry" --addr 127.0.0.1:0 2>"$cfg/registry.log" &
regpid=$!
for _ in $(seq 50); do grep -q "listening on" "$cfg/registry.log" && break; sleep 0.1; done
reg=$(sed -n 's/^registry listening on \([^,]*\),.*/\1/p' "$cfg/registry.log")
[[ -n $reg ]] || { echo "tui-e2e: the registry did not start" >&2; cat "$cfg/registry.log" >&2; exit 1; }
pushed=$reg/e2e/busybox:v$$
t send-keys -t e2e g
row=$("$BERTH" images --format '{{.Repository}}:{{.Tag}}' | grep -nx 'busybox:latest' | cut -d: -f1)
for _ in $(seq 2 "$row"); do t send-keys -t e2e j; done
t send-keys -t e2e T
wait_for "tag busybox:latest"
t send-keys -t e2e -l "$pushed"; t send-keys -t e2e Enter
wait_for "tagged busybox:latest as $pushed"
wait_for "berth tag busybox:latest $pushed"
t send-keys -t e2e P   # on the new tag's row: the list selects it after the tag
wait_for "push an image"
wait_for "berth push $pushed"
t send-keys -t e2e Enter
wait_for "pushed $pushed: digest: sha256:"
"$BERTH" rmi "$pushed" >/dev/null
"$BERTH" pull "$pushed" >/dev/null || { echo "tui-e2e: $pushed is not in the registry after the push" >&2; exit 1; }
"$BERTH" rmi "$pushed" >/dev/null
kill "$regpid"; wait "$regpid" 2>/dev/null || true; regpid=
wait_for "REPOSITORY"

step "create and remove a volume from the Volumes tab"
vol=e2e-vol-$$
t send-keys -t e2e 3
wait_for "VOLUME NAME"
t send-keys -t e2e n; t send-keys -t e2e -l "$vol"; t send-keys -t e2e Enter
wait_for "created volume $vol"
"$BERTH" volume inspect "$vol" >/dev/null
t send-keys -t e2e g D
wait_for "remove volume"
t send-keys -t e2e y
wait_for "removed volume"
if "$BERTH" volume inspect "$vol" >/dev/null 2>&1; then echo "tui-e2e: volume $vol is still there" >&2; exit 1; fi

step "the lessons pane: the first lesson's first step passes once its command has run"
t send-keys -t e2e 1
t send-keys -t e2e L
wait_for "1 Your first container"
t send-keys -t e2e g Enter
wait_for "Your first container · step 1/6"
wait_for "✗ first is running — no container first"
"$BERTH" run -d --name first busybox sh -c 'while true; do echo tick; sleep 2; done' >/dev/null
wait_for "✓ step 1 done: Run a container"
wait_for "step 2/6"
[[ -s $cfg/berth/lessons.json ]] || { echo "tui-e2e: the lesson progress was not saved in $cfg" >&2; exit 1; }

step "the first lesson's steps 2-4 the way the pane says: enter, P, then e, hostname, exit"
t send-keys -t e2e Escape; sleep 0.5
t send-keys -t e2e / ; t send-keys -t e2e -l first; t send-keys -t e2e Enter
wait_for "filter: first"
t send-keys -t e2e Enter                      # its Logs tab
wait_for "✓ step 2 done: Read its output"
wait_for "step 3/6"
t send-keys -t e2e Escape; sleep 0.5
t send-keys -t e2e P                          # its Processes tab
wait_for "✓ step 3 done: PID 1"
wait_for "step 4/6"
t send-keys -t e2e Escape; sleep 0.5
wait_for "filter: first"
t send-keys -t e2e e
wait_for "shell in first"
wait_for "/ #"
t send-keys -t e2e -l hostname; t send-keys -t e2e Enter
wait_for "$("$BERTH" inspect -f '{{.Id}}' first | cut -c1-12)"
t send-keys -t e2e -l exit; t send-keys -t e2e Enter
wait_for "back from shell in first"
wait_for "✓ step 4 done: Run a command inside it"
wait_for "step 5/6"
t send-keys -t e2e L
wait_for "running ·"

step "paste a berth command into : and read its output in the pane"
t send-keys -t e2e 1
wait_for "running ·"
t send-keys -t e2e :
wait_for ": berth"
t set-buffer -b e2e-paste -- "ps -a --filter 'name=$name' --format '{{.Names}} is {{.State}}'"
t paste-buffer -p -d -b e2e-paste -t e2e   # -p: bracketed, as a terminal pastes
wait_for "--format '{{.Names}} is {{.State}}'"
t send-keys -t e2e Enter
wait_for "$name is exited"
wait_for "· exit 0"
t send-keys -t e2e Escape
wait_for "running ·"
wait_for "berth ps -a --filter"

step "bulk remove of 100 containers, 5 of them running"
for i in $(seq -w 1 100); do
  if (( 10#$i <= 5 )); then
    "$BERTH" run -d --name "e2e-bulk-$$-$i" busybox sleep 600 >/dev/null
  else
    "$BERTH" create --name "e2e-bulk-$$-$i" busybox true >/dev/null
  fi
done
t send-keys -t e2e Escape; sleep 0.5
t send-keys -t e2e / ; t send-keys -t e2e -l "e2e-bulk-$$-"; t send-keys -t e2e Enter
wait_for "filter: e2e-bulk-$$-"
t send-keys -t e2e C-a
wait_for "100 marked"
t send-keys -t e2e D
wait_for "remove 100 containers (5 running, will be killed)? (y/n)"
t send-keys -t e2e y
wait_for "no container matches"
left=$("$BERTH" ps -a --format '{{.Names}}' | grep -c -- "e2e-bulk-$$-" || true)
[[ $left == 0 ]] || { echo "tui-e2e: $left of the 100 containers are left" >&2; exit 1; }
t send-keys -t e2e Escape; sleep 0.5

step "a compose project's row: 2/2 running, x stops both, D removes both after the prompt"
proj=e2eproj$$
for m in a b; do
  "$BERTH" run -d --name "e2e-grp-$$-$m" --label "com.docker.compose.project=$proj" busybox sleep 600 >/dev/null
done
t send-keys -t e2e / ; t send-keys -t e2e -l "e2e-grp-$$-"; t send-keys -t e2e Enter
wait_for "filter: e2e-grp-$$-"
t send-keys -t e2e g   # the first row: the project's
wait_for "2/2 running"
wait_for "x stop group"
t send-keys -t e2e x
wait_for "0/2 running"
for m in a b; do
  st=$("$BERTH" inspect -f '{{.State.Status}}' "e2e-grp-$$-$m")
  [[ $st == exited ]] || { echo "tui-e2e: e2e-grp-$$-$m is $st after the group's stop" >&2; exit 1; }
done
t send-keys -t e2e D
wait_for "remove e2e-grp-$$-a e2e-grp-$$-b? (y/n)"
t send-keys -t e2e y
wait_for "no container matches"
left=$("$BERTH" ps -a --format '{{.Names}}' | grep -c -- "e2e-grp-$$-" || true)
[[ $left == 0 ]] || { echo "tui-e2e: $left of the group's containers are left" >&2; exit 1; }
t send-keys -t e2e Escape; sleep 0.5

step "a kube play pod's row: 2/2 running (its YAML's containers; the infra is listed, not counted), x stops all three, kube play --down removes it"
pod=e2epod$$
manifest=$cfg/pod.yaml
cat >"$manifest" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $pod
spec:
  containers:
  - name: web
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
  - name: side
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
EOF
"$BERTH" kube play --pull never "$manifest" >/dev/null
t send-keys -t e2e / ; t send-keys -t e2e -l "$pod-"; t send-keys -t e2e Enter
wait_for "filter: $pod-"
t send-keys -t e2e g   # the first row: the pod's
wait_re "$pod .*kube pod"
wait_for "2/2 running"
wait_for "x stop group"
t send-keys -t e2e x
wait_for "0/2 running"
for m in web side infra; do
  st=$("$BERTH" inspect -f '{{.State.Status}}' "$pod-$m")
  [[ $st == exited ]] || { echo "tui-e2e: $pod-$m is $st after the pod's stop" >&2; exit 1; }
done
"$BERTH" kube play --down "$manifest" >/dev/null
wait_for "no container matches"
t send-keys -t e2e Escape; sleep 0.5

step "the Events view shows the group's die and destroy events live, found with / text"
t send-keys -t e2e E
wait_for "events · all types"
t send-keys -t e2e / ; t send-keys -t e2e -l "e2e-grp-$$-"; t send-keys -t e2e Enter
wait_for "/e2e-grp-$$-"
wait_re "container die .*e2e-grp-"
wait_re "container destroy .*e2e-grp-"
wait_for "berth events | grep -iF"
t send-keys -t e2e Escape; sleep 0.5   # clears the text; alone, or the terminal reads alt+t
step "the Events view's volume type shows the volume's create and destroy"
t send-keys -t e2e t t t
wait_for "type=volume"
wait_re "volume +create .*$vol"
wait_re "volume +destroy .*$vol"
t send-keys -t e2e Escape; sleep 0.3

step "quit"
t send-keys -t e2e q
wait_for "berth-exited-0"
echo "tui-e2e: ok"
