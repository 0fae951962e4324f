#!/usr/bin/env bash
# Container start, side by side: `berth run --rm --network none busybox true`
# against `runc run` of the same root filesystem (Debian's runc) and, where
# installed, `podman run --rm --network none`. Prints medians and ratios.
# podman needs lower nofile and nproc limits than its defaults on this host:
# root here lacks CAP_SYS_RESOURCE, so raising a limit past the hard one fails.
#
#   bench/start/run.sh [-n N]         (as root; BERTH=path/to/berth)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=40
while getopts "n:" o; do case $o in n) N=$OPTARG ;; *) exit 2 ;; esac; done
BERTH=${BERTH:-$PWD/bin/berth}
export PATH="/usr/local/go/bin:$PATH"

work=$(mktemp -d /tmp/berth-bench-start.XXXXXX)
cleanup() {
  set +e
  [[ -n "${podman_root:-}" ]] && podman --root "$podman_root/root" --runroot "$podman_root/run" rm -af >/dev/null 2>&1
  "$BERTH" --root "$work/store" ps -aq 2>/dev/null | xargs -r "$BERTH" --root "$work/store" rm -f >/dev/null 2>&1
  rm -rf "$(dirname "$work")/berth-run-$(basename "$work")"
  rm -rf "$work"
}
trap cleanup EXIT

timeit="$work/timeit"
go build -o "$timeit" ./bench/timeit

# berth: a store of its own with the bootstrap busybox.
export BERTH_ROOT="$work/store"
"$BERTH" bootstrap >/dev/null
results="$work/results.jsonl"
"$timeit" -json -n "$N" -label "berth run --rm" -- "$BERTH" run --rm --network none busybox true >>"$results"

# runc: the same image's root filesystem as an OCI bundle.
mkdir -p "$work/bundle/rootfs"
"$BERTH" save busybox -o "$work/busybox.tar"
python3 - "$work/busybox.tar" "$work/bundle/rootfs" <<'PY'
import json, sys, tarfile, io
arc = tarfile.open(sys.argv[1])
manifest = json.load(arc.extractfile("manifest.json"))
for layer in manifest[0]["Layers"]:
    inner = tarfile.open(fileobj=io.BytesIO(arc.extractfile(layer).read()))
    inner.extractall(sys.argv[2])
PY
# The same OCI spec berth gives the container (namespaces, capabilities,
# docker's seccomp profile, masked paths, cgroup), so both do the same work.
cid=$("$BERTH" create --network none busybox true)
"$BERTH" oci-spec "$cid" >"$work/bundle/config.json"
"$BERTH" rm "$cid" >/dev/null
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["root"] = {"path": "rootfs", "readonly": False}
c["linux"]["cgroupsPath"] = "berth-bench/runc"
json.dump(c, open(sys.argv[1], "w"))
PY
runc_root="$work/runc-state"
"$timeit" -json -n "$N" -label "runc run (Debian $(runc --version | awk 'NR==1{print $3}'))" -- \
  sh -c "cd $work/bundle && exec runc --root $runc_root run bench-\$\$" >>"$results"

# podman, where installed, on a store of its own.
if command -v podman >/dev/null; then
  podman_root="$work/podman"
  P=(podman --root "$podman_root/root" --runroot "$podman_root/run" --cgroup-manager cgroupfs --events-backend file)
  "${P[@]}" load -q -i "$work/busybox.tar" >/dev/null
  "$timeit" -json -n "$N" -label "podman run --rm ($(podman --version | awk '{print $3}'))" -- \
    "${P[@]}" run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 busybox true >>"$results"
fi

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in rows:
    print(f'{r["label"]:<40} n={r["n"]} median={r["median_ms"]:7.2f}ms min={r["min_ms"]:7.2f}ms max={r["max_ms"]:7.2f}ms')
berth = rows[0]["median_ms"]
for r in rows[1:]:
    print(f'ratio berth / {r["label"].split()[0]:<8} = {berth / r["median_ms"]:.2f}x')
PY
