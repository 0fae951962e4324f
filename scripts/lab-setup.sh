#!/usr/bin/env bash
# Prepares a shared lab machine (Debian 12) for a class of N students who
# run berth rootless, without sudo. As root:
#
#   scripts/lab-setup.sh N [PREFIX]      PREFIX defaults to "student"
#
# - installs what rootless berth needs at run time: newuidmap/newgidmap
#   (uidmap) and pasta (passt) for the network, and what every berth
#   container needs (CNI plugins, iptables, iproute2, tini). Not
#   scripts/deps.sh: that one is the build machine's list and requires
#   the Go toolchain, which a lab machine running a berth binary does not
#   need; the package names are the same.
# - creates the users PREFIX1..PREFIXN that are missing (home directory,
#   login shell bash), each with 65536 subordinate UIDs and GIDs of its
#   own in /etc/subuid and /etc/subgid: useradd picks them under the
#   shadow tools' lock, so they overlap no other entry; an existing user
#   without a range gets the first free one (usermod --add-subuids).
#   An existing user's range is never changed.
# - enables unprivileged user namespaces where the kernel can turn them
#   off (kernel.unprivileged_userns_clone, user.max_user_namespaces),
#   persisted in /etc/sysctl.d/50-berth-lab.conf, and on a cgroup v2 host
#   with systemd delegates the cpu, io, memory and pids controllers to
#   users' sessions, so rootless limits work (a v1 host cannot: berth
#   refuses limit flags there, in one line).
#
# Idempotent: a second run changes nothing and says so. One line per
# action on stdout; a failure is one line on stderr and exit 1; bad
# arguments exit 2.
set -euo pipefail

say() { echo "lab: $*"; }
fail() { echo "lab: FAILED: $*" >&2; exit 1; }
bad() { echo "lab: $* (usage: $0 N [PREFIX])" >&2; exit 2; }

