#!/usr/bin/env bash
# Container start, side by side, in one run: the wall time of
#   berth run --rm --network none busybox true
#   runc run            of the same root filesystem (Debian's runc)
#   podman run --rm --network none busybox true     (where podman is installed)
#   berth run --rm ... as a user without root (rootless: a user the bench
#     creates, with a subordinate id range, removed after; through runuser,
#     whose own cost is timed beside it as "runuser")
# N times each, in 4 rounds that alternate the tools (so that a noisy spell of
# the machine falls on all of them), after 3 warm-ups; bench/timeit reports
# the median over all runs and the ratios berth/peer. Then the same for exec
# of `true` in a running container: berth exec against runc exec. Then
# user namespaces: berth run --rm --userns=private with idmapped layers,
# the same with BERTH_NO_IDMAP=1 (layers through the chowned copy of the
# store-wide map, made at the warm-up and kept), berth without a user
# namespace, and podman with --uidmap/--gidmap of a 65536-ID block (as
# root it needs no /etc/subuid entry; --userns=auto would need one for
# its user "containers"). berth's store for these has its own subuid and
# subgid files: the host's are never touched.
#
# runc gets berth's own OCI spec (`berth oci-spec`: namespaces including a new
# network namespace, docker's capabilities and seccomp profile, masked paths,
# cgroup), so both do the same work. Without berth (-t runc,podman) the bundle
# is `runc spec`'s default config on a rootfs made from the host's busybox.
# podman gets a store of its own, a cgroup parent of the bench's own
# (not podman's shared libpod_parent), runc as its runtime (like with like; the
# crun Debian ships refuses this cgroup v1 hybrid host), and lower nofile/nproc limits than its
# defaults: root on this host lacks CAP_SYS_RESOURCE, so raising a limit past
# the hard one fails.
#
#   bench/start/run.sh [-n N] [-t berth,runc,podman,rootless]     as root; BERTH=path/to/berth
#
# podman's rootless run is not timed: podman is not installed on the
# development host (scripts/deps.sh bench would install it).
#
# Everything it creates (temporary stores, the bundle, cgroups, containers)
# is removed when it exits, however it exits. It never touches /var/lib/berth.
set -euo pipefail

N=40
TOOLS=berth,runc,podman,rootless
usage() { echo "usage: $0 [-n N] [-t berth,runc,podman,rootless]" >&2; exit 2; }
while getopts "n:t:h" o; do
  case $o in
    n) N=$OPTARG ;;
    t) TOOLS=$OPTARG ;;
    *) usage ;;
  esac
done
[[ "$N" =~ ^[1-9][0-9]*$ ]] || usage
. "$(dirname "$0")/../lib.sh"
bench_init
command -v go >/dev/null || die "Go not found (scripts/deps.sh)"
if has runc; then command -v runc >/dev/null || die "runc not installed (scripts/deps.sh)"; fi

work=$(mktemp -d /tmp/berth-bench-start.XXXXXX)
name=berth-bench-$$                  # runc container id and cgroup name
store=$work/store                    # berth's store
berth_run_root=/run/berth-$(printf '%s' "$store" | sha256sum | cut -c1-12)  # engine.RunRootFor
ustore=$work/ustore                  # berth's store for the user namespace rows
ustore_run_root=$(bench_run_root "$ustore")
P=()                                 # the podman command line, once used
child=""                             # the timeit running now
rluser=""                            # the rootless user, once made
RL=()                                # berth as that user

