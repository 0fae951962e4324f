#!/usr/bin/env bash
# Layer analysis, side by side, in one run: `berth layers --ci` against
# `dive --ci --source docker-archive` on the same image, a docker-archive
# of about 50,000 files in 5 layers (bench/layers/gen: a large base,
# dependencies rewriting part of it, the application, files rewritten a
# third time, a clean-up layer with whiteouts). Each tool runs N times;
# the medians of wall time and of peak memory (max RSS, GNU time) are
# printed with the ratios berth/dive, and both tools' efficiency and
# wasted bytes, which must agree.
#
# berth reads the image from its store. `berth load` lists each layer's
# files while it checks and hashes the layer and leaves the list in
# layerinfo/ (layers/layerindex.go), so the first analysis after a load
# reads no blob. Each run of "berth-load+first" is what a user who hands
# both tools the same archive waits for: a fresh store, `berth load`,
# then `berth layers --ci` (the two times summed; peak RSS the larger).
# In the store, two more: "cold" (the file lists removed before each run:
# every layer blob read) and "warm". dive reads the archive each time; it
# has no cache.
#
#   bench/layers/run.sh [-n N]        as root; BERTH=path/to/berth
#
# The figure a user who hands both tools the same archive sees is
# berth-load+first against dive (issue #23).
#
# dive comes from `scripts/deps.sh bench` (go install, pinned) into Go's
# bin directory; without it the script says so in one line and exits 0.
# Everything else lives in a temporary directory removed on exit;
# /var/lib/berth is never touched.
set -euo pipefail

N=5
while getopts "n:h" o; do
  case $o in
    n) N=$OPTARG ;;
    *) echo "usage: $0 [-n N]" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BERTH=${BERTH:-$repo/bin/berth}
export PATH=/usr/local/go/bin:$PATH

gobin=$(go env GOBIN); [[ -n "$gobin" ]] || gobin="$(go env GOPATH)/bin"
DIVE=$(command -v dive || echo "$gobin/dive")
if [[ ! -x $DIVE ]]; then
  echo "bench: dive not installed (scripts/deps.sh bench), skipped"
  exit 0
fi
[[ -x /usr/bin/time ]] || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 1; }

work=$(mktemp -d /tmp/berth-bench-layers-XXXXXX)
store=$work/store
. "$repo/bench/lib.sh"
cleanup() {
  local rc=$?
  set +e
  [[ -n "${KEEP:-}" ]] && exit $rc
  bench_unmount_under "$(bench_run_root "$store")"
  rm -rf --one-file-system "$work" "$(bench_run_root "$store")"
  left=$(bench_leftovers -d "$work" -s "$store")
  if [[ -n "$left" ]]; then
    echo "bench: left behind:" >&2; echo "$left" >&2
    rc=1
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
(cd "$repo" && go run ./bench/layers/gen -o "$work/image.tar")
# Peak RSS counts the executable's own pages as well as the heap, and a
# binary the Go linker has just written sits in the page cache in large
# folios that a page fault maps whole: the warm analysis by bin/berth
# straight after `make build` peaked at 71 MB, by the same file once read
# back from disk at 54 MB (2026-12-06). Both binaries are synced and
# dropped from the page cache (only these two files), so that both are
# measured as an installed program is, read back from disk.
for b in "$BERTH" "$DIVE"; do
  sync "$b" && dd if="$b" iflag=nocache count=0 status=none
done

# measure LABEL CMD...: N runs, "seconds kilobytes" per line in $work/LABEL
measure() {
  local label=$1; shift
  : > "$work/$label"
  for _ in $(seq "$N"); do
    [[ $label == berth-cold ]] && rm -f "$store"/layerinfo/*.files
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" > "$work/$label.out" 2>/dev/null || true
    tail -n 1 "$work/t" >> "$work/$label"
  done
}
# measure_load_first: N runs of a fresh store's load then first analysis,
# "seconds kilobytes" (summed, larger) per line in $work/berth-load+first;
# the load's own seconds in $work/load
measure_load_first() {
  : > "$work/berth-load+first"; : > "$work/load"
  for _ in $(seq "$N"); do
    rm -rf --one-file-system "$store"
    /usr/bin/time -f "%e %M" -o "$work/t" "$BERTH" --root "$store" load -i "$work/image.tar" >/dev/null
    read -r lt lm < <(tail -n 1 "$work/t")
    /usr/bin/time -f "%e %M" -o "$work/t" "$BERTH" --root "$store" layers --ci bench/layers:latest >/dev/null 2>&1 || true
    read -r ft fm < <(tail -n 1 "$work/t")
    echo "$lt" >> "$work/load"
    awk -v a="$lt" -v b="$ft" -v m="$lm" -v n="$fm" 'BEGIN {print a+b, (m > n ? m : n)}' >> "$work/berth-load+first"
  done
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

cd "$work"  # no .dive-ci here: both use the default rules
measure dive env CI=true "$DIVE" --ci --source docker-archive "$work/image.tar"
measure_load_first
measure berth-cold "$BERTH" --root "$store" layers --ci bench/layers:latest
measure berth-warm "$BERTH" --root "$store" layers --ci bench/layers:latest

files=$("$BERTH" --root "$store" layers --json bench/layers:latest | grep -o '"files": [0-9]*' | awk '{s+=$2} END {print s}')
printf 'image: 5 layers, %s tar entries; berth load alone (median): %ss; dive %s\n\n' "$files" "$(median < "$work/load")" "$(go version -m "$DIVE" | awk '$1 == "mod" {print $3; exit}')"
printf '%-32s %10s %12s\n' "command (median of $N)" "time" "peak RSS"
for l in dive berth-load+first berth-cold berth-warm; do
  printf '%-32s %9.2fs %9.1f MB\n' "$l" "$(cut -d' ' -f1 "$work/$l" | median)" "$(cut -d' ' -f2 "$work/$l" | median | awk '{print $1/1024}')"
done
dt=$(cut -d' ' -f1 "$work/dive" | median); dm=$(cut -d' ' -f2 "$work/dive" | median)
for l in berth-load+first berth-cold berth-warm; do
  bt=$(cut -d' ' -f1 "$work/$l" | median); bm=$(cut -d' ' -f2 "$work/$l" | median)
  awk -v l="$l" -v bt="$bt" -v dt="$dt" -v bm="$bm" -v dm="$dm" 'BEGIN {printf "ratio %-16s / dive: time %.2fx  memory %.2fx\n", l, bt/dt, bm/dm}'
done
echo
echo "dive:  $(grep -E 'efficiency|wastedBytes' "$work/dive.out" | tr -s ' ' | tr '\n' ' ')"
echo "berth: $(grep -E '^Efficiency' "$work/berth-warm.out")"