[[ $# -ge 1 && $# -le 2 ]] || bad "want N, the number of students, and optionally PREFIX (users PREFIX1..PREFIXN, default student)"
n=$1
prefix=${2:-student}
[[ "$n" =~ ^[1-9][0-9]{0,3}$ ]] || bad "N $n: want a number of students from 1 to 9999"
# useradd's rule for names (Debian's NAME_REGEX), leaving room for the number.
[[ "$prefix" =~ ^[a-z_][a-z0-9_-]{0,27}$ ]] || bad "PREFIX $prefix: want the start of a lowercase user name ([a-z_][a-z0-9_-]*, at most 28 characters)"
[[ $(id -u) -eq 0 ]] || fail "needs root: sudo $0 $*"
for tool in useradd usermod getent sysctl dpkg-query; do
  command -v "$tool" >/dev/null || fail "$tool not found: this script is for Debian 12"
done

changed=0
block=65536

# --- packages -------------------------------------------------------------
packages=(uidmap passt containernetworking-plugins iptables iproute2 tini)
missing=()
for p in "${packages[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || missing+=("$p")
done
if (( ${#missing[@]} )); then
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp /tmp/berth-lab.XXXXXX)
  trap 'rm -f "$log"' EXIT
  say "installing ${missing[*]}"
  apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; fail "apt-get update (is a Debian mirror reachable?)"; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1 ||
    { cat "$log" >&2; fail "apt-get install ${missing[*]}"; }
  changed=$((changed + 1))
fi
for tool in newuidmap newgidmap pasta; do
  command -v "$tool" >/dev/null || fail "$tool is missing after installing ${packages[*]}"
done

# --- kernel settings ------------------------------------------------------
conf=/etc/sysctl.d/50-berth-lab.conf
want=""
if [[ -e /proc/sys/kernel/unprivileged_userns_clone ]]; then
  want+="kernel.unprivileged_userns_clone = 1"$'\n'
fi
if [[ "$(sysctl -n user.max_user_namespaces)" -lt 1024 ]]; then
  want+="user.max_user_namespaces = 28633"$'\n'
fi
if [[ -n "$want" ]]; then
  if [[ ! -f "$conf" || "$(cat "$conf")"$'\n' != "# berth lab: rootless containers need user namespaces"$'\n'"$want" ]]; then
    printf '# berth lab: rootless containers need user namespaces\n%s' "$want" >"$conf.tmp"
    mv "$conf.tmp" "$conf"
    say "wrote $conf"
    changed=$((changed + 1))
  fi
  while read -r key _ value; do
    [[ -n "$key" ]] || continue
    if [[ "$(sysctl -n "$key")" != "$value" ]]; then
      sysctl -q -w "$key=$value" >/dev/null || fail "sysctl -w $key=$value"
      say "set $key = $value"
      changed=$((changed + 1))
    fi
  done <<<"$want"
fi
if [[ "$(sysctl -n kernel.apparmor_restrict_unprivileged_userns 2>/dev/null || echo 0)" == 1 ]]; then
  say "note: kernel.apparmor_restrict_unprivileged_userns is 1: AppArmor confines unprivileged user namespaces; rootless berth needs a profile allowing userns for its binary"
fi

# pasta opens /dev/net/tun as the student: Debian's udev makes it 0666; a
# machine that does not (some VMs) is told, not changed behind its back.
if [[ -e /dev/net/tun && "$(stat -c %a /dev/net/tun)" != 666 ]]; then
  echo "lab: note: /dev/net/tun is mode $(stat -c %a /dev/net/tun): rootless containers get no default network (pasta) until it is 0666, Debian's default (chmod 0666 /dev/net/tun, and a udev rule KERNEL==\"tun\", MODE=\"0666\" to keep it); --network none and host work" >&2
fi

# cgroup v2 under systemd: delegate the controllers rootless limits use.
if [[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" == cgroup2fs && -d /run/systemd/system ]]; then
  drop=/etc/systemd/system/user@.service.d/50-berth-lab-delegate.conf
  body=$'[Service]\nDelegate=cpu cpuset io memory pids'
  if [[ ! -f "$drop" || "$(cat "$drop")" != "$body" ]]; then
    mkdir -p "$(dirname "$drop")"
    printf '%s\n' "$body" >"$drop"
    systemctl daemon-reload || fail "systemctl daemon-reload"
    say "delegated cpu, cpuset, io, memory and pids to users' sessions ($drop)"
    changed=$((changed + 1))
  fi
fi

# --- users and their subordinate ranges ---------------------------------
for f in /etc/subuid /etc/subgid; do
  [[ -e "$f" ]] || { install -m 0644 /dev/null "$f"; say "created $f"; changed=$((changed + 1)); }
done

# has_range FILE USER UID: the user has an entry (by name or UID) of at
# least one block in FILE.
has_range() {
  awk -F: -v u="$2" -v id="$3" -v b="$block" '($1 == u || $1 == id) && $3 >= b { found = 1 } END { exit !found }' "$1"
}

# free_start: the first block from 100000 on that no entry of /etc/subuid
# or /etc/subgid and no user's UID touches.
free_start() {
  { awk -F: 'NF == 3 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ { print $2, $2 + $3 }' /etc/subuid /etc/subgid
    getent passwd | awk -F: '{ print $3, $3 + 1 }'; } |
    sort -n | awk -v b="$block" 'BEGIN { s = 100000 } { if ($1 < s + b && $2 > s) s = $2 } END { print s }'
}

ready=()
for i in $(seq 1 "$n"); do
  u="$prefix$i"
  if ! getent passwd "$u" >/dev/null; then
    # useradd allocates the subordinate ranges itself, under the shadow
    # tools' lock, clear of every existing entry.
    useradd --create-home --shell /bin/bash \
      -K SUB_UID_COUNT=$block -K SUB_GID_COUNT=$block -K SUB_UID_MIN=100000 -K SUB_GID_MIN=100000 "$u" ||
      fail "useradd $u"
    say "created user $u"
    changed=$((changed + 1))
  fi
  uid=$(id -u "$u")
  for kind in uid gid; do
    if ! has_range "/etc/sub$kind" "$u" "$uid"; then
      start=$(free_start)
      usermod "--add-sub${kind}s" "$start-$((start + block - 1))" "$u" || fail "usermod --add-sub${kind}s for $u"
      say "gave $u sub${kind}s $start-$((start + block - 1))"
      changed=$((changed + 1))
    fi
  done
  ready+=("$u")
done

# Every student's range must be that student's alone: an entry of another
# user that overlaps it would let one's containers own the other's files.
for f in /etc/subuid /etc/subgid; do
  overlap=$(awk -F: -v ours="${ready[*]}" '
    BEGIN { split(ours, o, " "); for (k in o) mine[o[k]] = 1 }
    NF == 3 { who[NR] = $1; lo[NR] = $2; hi[NR] = $2 + $3 }
    END {
      for (a in who) for (b in who)
        if (mine[who[a]] && who[a] != who[b] && lo[a] < hi[b] && lo[b] < hi[a]) { print who[a] " and " who[b]; exit }
    }' "$f")
  [[ -z "$overlap" ]] || fail "$f: the ranges of $overlap overlap: fix them by hand (usermod --del-subuids/--del-subgids)"
done

if (( changed == 0 )); then
  say "nothing to change: ${#ready[@]} users ready (${ready[0]}..${ready[-1]})"
else
  say "done: ${#ready[@]} users ready (${ready[0]}..${ready[-1]}); each runs berth without sudo"
fi