# unmount_under DIR: lazily unmounts every mount at or below DIR, deepest first.
unmount_under() {
  findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1' | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
}
cleanup() {
  local rc=$?
  set +e
  if [[ -n "$child" ]]; then kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi
  for st in "$store" "$ustore"; do
    if [[ -x "$BERTH" && -d "$st" ]]; then
      ids=$("$BERTH" --root "$st" ps -aq 2>/dev/null)
      [[ -n "$ids" ]] && "$BERTH" --root "$st" rm -f $ids >/dev/null 2>&1
    fi
  done
  if [[ -d "$work/runc-state" ]]; then
    runc --root "$work/runc-state" delete -f "$name" >/dev/null 2>&1
    runc --root "$work/runc-state" delete -f "$name-exec" >/dev/null 2>&1
  fi
  if [[ -n "$rluser" ]]; then
    rluid=$(id -u "$rluser" 2>/dev/null)
    for _ in 1 2 3 4 5; do  # its pause process, shims and containers, by pid
      pids=$(ps -o pid= -u "$rluser" 2>/dev/null)
      [[ -z "$pids" ]] && break
      kill -9 $pids 2>/dev/null; sleep 0.1
    done
    userdel "$rluser" >/dev/null 2>&1
    [[ -n "$rluid" ]] && rm -rf "/tmp/berth-$rluid"
  fi
  if (( ${#P[@]} )); then
    "${P[@]}" rm -af >/dev/null 2>&1
    "${P[@]}" rmi -af >/dev/null 2>&1
  fi
  # runc nests its cgroup under ours; remove what is left (leaves first).
  find /sys/fs/cgroup -depth -type d \( -name "$name" -o -path "*/$name/*" \) -exec rmdir {} + 2>/dev/null
  bench_remove_cgroups "$(bench_cgroup_parent "$store")"
  bench_remove_cgroups "$(bench_cgroup_parent "$ustore")"
  bench_remove_cgroups "$name-podman"
  unmount_under "$berth_run_root"
  unmount_under "$ustore_run_root"
  unmount_under "$work"
  rm -rf --one-file-system "$berth_run_root" "$ustore_run_root" "$work"
  left=$(bench_leftovers -d "$work" -s "$store" -s "$ustore" -c "$name" -c "$name-cpu" -c "$name-podman")
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
go build -o "$work/ocibundle" ./bench/start/ocibundle
# timeit runs in the background and is waited for, so that a signal runs the
# cleanup at once rather than after the last of N runs.
timeit() {
  "$work/timeit" -json -n "$per_round" -warmup "$warm" -cpu-cgroup "$name-cpu" "$@" >>"${results:-$work/results.jsonl}" &
  child=$!
  wait "$child"
  child=""
}
ROUNDS=4
per_round=$(( (N + ROUNDS - 1) / ROUNDS ))

bundle=$work/bundle
mkdir -p "$bundle/rootfs"
if has berth; then
  [[ -x "$BERTH" ]] || die "no berth binary at $BERTH (make build; or leave berth out: -t runc,podman)"
  say "berth: bootstrap a temporary store"
  "$BERTH" --root "$store" bootstrap >/dev/null
  # The container berth would run, as an OCI bundle: its rootfs and its spec.
  cid=$("$BERTH" --root "$store" create --network none busybox true)
  "$BERTH" --root "$store" export "$cid" | tar -C "$bundle/rootfs" -x
  "$BERTH" --root "$store" oci-spec "$cid" >"$bundle/config.json"
  "$BERTH" --root "$store" rm "$cid" >/dev/null
  spec="berth's spec (berth oci-spec)"
else
  # The host's busybox-static with a symlink per applet.
  mkdir -p "$bundle/rootfs/bin"
  cp /bin/busybox "$bundle/rootfs/bin/busybox"
  for a in $(/bin/busybox --list); do
    [[ -e "$bundle/rootfs/bin/$a" ]] || ln -s busybox "$bundle/rootfs/bin/$a"
  done
  (cd "$bundle" && runc spec)
  spec="runc spec defaults"
fi
"$work/ocibundle" -config "$bundle/config.json" -rootfs rootfs -cgroups-path "$name/runc" -args /bin/true

has runc && say "runc: the bundle is $spec"

if has podman; then
  if ! command -v podman >/dev/null; then
    say "podman: not installed (scripts/deps.sh bench), skipped"
  else
    mkdir -p "$work/podman"
    P=(podman --root "$work/podman/root" --runroot "$work/podman/run" --tmpdir "$work/podman/tmp"
       --cgroup-manager cgroupfs --events-backend file --runtime runc)
    if has berth; then
      say "podman: load the image berth saves"
      "$BERTH" --root "$store" save busybox -o "$work/busybox.tar"
      "${P[@]}" load -q -i "$work/busybox.tar" >/dev/null
    else
      say "podman: import the busybox rootfs"
      tar -C "$bundle/rootfs" -c . | "${P[@]}" import -q - busybox:latest >/dev/null
    fi
  fi
fi

if has rootless; then
  [[ -x "$BERTH" ]] || die "no berth binary at $BERTH (make build)"
  for t in useradd usermod runuser newuidmap newgidmap; do
    command -v $t >/dev/null || die "$t not found (scripts/deps.sh)"
  done
  rluser=bbr$$
  rlhome=$work/rootless
  mkdir -p "$rlhome"
  useradd -M -d "$rlhome" -s /bin/sh -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$rluser"
  # A range past every one granted so far.
  start=$(awk -F: 'NF == 3 && $2 + $3 > m { m = $2 + $3 } END { print int((m + 65535) / 65536) * 65536 + 1048576 }' /etc/subuid /etc/subgid)
  usermod --add-subuids "$start-$((start + 65535))" --add-subgids "$start-$((start + 65535))" "$rluser"
  chmod 755 "$work"
  chown "$rluser:" "$rlhome"; chmod 700 "$rlhome"
  cp "$BERTH" "$work/berth-rootless"; chmod 755 "$work/berth-rootless"
  RL=(runuser -u "$rluser" -- env -i "HOME=$rlhome" PATH=/usr/sbin:/usr/bin:/sbin:/bin "$work/berth-rootless")
  say "rootless: bootstrap the store of user $rluser"
  (cd "$rlhome" && "${RL[@]}" bootstrap >/dev/null)
fi

# exec: a process started in a running container (setns, the container's
# cgroups and seccomp filter), berth exec against runc exec.
if has berth; then
  ecid=$("$BERTH" --root "$store" run -d --network none busybox sleep 3600)
fi
if has runc; then
  ebundle=$work/ebundle
  mkdir -p "$ebundle"
  cp "$bundle/config.json" "$ebundle/config.json"
  "$work/ocibundle" -config "$ebundle/config.json" -rootfs "$bundle/rootfs" -cgroups-path "$name/exec" -args "sleep 3600"
  runc --root "$work/runc-state" run -d --bundle "$ebundle" "$name-exec" </dev/null >/dev/null 2>&1
fi

# user namespaces: a store whose one map (userns-allocate store) comes
# from subuid/subgid files of its own; berth adds its range to them.
if has berth; then
  mkdir -p "$ustore"
  printf '{"userns-allocate": "store", "userns-subuid": "%s", "userns-subgid": "%s"}\n' "$work/subuid" "$work/subgid" >"$ustore/config.json"
  "$BERTH" --root "$ustore" bootstrap >/dev/null
fi

podman_ok() { (( ${#P[@]} )); }
runc_version=$(runc --version 2>/dev/null | awk 'NR==1{print $3}')
for round in $(seq 1 $ROUNDS); do
  warm=$(( round == 1 ? 3 : 1 ))
  say "round $round of $ROUNDS (n=$per_round each)"
  results=$work/results.jsonl
  if has berth; then
    timeit -key berth -label "berth run --rm" -- \
      "$BERTH" --root "$store" run --rm --network none busybox true
  fi
  if has runc; then
    timeit -key runc -label "runc run ($runc_version)" -- \
      runc --root "$work/runc-state" run --bundle "$bundle" "$name"
  fi
  if has podman && podman_ok; then
    timeit -key podman -label "podman run --rm ($(podman --version | awk '{print $3}'))" -- \
      "${P[@]}" run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --cgroup-parent "/$name-podman" --cgroups no-conmon busybox true
  fi
  if has rootless; then
    timeit -key rootless -label "berth run --rm, rootless (runuser)" -- "${RL[@]}" run --rm --network none busybox true
    timeit -key runuser -label "runuser -u USER -- env -i true (the wrapper alone)" -- runuser -u "$rluser" -- env -i true
  fi
  results=$work/exec.jsonl
  if has berth; then
    timeit -key berth -label "berth exec" -- "$BERTH" --root "$store" exec "$ecid" true
  fi
  if has runc; then
    timeit -key runc -label "runc exec" -- runc --root "$work/runc-state" exec "$name-exec" /bin/true
  fi
  results=$work/userns.jsonl
  if has berth; then
    timeit -key berth-userns -label "berth run --rm --userns=private (idmapped layers)" -- \
      "$BERTH" --root "$ustore" run --rm --network none --userns private busybox true
    BERTH_NO_IDMAP=1 timeit -key berth-copy -label "BERTH_NO_IDMAP=1 berth run --rm --userns=private (chowned copy)" -- \
      "$BERTH" --root "$ustore" run --rm --network none --userns private busybox true
    timeit -key berth -label "berth run --rm (no user namespace)" -- \
      "$BERTH" --root "$ustore" run --rm --network none busybox true
  fi
  if has podman && podman_ok; then
    timeit -key podman-userns -label "podman run --rm --uidmap 0:200000:65536 ($(podman --version | awk '{print $3}'))" -- \
      "${P[@]}" run --rm --network none --uidmap 0:200000:65536 --gidmap 0:200000:65536 --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --cgroup-parent "/$name-podman" --cgroups no-conmon busybox true
  fi
done

[[ -s "$work/results.jsonl" ]] || die "nothing measured (-t $TOOLS)"
if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then cg="cgroup v2"
elif [[ -d /sys/fs/cgroup/unified ]]; then cg="cgroup v1 hybrid"
else cg="cgroup v1"; fi
echo "# container start: create + start + wait of busybox true; $(nproc) CPUs, kernel $(uname -r), $cg"
"$work/timeit" -report "$work/results.jsonl"
if [[ -s "$work/exec.jsonl" ]]; then
  echo "# exec: \`true\` in a running container"
  "$work/timeit" -report "$work/exec.jsonl"
fi
if [[ -s "$work/userns.jsonl" ]]; then
  echo "# user namespaces: run --rm of busybox true with container root mapped to a 65536-ID block"
  "$work/timeit" -report "$work/userns.jsonl"
fi
