#!/usr/bin/env bash
# Builds, side by side, in one run, on the same 10-step Dockerfile (FROM
# busybox, ENV/LABEL/WORKDIR, two COPYs, three RUNs, CMD):
#   no-change   a rebuild with nothing changed, warmed by one full build
#   changed     a rebuild after a COPYed file changed (that step and the
#               three RUNs after it run again)
# with
#   berth build --network none -q -t bench CONTEXT
#   buildah bud --isolation chroot --layers -q --pull=never -t bench CONTEXT
#     on the overlay driver, set in a storage.conf of the bench's own
#     (CONTAINERS_STORAGE_CONF; vfs copies every layer and flatters berth
#     1.3-1.6x, issue #23)
# each N times after 3 warm-ups (bench/timeit): n, median, min-max and the
# ratio berth/buildah. Then issue #23's flatness case:
#   aged        a no-change rebuild in a store where A earlier builds each
#               changed a COPYed file, against the same rebuild in a store
#               with one earlier build, timed in alternating rounds so both
#               see the same machine load; target ratio <= 1.2x.
#
#   bench/build/run.sh [-n N] [-a A] [-t berth,buildah]     as root; BERTH=path/to/berth
#
# berth and buildah each get temporary stores (buildah's image is the busybox
# berth bootstraps, saved and pulled from a docker archive: no registry); all
# of it is removed when the script exits, however it exits, and the script
# fails if a mount, a run directory or a store is left behind.
set -euo pipefail

N=20
AGE=100
TOOLS=berth,buildah
usage() { echo "usage: $0 [-n N] [-a A] [-t berth,buildah]" >&2; exit 2; }
while getopts "n:a:t:h" o; do
  case $o in
    n) N=$OPTARG ;;
    a) AGE=$OPTARG ;;
    t) TOOLS=$OPTARG ;;
    *) usage ;;
  esac
done
[[ "$N" =~ ^[1-9][0-9]*$ && "$AGE" =~ ^[1-9][0-9]*$ ]] || usage
. "$(dirname "$0")/../lib.sh"
bench_init
[[ -x "$BERTH" ]] || die "no berth binary at $BERTH (make build)"

work=$(mktemp -d /tmp/berth-bench-build.XXXXXX)
store=$work/store   # one earlier build
aged=$work/aged     # AGE earlier builds
run_root() { printf '/run/berth-%s' "$(printf '%s' "$1" | sha256sum | cut -c1-12)"; }  # engine.RunRootFor
B=()          # the buildah command line, once used
child=""

