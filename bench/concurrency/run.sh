#!/usr/bin/env bash
# Concurrency, as a class uses it, berth against podman in one run:
#   burst   C (default 30) `run --rm --network none busybox true` started at
#           once, R bursts (bench/concurrency/burst): each container's time
#           to exit and each burst's time until the last exited;
#   ps -a   with 30 and then 300 containers (created, not started): the
#           time of `ps -a`, and how it grows with 10 times the containers;
#   images  with 500 images (bench/concurrency/imagegen: small images of one
#           layer each, tagged bench/images:t1..t500, loaded from one
#           docker-archive into both): the time of `images`.
# Each `ps -a` and `images` figure is the median of N runs after a warm-up
# (bench/timeit). podman gets a store of its own, runc as its runtime, a
# cgroup parent of the bench's own and the busybox image `berth save`
# writes, as in bench/start.
#
#   bench/concurrency/run.sh [-n N] [-c C] [-r R] [-p PS] [-i IMAGES] [-t berth,podman]
#                                                    as root; BERTH=path/to/berth
#
# Everything it creates (stores, containers, images, cgroups) is removed when
# it exits, however it exits, and the script fails if any of it is left.
set -euo pipefail

N=5 C=30 R=3 PS=300 IMAGES=500 TOOLS=berth,podman
usage() { echo "usage: $0 [-n N] [-c C] [-r R] [-p PS] [-i IMAGES] [-t berth,podman]" >&2; exit 2; }
while getopts "n:c:r:p:i:t:h" o; do
  case $o in
    n) N=$OPTARG ;; c) C=$OPTARG ;; r) R=$OPTARG ;; p) PS=$OPTARG ;; i) IMAGES=$OPTARG ;;
    t) TOOLS=$OPTARG ;;
    *) usage ;;
  esac
done
for v in "$N" "$C" "$R" "$PS" "$IMAGES"; do [[ "$v" =~ ^[1-9][0-9]*$ ]] || usage; done
(( PS >= 30 )) || usage
. "$(dirname "$0")/../lib.sh"
bench_init
[[ -x "$BERTH" ]] || die "no berth binary at $BERTH (make build)"

