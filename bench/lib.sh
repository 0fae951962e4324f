# bench/lib.sh: what a bench leaves behind, sourced by the bench scripts.
#
# bench_leftovers lists what is left of a bench's own objects, one per
# line, nothing when all is gone. Only the bench's own names are looked
# at (its work directory, its stores' run directories and bridges, its
# cgroup names), so that other users of the machine cannot fail it:
#   -d DIR    a directory that must be gone, with no mount at or under it
#             and no process whose command line names it
#   -s STORE  a berth store: as -d for the store and its run directory
#             (/run/berth-<hash>), its bridges (berth<hash[:6]>...) and as
#             -c for its cgroup parent (berth-<hash>)
#   -c NAME   a cgroup name that must exist in no hierarchy

# The bench scripts' common start. has says whether a tool was chosen
# (-t, in TOOLS); bench_init sets repo and an absolute BERTH, puts Go on
# PATH, keeps BERTH_ROOT from pointing a bench at a real store, and
# refuses to run without root.
has() { [[ ",${TOOLS:-}," == *",$1,"* ]]; }
die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }
bench_init() {
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  BERTH=${BERTH:-$repo/bin/berth}
  [[ "$BERTH" == /* ]] || BERTH=$PWD/$BERTH
  export PATH="/usr/local/go/bin:$PATH"
  unset BERTH_ROOT
  [[ $(id -u) -eq 0 ]] || die "must run as root (containers and cgroups); try: sudo $0"
}

bench_run_root() { printf '/run/berth-%s' "$(printf '%s' "$1" | sha256sum | cut -c1-12)"; }  # engine.RunRootFor

bench_leftovers() {
  local dirs=() cgroups=() bridges=() opt OPTIND=1
  while getopts "d:s:c:" opt; do
    case $opt in
      d) dirs+=("$OPTARG") ;;
      s) local rr; rr=$(bench_run_root "$OPTARG")
         dirs+=("$OPTARG" "$rr"); bridges+=("berth${rr#/run/berth-}"); cgroups+=("${rr#/run/}") ;;
      c) cgroups+=("$OPTARG") ;;
    esac
  done
  local d b c
  for d in "${dirs[@]}"; do
    [[ -e "$d" ]] && echo "directory $d"
    findmnt -rn -o TARGET | awk -v d="$d" '$0 == d || index($0, d "/") == 1 {print "mount " $0}'
    ps -eo pid=,args= | awk -v d="$d" -v me="$$" '$1 != me && index($0, d) && !/awk -v d=/ {print "process " $0}'
  done
  for b in "${bridges[@]}"; do  # berth<hash[:6]>, or berth<hash[:k]>-<i> when taken
    ip -br link | awk -v b="${b:0:11}" '{sub(/@.*/, "", $1)} $1 == b || (index($1, substr(b, 1, 8)) == 1 && $1 ~ /-[0-9]+$/) {print "bridge " $1}'
  done
  for c in "${cgroups[@]}"; do
    find /sys/fs/cgroup -type d -name "$c" 2>/dev/null | sed 's/^/cgroup /'
  done
  return 0
}

# bench_cgroup_parent STORE: the cgroup the store's containers nest under
# (engine.cgroupParent: named as its run directory).
bench_cgroup_parent() { basename "$(bench_run_root "$1")"; }

# bench_remove_cgroups NAME: removes every cgroup directory named NAME and
# what is under it, in every hierarchy, leaves first (a cgroup with a
# process in it stays, and bench_leftovers -c then reports it).
bench_remove_cgroups() {
  find /sys/fs/cgroup -depth -type d \( -name "$1" -o -path "*/$1/*" \) -exec rmdir {} + 2>/dev/null
  return 0
}

# bench_unmount_under DIR: lazily unmounts every mount at or below DIR,
# deepest first.
bench_unmount_under() {
  findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1' | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
}
