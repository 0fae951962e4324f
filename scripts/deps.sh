#!/usr/bin/env bash
# Installs what berth needs on a Debian 12 machine, as root. Idempotent: when
# everything is present it changes nothing and asks no package server.
#
#   scripts/deps.sh          build and test dependencies
#   scripts/deps.sh bench    also the peers the benchmarks compare against
#                            (podman, buildah, hyperfine from Debian; dive by
#                            go install); a peer that cannot be installed is
#                            one line, and the benches skip it
#   scripts/deps.sh mutate   also gremlins, the mutation tester (make mutate)
#
# One line per action on stdout; on failure one line saying what failed on
# stderr (with apt's output before it) and a non-zero exit.
set -euo pipefail

packages=(
  busybox-static       # the bootstrap image (berth bootstrap)
  libseccomp-dev       # -tags seccomp: docker's default seccomp profile
  pkg-config gcc make git
  libc6-dev            # libc.a: the escape suite builds its probe with gcc -static
  util-linux           # flock, setpriv (tests)
  tmux                 # the TUI end-to-end script
  skopeo               # interoperability tests: archives berth saves and loads
  docker-registry      # registry interoperability tests: the CNCF distribution server
  runc                 # the start benchmark's peer
  tini                 # --init
  containernetworking-plugins iptables iproute2
  uidmap               # rootless: newuidmap/newgidmap write a user's /etc/subuid range
  passt                # rootless: pasta, the default network and -p of a non-root user
)
case "${1:-}" in
  "" | mutate | bench) ;;
  *) echo "usage: $0 [bench|mutate]" >&2; exit 2 ;;
esac
bench_peers=(podman buildah hyperfine)  # each its own apt-get, so one missing skips only it
dive_version=v0.13.2-0.20250516191726-d6c691947f8f  # github.com/wagoodman/dive, bench/layers' peer

fail() { echo "deps: FAILED: $*" >&2; exit 1; }

command -v dpkg-query >/dev/null || fail "dpkg-query not found: this script is for Debian 12"

missing=()
for p in "${packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: nothing missing (${#packages[@]} packages present)"
else
  [[ $(id -u) -eq 0 ]] || fail "missing ${missing[*]}; installing needs root: sudo $0 $*"
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp /tmp/berth-deps.XXXXXX)
  trap 'rm -f "$log"' EXIT
  echo "deps: apt-get update"
  if ! apt-get update -qq >"$log" 2>&1; then
    cat "$log" >&2
    fail "apt-get update (is a Debian mirror reachable?)"
  fi
  echo "deps: installing ${missing[*]}"
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    fail "apt-get install ${missing[*]}"
  fi
  echo "deps: installed ${#missing[@]} package(s)"
fi

# Go is not taken from Debian (bookworm has 1.19); it must be on the machine.
go=""
if [[ -x /usr/local/go/bin/go ]]; then
  go=/usr/local/go/bin/go
elif command -v go >/dev/null; then
  go=$(command -v go)
fi
[[ -n "$go" ]] || fail "Go 1.26 or newer is required at /usr/local/go/bin/go or on PATH (see https://go.dev/doc/install); Debian's golang package is too old"
v=$(GOTOOLCHAIN=local "$go" env GOVERSION 2>/dev/null) || fail "$go does not run"
v=${v#go}
major=${v%%.*}; rest=${v#*.}; minor=${rest%%[.a-z]*}
[[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || fail "cannot read the Go version of $go: $v"
if (( major < 1 || (major == 1 && minor < 26) )); then
  fail "$go is Go $v; berth needs 1.26 or newer (install it at /usr/local/go)"
fi
echo "deps: go $v ($go)"

gobin=$("$go" env GOBIN); [[ -n "$gobin" ]] || gobin="$("$go" env GOPATH)/bin"

# The benchmarks' peers: each one tried on its own; one that cannot be had
# is said in one line and its bench skips it (make bench goes on).
if [[ "${1:-}" == bench ]]; then
  present=()
  for p in "${bench_peers[@]}"; do
    if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]]; then
      present+=("$p"); continue
    fi
    if [[ $(id -u) -ne 0 ]]; then
      echo "deps: bench peer $p not installed (needs root), skipped"; continue
    fi
    echo "deps: installing $p"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 &&
       ! { apt-get update -qq >/dev/null 2>&1 &&
           DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1; }; then
      echo "deps: bench peer $p could not be installed (apt-get install $p), skipped"
    fi
  done
  (( ${#present[@]} )) && echo "deps: bench peers present: ${present[*]}"
  if "$go" version -m "$gobin/dive" 2>/dev/null | grep -q "mod[[:space:]]*github.com/wagoodman/dive[[:space:]]*$dive_version"; then
    echo "deps: dive $dive_version ($gobin/dive)"
  else
    echo "deps: go install github.com/wagoodman/dive/cmd/dive@$dive_version"
    GOBIN="$gobin" "$go" install "github.com/wagoodman/dive/cmd/dive@$dive_version" >/dev/null 2>&1 ||
      echo "deps: bench peer dive could not be installed (go install; is the Go module proxy reachable?), skipped"
  fi
fi

# The mutation tester comes from the Go module proxy, pinned, into GOBIN.
if [[ "${1:-}" == mutate ]]; then
  gremlins_version=v0.6.0
  if "$go" version -m "$gobin/gremlins" 2>/dev/null | grep -q "mod[[:space:]]*github.com/go-gremlins/gremlins[[:space:]]*$gremlins_version"; then
    echo "deps: gremlins $gremlins_version ($gobin/gremlins)"
  else
    echo "deps: go install github.com/go-gremlins/gremlins/cmd/gremlins@$gremlins_version"
    GOBIN="$gobin" "$go" install "github.com/go-gremlins/gremlins/cmd/gremlins@$gremlins_version" ||
      fail "go install gremlins@$gremlins_version (is the Go module proxy reachable?)"
  fi
fi
