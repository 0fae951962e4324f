#!/usr/bin/env bash
# Build cache, side by side, in one run: the wall time of a no-change rebuild
# of the same 10-step Dockerfile (FROM busybox, ENV/LABEL/WORKDIR, two COPYs,
# three RUNs, CMD), warmed by one full build first, with
#   berth build --network none -q -t bench CONTEXT
#   buildah --storage-driver overlay bud --isolation chroot --layers -q -t bench CONTEXT
#     (Debian's buildah on overlay, as users run it: vfs copies every layer and
#     flatters berth 1.3-1.6x, issue #23)
# each N times after 3 warm-ups (bench/timeit), then the ratio berth/buildah.
# Target: berth <= 0.2x buildah and under 150 ms.
#
#   bench/build/run.sh [-n N] [-t berth,buildah]     as root; BERTH=path/to/berth
#
# berth and buildah each get a temporary store (buildah's image is the busybox
# berth bootstraps, saved and pulled from a docker archive: no registry); all
# of it is removed when the script exits, however it exits.
set -euo pipefail

N=20
TOOLS=berth,buildah
usage() { echo "usage: $0 [-n N] [-t berth,buildah]" >&2; exit 2; }
while getopts "n:t:h" o; do
  case $o in
    n) N=$OPTARG ;;
    t) TOOLS=$OPTARG ;;
    *) usage ;;
  esac
done
[[ "$N" =~ ^[1-9][0-9]*$ ]] || usage
has() { [[ ",$TOOLS," == *",$1,"* ]]; }
die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

repo=$(cd "$(dirname "$0")/../.." && pwd)
BERTH=${BERTH:-$repo/bin/berth}
[[ "$BERTH" == /* ]] || BERTH=$PWD/$BERTH
export PATH="/usr/local/go/bin:$PATH"
unset BERTH_ROOT
[[ $(id -u) -eq 0 ]] || die "must run as root (containers); try: sudo $0 $*"
[[ -x "$BERTH" ]] || die "no berth binary at $BERTH (make build)"

work=$(mktemp -d /tmp/berth-bench-build.XXXXXX)
store=$work/store
berth_run_root=/run/berth-$(printf '%s' "$store" | sha256sum | cut -c1-12)  # engine.RunRootFor
B=()          # the buildah command line, once used
child=""

unmount_under() {
  findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1' | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
}
cleanup() {
  set +e
  if [[ -n "$child" ]]; then kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi
  if [[ -d "$store" ]]; then
    ids=$("$BERTH" --root "$store" ps -aq 2>/dev/null)
    [[ -n "$ids" ]] && "$BERTH" --root "$store" rm -f $ids >/dev/null 2>&1
  fi
  if (( ${#B[@]} )); then
    "${B[@]}" rm -a >/dev/null 2>&1
    "${B[@]}" rmi -af >/dev/null 2>&1
  fi
  unmount_under "$berth_run_root"
  unmount_under "$work"
  rm -rf --one-file-system "$berth_run_root" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

cd "$repo"
go build -o "$work/timeit" ./bench/timeit
timeit() {
  "$work/timeit" -json -n "$N" "$@" >>"$work/results.jsonl" &
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

say "berth: bootstrap a temporary store"
"$BERTH" --root "$store" bootstrap >/dev/null
if has berth; then
  say "berth: first build"
  "$BERTH" --root "$store" build --network none -q -t bench "$ctx" >/dev/null
  say "berth: measuring no-change rebuilds (n=$N)"
  timeit -key berth -label "berth build (no change)" -- \
    "$BERTH" --root "$store" build --network none -q -t bench "$ctx"
fi

if has buildah; then
  if ! command -v buildah >/dev/null; then
    say "buildah: not installed (scripts/deps.sh bench), skipped"
  else
    B=(buildah --root "$work/buildah/root" --runroot "$work/buildah/run" --storage-driver overlay)
    say "buildah: load busybox from the image berth saves"
    "$BERTH" --root "$store" save busybox -o "$work/busybox.tar"
    "${B[@]}" pull -q "docker-archive:$work/busybox.tar" >/dev/null
    "${B[@]}" tag "$("${B[@]}" images -q | head -1)" busybox >/dev/null
    say "buildah: first build"
    "${B[@]}" bud --isolation chroot --layers -q --pull=never -t bench "$ctx" >/dev/null
    say "buildah: measuring no-change rebuilds (n=$N)"
    timeit -key buildah -label "buildah bud --layers (no change, $(buildah --version | awk '{print $3}'))" -- \
      "${B[@]}" bud --isolation chroot --layers -q --pull=never -t bench "$ctx"
  fi
fi

[[ -s "$work/results.jsonl" ]] || die "nothing measured (-t $TOOLS)"
echo "# no-change rebuild of a 10-step Dockerfile; $(nproc) CPUs, kernel $(uname -r)"
"$work/timeit" -report "$work/results.jsonl"
