#!/usr/bin/env bash
# Every bench, in one run, as `make bench` runs them: each bench's own
# output in turn, then its ratios gathered at the end. The slow ones run
# with smaller counts than their defaults (said in each header) to keep the
# whole near 10 minutes on 2 cores (13 minutes measured at load ~18, where
# podman's load of the 500 images alone took 3.4):
#   bench/start        -n 20      berth run --rm and exec against runc, podman
#   bench/concurrency  -n 5 -r 3  30 at once, ps -a 300, images 500, against podman
#   bench/layers       -n 3       against dive, the same archive
#   bench/registry     -n 1 -s 100  push and pull against skopeo
#   bench/build        -n 6 -a 40  rebuilds against buildah on overlay; 40 earlier builds, not 100
#   bench/tui                     frame times, idle CPU with 100 containers
# A bench whose peer is not installed says so in one line and measures the
# rest; a bench that fails (or leaves something behind) makes this script
# exit 1 after the others have run.
#
#   bench/all.sh [NAME...]       as root; BERTH=path/to/berth
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
export BERTH=${BERTH:-$repo/bin/berth}
[[ $(id -u) -eq 0 ]] || { echo "bench: must run as root; try: sudo $0 $*" >&2; exit 1; }

benches=(
  "start -n 20"
  "concurrency -n 5 -r 3"
  "layers -n 3"
  "registry -n 1 -s 100"
  "build -n 6 -a 40"
  "tui"
)
if (( $# )); then  # only the benches named
  sel=()
  for b in "${benches[@]}"; do for a in "$@"; do [[ ${b%% *} == "$a" ]] && sel+=("$b"); done; done
  (( ${#sel[@]} )) || { echo "bench: no bench named $*" >&2; exit 2; }
  benches=("${sel[@]}")
fi

out=$(mktemp -d /tmp/berth-bench-all.XXXXXX)
trap 'rm -rf "$out"' EXIT
echo "# make bench: $(date -u +%FT%TZ), berth $("$BERTH" version -f '{{.Client.Version}}' 2>/dev/null || echo '?'), $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
failed=()
for b in "${benches[@]}"; do
  name=${b%% *}; args=${b#"$name"}
  echo
  echo "== bench/$name/run.sh$args"
  s=$(date +%s)
  # shellcheck disable=SC2086
  "$repo/bench/$name/run.sh" $args 2>&1 | tee "$out/$name.txt"
  rc=${PIPESTATUS[0]}
  echo "== bench/$name: $(( $(date +%s) - s )) s, exit $rc"
  (( rc == 0 )) || failed+=("$name")
done

echo
echo "# summary: $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
for b in "${benches[@]}"; do
  name=${b%% *}
  grep -E '^ratio|skipped|^## |^# (container start|exec)|^[a-z]+: [0-9.]+x the time|ms/frame|^idle workbench' "$out/$name.txt" 2>/dev/null | sed "s|^|$name: |"
done
if (( ${#failed[@]} )); then
  echo "bench: failed: ${failed[*]}" >&2
  exit 1
fi
