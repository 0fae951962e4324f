#!/usr/bin/env bash
# Registry round trip, side by side, in one run: a push then a pull of a
# ~200 MB image (busybox and two layers of random data, made by commit) through a local
# `berth registry serve`, by
#   berth push REG/bench/big:v1 ; berth pull REG/bench/big:v1   (a fresh store)
#   skopeo copy oci:STORE/oci:NAME docker://REG/... ; skopeo copy docker://... oci:FRESH
# N rounds (default 3). Each round gets fresh, empty registries (one per
# tool: a registry that has the blobs already skips the upload) and fresh
# pull destinations; the image's source is the same OCI layout (berth's
# store) for both. It prints the medians and the ratio berth/skopeo.
#
#   bench/registry/run.sh [-n N] [-s MB]      as root; BERTH=path/to/berth
#
# Everything it creates is removed when it exits; it never touches
# /var/lib/berth. Loopback only.
set -euo pipefail

N=3
MB=200
usage() { echo "usage: $0 [-n N] [-s MB]" >&2; exit 2; }
while getopts "n:s:h" o; do
  case $o in
    n) N=$OPTARG ;;
    s) MB=$OPTARG ;;
    *) usage ;;
  esac
done
[[ "$N" =~ ^[1-9][0-9]*$ && "$MB" =~ ^[1-9][0-9]*$ ]] || usage
. "$(dirname "$0")/../lib.sh"
bench_init
[[ -x "$BERTH" ]] || die "$BERTH not built (make build)"
command -v skopeo >/dev/null || die "skopeo not installed (scripts/deps.sh)"

work=$(mktemp -d /tmp/berth-bench-registry.XXXXXX)
pids=()
cleanup() {
  local rc=$?
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  "$BERTH" --root "$work/store" rm -f bench-a bench-b >/dev/null 2>&1
  bench_remove_cgroups "$(bench_cgroup_parent "$work/store")"
  stores=("$work/store")
  for i in $(seq "$N"); do stores+=("$work/pull-$i"); done
  for s in "${stores[@]}"; do
    bench_unmount_under "$(bench_run_root "$s")"
    rm -rf --one-file-system "$(bench_run_root "$s")"
  done
  bench_unmount_under "$work"
  rm -rf --one-file-system "$work"
  left=$(for s in "${stores[@]}"; do bench_leftovers -s "$s"; done; bench_leftovers -d "$work")
  if [[ -n "$left" ]]; then
    echo "bench: left behind:" >&2; echo "$left" >&2
    rc=1
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# serve DIR VAR: starts a berth registry on a free loopback port and sets
# VAR to its host:port. Not in $(...): the registry would hold the
# substitution's pipe open, and its pid would not reach this shell.
serve() {
  "$BERTH" registry serve --addr 127.0.0.1:0 --dir "$1" >/dev/null 2>"$1.log" &
  pids+=($!)
  local addr
  for _ in $(seq 100); do
    if addr=$(grep -o 'listening on [^,]*' "$1.log" 2>/dev/null); then printf -v "$2" '%s' "${addr#listening on }"; return; fi
    sleep 0.05
  done
  die "registry in $1 did not start: $(cat "$1.log")"
}
stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  pids=()
}
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

say "building a ${MB} MB image (busybox and two layers of random data, by commit)"
store=$work/store
B() { "$BERTH" --root "$store" "$@"; }
half=$(( MB / 2 ))
B bootstrap >/dev/null
B run --network none --name bench-a busybox sh -c "head -c ${half}m /dev/urandom > /a" >/dev/null
B commit bench-a bench:one >/dev/null
B run --network none --name bench-b bench:one sh -c "head -c ${half}m /dev/urandom > /b" >/dev/null
B commit bench-b bench:big >/dev/null
B rm bench-a bench-b >/dev/null
src="oci:$store/oci:docker.io/library/bench:big"    # the same blobs for skopeo
say "image: $(B images --format '{{.Repository}}:{{.Tag}} {{.Size}}' bench:big), $(du -sh "$store/oci/blobs" | cut -f1) of blobs"

declare -a bpush bpull spush spull
for i in $(seq "$N"); do
  serve "$work/reg-berth-$i" rb; serve "$work/reg-skopeo-$i" rs
  B tag bench:big "$rb/bench/big:v1"
  t0=$(now); B push -q "$rb/bench/big:v1" >/dev/null; t1=$(now)
  "$BERTH" --root "$work/pull-$i" pull -q "$rb/bench/big:v1" >/dev/null; t2=$(now)
  bpush+=("$(ms "$t0" "$t1")"); bpull+=("$(ms "$t1" "$t2")")
  t0=$(now); skopeo --insecure-policy copy -q --dest-tls-verify=false "$src" "docker://$rs/bench/big:v1" >/dev/null; t1=$(now)
  skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$rs/bench/big:v1" "oci:$work/skopeo-pull-$i:big" >/dev/null; t2=$(now)
  spush+=("$(ms "$t0" "$t1")"); spull+=("$(ms "$t1" "$t2")")
  say "round $i: berth push ${bpush[-1]} ms, pull ${bpull[-1]} ms; skopeo push ${spush[-1]} ms, pull ${spull[-1]} ms"
  B rmi "$rb/bench/big:v1" >/dev/null
  stop_all
  rm -rf "$work/reg-berth-$i" "$work/reg-skopeo-$i" "$work/pull-$i" "$work/skopeo-pull-$i" "$(bench_run_root "$work/pull-$i")"
done

med() { printf '%s\n' "$@" | median; }
bp=$(med "${bpush[@]}"); bl=$(med "${bpull[@]}"); sp=$(med "${spush[@]}"); sl=$(med "${spull[@]}")
bt=$(( bp + bl )); st=$(( sp + sl ))
printf '%-8s push %6d ms  pull %6d ms  total %6d ms   (median of %d)\n' berth "$bp" "$bl" "$bt" "$N"
printf '%-8s push %6d ms  pull %6d ms  total %6d ms   (skopeo %s)\n' skopeo "$sp" "$sl" "$st" "$(skopeo --version | awk '{print $3}')"
awk -v b="$bt" -v s="$st" -v bp="$bp" -v sp="$sp" -v bl="$bl" -v sl="$sl" 'BEGIN {
  printf "ratio berth/skopeo = %.2fx (push %.2fx, pull %.2fx); target <= 1.0x\n", b/s, bp/sp, bl/sl }'