unmount_under() {
  findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1' | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
}
leftovers() {  # what the bench would leave behind: mounts, run directories, its work dir
  findmnt -rn -o TARGET | awk -v w="$work" -v a="$(run_root "$store")" -v b="$(run_root "$aged")" \
    'index($0, w) == 1 || index($0, a) == 1 || index($0, b) == 1'
  for d in "$work" "$(run_root "$store")" "$(run_root "$aged")"; do [[ -e "$d" ]] && echo "$d"; done
  return 0
}
cleanup() {
  local rc=$?
  set +e
  if [[ -n "$child" ]]; then kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi
  for s in "$store" "$aged"; do
    [[ -d "$s" ]] || continue
    ids=$("$BERTH" --root "$s" ps -aq 2>/dev/null)
    [[ -n "$ids" ]] && "$BERTH" --root "$s" rm -f $ids >/dev/null 2>&1
  done
  if (( ${#B[@]} )); then
    "${B[@]}" rm -a >/dev/null 2>&1
    "${B[@]}" rmi -af >/dev/null 2>&1
  fi
  for s in "$store" "$aged"; do unmount_under "$(run_root "$s")"; rm -rf --one-file-system "$(run_root "$s")"; done
  unmount_under "$work"
  rm -rf --one-file-system "$work"
  left=$(leftovers)
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
timeit() {  # timeit FILE ARGS...: one measurement appended to FILE
  local out=$1; shift
  "$work/timeit" -json "$@" >>"$out" &
  child=$!
  wait "$child"
  child=""
}

ctx=$work/context
mkdir -p "$ctx/src"
for i in $(seq 1 50); do echo "file $i" >"$ctx/src/f$i.txt"; done
echo "config" >"$ctx/app.conf"
cat >"$ctx/Dockerfile" <<'DF'
FROM busybox
ENV APP=/app
LABEL bench=build
WORKDIR /app
COPY src /app/src
COPY app.conf /etc/app.conf
RUN cat /app/src/*.txt > /app/all.txt
RUN wc -l /app/all.txt > /app/count
RUN echo built > /app/built
CMD ["cat", "/app/count"]
DF
# changed: a fresh app.conf before each build (the COPY of it and the RUNs after)
printf '#!/bin/sh\ndate +%%s%%N > "%s/app.conf"\nexec "$@"\n' "$ctx" >"$work/changed"
chmod +x "$work/changed"

say "berth: bootstrap a temporary store"
"$BERTH" --root "$store" bootstrap >/dev/null
if has berth; then
  say "berth: first build"
  "$BERTH" --root "$store" build --network none -q -t bench "$ctx" >/dev/null
  say "berth: no-change and changed rebuilds (n=$N)"
  timeit "$work/nochange.jsonl" -n "$N" -key berth -label "berth build (no change)" -- \
    "$BERTH" --root "$store" build --network none -q -t bench "$ctx"
  timeit "$work/changed.jsonl" -n "$N" -key berth -label "berth build (changed COPY)" -- \
    "$work/changed" "$BERTH" --root "$store" build --network none -q -t bench "$ctx"
fi

if has buildah; then
  if ! command -v buildah >/dev/null; then
    say "buildah: not installed (scripts/deps.sh bench), skipped"
  else
    mkdir -p "$work/buildah"
    cat >"$work/buildah/storage.conf" <<CONF
[storage]
driver = "overlay"
runroot = "$work/buildah/run"
graphroot = "$work/buildah/root"
CONF
    export CONTAINERS_STORAGE_CONF=$work/buildah/storage.conf
    B=(buildah)
    driver=$("${B[@]}" info --format '{{.store.GraphDriverName}}')
    [[ "$driver" == overlay ]] || die "buildah runs on $driver, not overlay"
    bver=$(buildah --version | awk '{print $3}')
    say "buildah $bver ($driver): load busybox from the image berth saves"
    "$BERTH" --root "$store" save busybox -o "$work/busybox.tar"
    "${B[@]}" pull -q "docker-archive:$work/busybox.tar" >/dev/null
    "${B[@]}" tag "$("${B[@]}" images -q | head -1)" busybox >/dev/null
    say "buildah: first build"
    "${B[@]}" bud --isolation chroot --layers -q --pull=never -t bench "$ctx" >/dev/null
    say "buildah: no-change and changed rebuilds (n=$N)"
    timeit "$work/nochange.jsonl" -n "$N" -key buildah -label "buildah $bver bud --layers, overlay (no change)" -- \
      "${B[@]}" bud --isolation chroot --layers -q --pull=never -t bench "$ctx"
    timeit "$work/changed.jsonl" -n "$N" -key buildah -label "buildah $bver bud --layers, overlay (changed COPY)" -- \
      "$work/changed" "${B[@]}" bud --isolation chroot --layers -q --pull=never -t bench "$ctx"
  fi
fi

if has berth; then
  say "berth: $AGE builds that each change a COPYed file, in a second store"
  "$BERTH" --root "$aged" bootstrap >/dev/null
  actx=$work/aged-context
  cp -a "$ctx" "$actx"
  for i in $(seq 1 "$AGE"); do
    echo "change $i" >"$actx/src/f1.txt"
    "$BERTH" --root "$aged" build --network none -q -t bench "$actx" >/dev/null
  done
  "$BERTH" --root "$store" build --network none -q -t bench "$actx" >/dev/null  # same content in both
  say "berth: no-change rebuilds after 1 and after $AGE builds, alternating rounds (n=$N each; the ratio after/first)"
  per=$(( (N + 3) / 4 ))
  for r in 1 2 3 4; do
    timeit "$work/aged.jsonl" -n "$per" -warmup 1 -key "after$AGE" -label "berth rebuild, $AGE earlier builds" -- \
      "$BERTH" --root "$aged" build --network none -q -t bench "$actx"
    timeit "$work/aged.jsonl" -n "$per" -warmup 1 -key first -label "berth rebuild, 1 earlier build" -- \
      "$BERTH" --root "$store" build --network none -q -t bench "$actx"
  done
fi

[[ -s "$work/nochange.jsonl" || -s "$work/aged.jsonl" ]] || die "nothing measured (-t $TOOLS)"
echo "# berth $("$BERTH" version -f '{{.Client.Version}}' 2>/dev/null || echo '?'); $(nproc) CPUs, kernel $(uname -r), $(date -u +%FT%TZ)"
for f in nochange changed aged; do
  [[ -s "$work/$f.jsonl" ]] || continue
  echo
  "$work/timeit" -report "$work/$f.jsonl"
done
