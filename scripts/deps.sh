#!/usr/bin/env bash
# Installs what berth needs on a Debian 12 machine, as root. Idempotent: when
# everything is present it changes nothing and asks no package server.
#
#   scripts/deps.sh          build and test dependencies
#   scripts/deps.sh bench    also the peers the benchmarks compare against
set -euo pipefail

packages=(
  busybox-static       # the bootstrap image (berth bootstrap)
  libseccomp-dev       # -tags seccomp: docker's default seccomp profile
  pkg-config gcc make git
  util-linux           # flock, setpriv (tests)
  tmux                 # the TUI end-to-end script
  skopeo               # interoperability tests: archives berth saves and loads
  runc                 # the start benchmark's peer
  tini                 # --init
  containernetworking-plugins iptables iproute2
)
if [[ "${1:-}" == "bench" ]]; then
  packages+=(podman hyperfine)
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "deps: must run as root (berth runs containers); try: sudo $0 $*" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: all ${#packages[@]} packages present"
else
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "deps: installed ${#missing[@]} packages"
fi

# Go is not taken from Debian (too old); it must be on the machine already.
export PATH="/usr/local/go/bin:$PATH"
if ! command -v go >/dev/null; then
  echo "deps: Go 1.26 or newer is required (expected at /usr/local/go/bin/go)" >&2
  exit 1
fi
v=$(go env GOVERSION | sed 's/^go//')
major=${v%%.*}; rest=${v#*.}; minor=${rest%%.*}
if (( major < 1 || (major == 1 && minor < 26) )); then
  echo "deps: Go $v is too old; berth needs 1.26 or newer" >&2
  exit 1
fi