work=$(mktemp -d /tmp/berth-bench-conc.XXXXXX)
store=$work/store
pcg=berth-bench-conc-$$   # podman's cgroup parent, the bench's own
P=()        # the podman command line, once used
child=""
cleanup() {
  local rc=$?
  set +e
  if [[ -n "$child" ]]; then kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi
  if [[ -d "$store" ]]; then
    ids=$("$BERTH" --root "$store" ps -aq 2>/dev/null)
    [[ -n "$ids" ]] && "$BERTH" --root "$store" rm -f $ids >/dev/null 2>&1
  fi
  if (( ${#P[@]} )); then
    "${P[@]}" rm -af >/dev/null 2>&1
  fi
  bench_remove_cgroups "$(bench_cgroup_parent "$store")"
  bench_remove_cgroups "$pcg"
  bench_unmount_under "$(bench_run_root "$store")"
  bench_unmount_under "$work"
  rm -rf --one-file-system "$(bench_run_root "$store")" "$work"
  left=$(bench_leftovers -d "$work" -s "$store" -c "$pcg")
  if [[ -n "$left" ]]; then
    echo "bench: left behind:" >&2; echo "$left" >&2
    rc=1
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

cd "$repo"
go build -o "$work/timeit" ./bench/timeit
go build -o "$work/burst" ./bench/concurrency/burst
go build -o "$work/imagegen" ./bench/concurrency/imagegen
bg() { "$@" & child=$!; wait "$child"; child=""; }  # a signal runs the cleanup at once

say "berth: bootstrap a temporary store"
"$BERTH" --root "$store" bootstrap >/dev/null
if has podman; then
  if ! command -v podman >/dev/null; then
    say "podman: not installed (scripts/deps.sh bench), skipped"
  else
    mkdir -p "$work/podman"
    P=(podman --root "$work/podman/root" --runroot "$work/podman/run" --tmpdir "$work/podman/tmp"
       --cgroup-manager cgroupfs --events-backend file --runtime runc)
    say "podman $(podman --version | awk '{print $3}'): load the image berth saves"
    "$BERTH" --root "$store" save busybox -o "$work/busybox.tar"
    "${P[@]}" load -q -i "$work/busybox.tar" >/dev/null
  fi
fi
podman_ok() { (( ${#P[@]} )); }
# The tools in the order their lines are reported: berth first (the ratios).
tools=()
has berth && tools+=(berth)
has podman && podman_ok && tools+=(podman)
(( ${#tools[@]} )) || die "nothing to measure (-t $TOOLS)"
cmdline() {  # cmdline TOOL: CMD=(the tool's command line on its bench store)
  case $1 in
    berth) CMD=("$BERTH" --root "$store") ;;
    podman) CMD=("${P[@]}") ;;
  esac
}
cli() { local t=$1; shift; cmdline "$t"; "${CMD[@]}" "$@"; }
run_args() {  # RUN=(what TOOL runs in a burst)
  cmdline "$1"
  RUN=("${CMD[@]}" run --rm --network none)
  [[ $1 == podman ]] && RUN+=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --cgroup-parent "/$pcg" --cgroups no-conmon)
  RUN+=(busybox true)
}

# burst: R rounds, the tools alternating, one warm-up burst each first.
for t in "${tools[@]}"; do
  say "$t: a warm-up burst of $C"
  run_args "$t"
  bg "$work/burst" -c "$C" -r 1 -key "$t" -latency /dev/null -wall /dev/null -- "${RUN[@]}"
done
for r in $(seq 1 "$R"); do
  say "burst round $r of $R: $C at once, each tool"
  for t in "${tools[@]}"; do
    run_args "$t"
    bg "$work/burst" -c "$C" -r 1 -key "$t" -label "$t run --rm" \
      -latency "$work/burst-latency.jsonl" -wall "$work/burst-wall.jsonl" -- "${RUN[@]}"
  done
done

# ps -a with 30, then PS containers.
create() {  # create TOOL K: K more containers, 4 at a time
  local t=$1 k=$2
  cmdline "$t"
  local extra=()
  [[ $t == podman ]] && extra=(--cgroup-parent "/$pcg")
  seq 1 "$k" | bg xargs -P 4 -I{} "${CMD[@]}" create --network none "${extra[@]}" busybox true >/dev/null
}
have=0
for k in 30 "$PS"; do
  for t in "${tools[@]}"; do
    say "$t: $((k - have)) more containers (created), then ps -a with $k"
    create "$t" $((k - have))
    got=$(cli "$t" ps -aq | wc -l)
    (( got == k )) || die "$t ps -a lists $got containers, want $k"
    cmdline "$t"
    bg "$work/timeit" -json -n "$N" -warmup 1 -key "$t" -label "$t ps -a, $k containers" -- \
      "${CMD[@]}" ps -a >>"$work/ps$k.jsonl"
  done
  have=$k
done

# images with IMAGES images.
"$work/imagegen" -n "$IMAGES" -o "$work/images.tar"
for t in "${tools[@]}"; do
  say "$t: load $IMAGES images from one docker-archive"
  s=$(date +%s%N)
  cli "$t" load -q -i "$work/images.tar" >/dev/null
  echo "$t load of $IMAGES images: $(( ($(date +%s%N) - s) / 1000000 )) ms" >>"$work/load.txt"
  cmdline "$t"
  bg "$work/timeit" -json -n "$N" -warmup 1 -key "$t" -label "$t images, $((IMAGES + 1)) images" -- \
    "${CMD[@]}" images >>"$work/images.jsonl"
done

echo "# concurrency: $(nproc) CPUs, kernel $(uname -r); ${tools[*]}$(podman_ok && echo " (podman $(podman --version | awk '{print $3}'), runtime runc)")"
echo "## $C \`run --rm --network none busybox true\` at once, $R bursts: each container's time to exit"
"$work/timeit" -report "$work/burst-latency.jsonl"
echo "## the same bursts: time until the last of $C exited"
"$work/timeit" -report "$work/burst-wall.jsonl"
for k in 30 "$PS"; do
  echo "## ps -a with $k containers"
  "$work/timeit" -report "$work/ps$k.jsonl"
done
echo "## growth of ps -a from 30 to $PS containers ($((PS / 30))x the containers)"
for t in "${tools[@]}"; do
  a=$(grep "\"key\":\"$t\"" "$work/ps30.jsonl" | grep -o '"median_ms":[0-9.]*' | cut -d: -f2)
  b=$(grep "\"key\":\"$t\"" "$work/ps$PS.jsonl" | grep -o '"median_ms":[0-9.]*' | cut -d: -f2)
  awk -v t="$t" -v a="$a" -v b="$b" 'BEGIN { printf "%s: %.2fx the time\n", t, b / a }'
done
echo "## images with $((IMAGES + 1)) images"
"$work/timeit" -report "$work/images.jsonl"
cat "$work/load.txt"
