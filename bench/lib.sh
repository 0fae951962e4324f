# bench/lib.sh: what a bench leaves behind, sourced by the bench scripts.
#
# bench_leftovers lists what is left of a bench's own objects, one per
# line, nothing when all is gone. Only the bench's own names are looked
# at (its work directory, its stores' run directories and bridges, its
# cgroup names), so that other users of the machine cannot fail it:
#   -d DIR    a directory that must be gone, with no mount at or under it
#             and no process whose command line names it
#   -s STORE  a berth store: as -d for the store and its run directory
#             (/run/berth-<hash>), and its bridges (berth<hash[:6]>...)
#   -c NAME   a cgroup name that must exist in no hierarchy

bench_run_root() { printf '/run/berth-%s' "$(printf '%s' "$1" | sha256sum | cut -c1-12)"; }  # engine.RunRootFor

bench_leftovers() {
  local dirs=() cgroups=() bridges=() opt OPTIND=1
  while getopts "d:s:c:" opt; do
    case $opt in
      d) dirs+=("$OPTARG") ;;
      s) local rr; rr=$(bench_run_root "$OPTARG")
         dirs+=("$OPTARG" "$rr"); bridges+=("berth${rr#/run/berth-}") ;;
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
