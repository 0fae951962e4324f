#!/usr/bin/env bash
# Mutation testing of berth's security and data paths with gremlins
# (github.com/go-gremlins/gremlins, installed by `scripts/deps.sh mutate`).
# Each mutant (a negated condition, a changed boundary or operator) is
# applied alone and the package's own tests run (as root, as `make test`
# does); a mutant the tests still pass with has survived.
#
#   scripts/mutate.sh            the data-path files (the default set below)
#   scripts/mutate.sh --all      every file of the packages below
#   scripts/mutate.sh PKG[:FILE,FILE...] ...   those packages (or files)
#
# gremlins runs only mutants on lines its coverage profile saw run. Code that
# runs in a child process (the seccomp compile helper, a re-executed init)
# and constant expressions are never in that profile, so gremlins reports
# them NOT COVERED without testing them. Each of those is applied here
# through `go test -overlay` (the source is never touched) and the
# package's tests run: killed or lived like any other mutant.
# A mutant whose tests gremlins timed out (on a loaded machine, often only
# slow) is applied the same way and its tests run again without gremlins'
# bound (MUTATE_RERUN_TIMEOUT, 900 s): one that then passes is printed as
# LIVED*. MUTATE_UNCOVERED=report skips both reruns and counts uncovered
# mutants as survivors and timed-out ones as killed.
#
# Prints every surviving mutant (lived, or not covered and lived), the
# score per package and in total: killed / (killed + survived), where a
# mutant listed in scripts/mutate-equivalent.txt (with the reason it cannot
# be told apart from the original) counts as neither. Slow: a full run of
# the packages takes hours on two cores. Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# The data paths, file by file: blob verification and commit, entry
# confinement and whiteouts, the atomic file and the lock, the seccomp
# program cache, published ports, the build context and its step cache,
# and what the registry server checks before distribution (routes, names
# and references, digests, manifest limits, stalled bodies, access).
default_targets=(
  layers:blob.go,snapshot.go,load.go,remote_pull.go,remote_staging.go,entry.go,containerlayer.go
  internal/atomicfile
  internal/lockfile
  internal/seccompcache
  network:ports.go
  build:context.go,cache.go
  registry:front.go,digests.go,auth.go,referrers.go
)
all_targets=(layers internal/atomicfile internal/lockfile internal/seccompcache network build registry)

case "${1:-}" in
  --all) targets=("${all_targets[@]}") ;;
  "") targets=("${default_targets[@]}") ;;
  -*) echo "usage: $0 [--all | PKG[:FILE,...] ...]" >&2; exit 2 ;;
  *) targets=("$@") ;;
esac

gobin=$(go env GOBIN); [[ -n "$gobin" ]] || gobin="$(go env GOPATH)/bin"
gremlins=$gobin/gremlins
[[ -x "$gremlins" ]] || { echo "mutate: $gremlins missing: run scripts/deps.sh mutate" >&2; exit 1; }
equiv=scripts/mutate-equivalent.txt
workers=${MUTATE_WORKERS:-1}
# A mutant whose tests run longer than this many times the unmutated run
# counts as timed out. On a loaded machine a small factor turns slow runs
# into "timed out": a timed-out mutant is reported apart from the killed.
coefficient=${MUTATE_TIMEOUT_COEFFICIENT:-10}
uncovered=${MUTATE_UNCOVERED:-rerun}
# The bound on one rerun of a package's tests with an uncovered mutant.
rerun_timeout=${MUTATE_RERUN_TIMEOUT:-900}

out=$(mktemp -d /tmp/berth-mutate.XXXXXX)
trap 'rm -rf "$out"' EXIT

# equivalent FILE MUTATOR LINE_TEXT: whether the list names this mutant.
# The list keys a mutant by file, mutator and the text of its source line,
# so that edits elsewhere in the file do not invalidate it.
equivalent() {
  local file=$1 mutator=$2 text=$3
  [[ -f "$equiv" ]] || return 1
  awk -F' [|] ' -v f="$file" -v m="$mutator" -v t="$text" '
    /^#/ || NF < 4 { next }
    $1 == f && $2 == m && $3 == t { found = 1 }
    END { exit !found }' "$equiv"
}

# The operator gremlins' mutator puts in place of op (its own table,
# internal/engine/mappings.go of gremlins v0.6.0).
mutated_op() {
  case "$1 $2" in
    "ARITHMETIC_BASE +") echo - ;; "ARITHMETIC_BASE -") echo + ;;
    "ARITHMETIC_BASE *") echo / ;; "ARITHMETIC_BASE /") echo '*' ;;
    "ARITHMETIC_BASE %") echo '*' ;; "INVERT_NEGATIVES -") echo + ;;
    "CONDITIONALS_BOUNDARY <") echo '<=' ;; "CONDITIONALS_BOUNDARY <=") echo '<' ;;
    "CONDITIONALS_BOUNDARY >") echo '>=' ;; "CONDITIONALS_BOUNDARY >=") echo '>' ;;
    "CONDITIONALS_NEGATION ==") echo '!=' ;; "CONDITIONALS_NEGATION !=") echo '==' ;;
    "CONDITIONALS_NEGATION <") echo '>=' ;; "CONDITIONALS_NEGATION <=") echo '>' ;;
    "CONDITIONALS_NEGATION >") echo '<=' ;; "CONDITIONALS_NEGATION >=") echo '<' ;;
    "INCREMENT_DECREMENT ++") echo -- ;; "INCREMENT_DECREMENT --") echo ++ ;;
    "INVERT_LOGICAL &&") echo '||' ;; "INVERT_LOGICAL ||") echo '&&' ;;
    *) return 1 ;;
  esac
}

# rerun PKG FILE LINE COL MUTATOR: applies one mutant through an overlay
# and runs the package's tests; prints KILLED, TIMED, LIVED or VIABLE-NOT.
rerun() {
  local pkg=$1 file=$2 line=$3 col=$4 mutator=$5 src op two new
  src=$(sed -n "${line}p" "$file")
  two=${src:col-1:2}
  case "$two" in '=='|'!='|'<='|'>='|'++'|'--'|'&&'|'||') op=$two ;; *) op=${src:col-1:1} ;; esac
  if [[ "$op" == '<' || "$op" == '>' ]] && [[ "$two" == '<<' || "$two" == '>>' ]]; then echo NOT-VIABLE; return; fi
  new=$(mutated_op "$mutator" "$op") || { echo NOT-VIABLE; return; }
  mkdir -p "$out/overlay"
  local mut="$out/overlay/$(basename "$file")"
  awk -v l="$line" -v c="$col" -v n="${#op}" -v r="$new" \
    'NR == l { $0 = substr($0, 1, c - 1) r substr($0, c + n) } { print }' "$file" >"$mut"
  printf '{"Replace": {"%s": "%s"}}\n' "$PWD/$file" "$mut" >"$out/overlay.json"
  local rc=0 log="$out/rerun.log"
  # Not viable: the package itself no longer compiles with the mutant.
  if ! go build -tags seccomp -overlay "$out/overlay.json" "./$pkg" >"$log" 2>&1; then echo NOT-VIABLE; return; fi
  timeout "$rerun_timeout" go test -tags seccomp -count=1 -overlay "$out/overlay.json" "./$pkg" </dev/null >"$log" 2>&1 || rc=$?
  if (( rc == 0 )); then echo LIVED
  elif (( rc == 124 )); then echo TIMED
  else echo KILLED; fi
}

total_killed=0 total_survived=0 total_equiv=0
summary=()
for target in "${targets[@]}"; do
  pkg=${target%%:*}
  [[ -d "$pkg" ]] || { echo "mutate: no package directory $pkg" >&2; exit 2; }
  excludes=()
  if [[ "$target" == *:* ]]; then
    IFS=, read -r -a keep <<<"${target#*:}"
    # Files of packages under this one (layers/hostiletest) are not named.
    excludes+=(-E "/")
    for f in "$pkg"/*.go; do
      b=$(basename "$f")
      [[ "$b" == *_test.go ]] && continue
      if [[ " ${keep[*]} " != *" $b "* ]]; then excludes+=(-E "^${b//./\\.}\$"); fi
    done
  fi
  log="$out/$(echo "$pkg" | tr / _).log"
  echo "mutate: $target"
  # gremlins exits non-zero on its own thresholds only; none are set.
  # Exclusions match paths relative to the package directory.
  if ! "$gremlins" unleash --tags seccomp --workers "$workers" \
      --timeout-coefficient "$coefficient" "${excludes[@]}" "./$pkg" >"$log" 2>&1; then
    cat "$log" >&2
    echo "mutate: gremlins failed on $pkg" >&2
    exit 1
  fi
  killed=0 survived=0 eq=0 timedout=0 rerun_killed=0
  # Per file: killed and survived, for the score of each file named.
  declare -A fkilled=() fsurvived=()
  while read -r status rest; do
    f=${rest##* at }; f=${f%%:*}
    case "$status" in
      KILLED) killed=$((killed + 1)) fkilled[$f]=$((${fkilled[$f]:-0} + 1)); continue ;;
      TIMED)
        rest=${rest#OUT }
        if [[ "$uncovered" != rerun ]]; then killed=$((killed + 1)) timedout=$((timedout + 1)) fkilled[$f]=$((${fkilled[$f]:-0} + 1)); continue; fi ;;
      LIVED | NOT) ;;
      *) continue ;;
    esac
    [[ "$status" == NOT ]] && { status="NOT COVERED"; rest=${rest#COVERED }; }
    mutator=${rest%% *}
    loc=${rest##* at }
    file=$pkg/${loc%%:*}
    line=${loc#*:}; line=${line%%:*}
    text=$(sed -n "${line}p" "$file" | sed 's/^[[:space:]]*//;s/[[:space:]]*$//')
    if equivalent "$file" "$mutator" "$text"; then
      eq=$((eq + 1))
      continue
    fi
    if [[ "$status" == "NOT COVERED" || "$status" == TIMED ]] && [[ "$uncovered" == rerun ]]; then
      col=${loc##*:}
      was=$status
      case "$(rerun "$pkg" "$file" "$line" "$col" "$mutator")" in
        KILLED) killed=$((killed + 1)) fkilled[$f]=$((${fkilled[$f]:-0} + 1)); [[ $was == TIMED ]] || rerun_killed=$((rerun_killed + 1)); continue ;;
        TIMED) killed=$((killed + 1)) timedout=$((timedout + 1)) fkilled[$f]=$((${fkilled[$f]:-0} + 1)); [[ $was == TIMED ]] || rerun_killed=$((rerun_killed + 1)); continue ;;
        NOT-VIABLE)
          printf '  %-11s %-24s %s:%s  %s\n' "NOT VIABLE" "$mutator" "$file" "${loc#*:}" "$text"
          continue ;;
        LIVED) [[ $was == TIMED ]] && status="LIVED*" || status="LIVED" ;;
      esac
    fi
    survived=$((survived + 1)) fsurvived[$f]=$((${fsurvived[$f]:-0} + 1))
    printf '  %-11s %-24s %s:%s  %s\n' "$status" "$mutator" "$file" "${loc#*:}" "$text"
  done < <(sed -n 's/^[[:space:]]*\(KILLED\|LIVED\|NOT COVERED\|TIMED OUT\) /\1 /p' "$log")
  n=$((killed + survived))
  score=n/a
  (( n > 0 )) && score=$(awk -v k=$killed -v n=$n 'BEGIN { printf "%.1f%%", 100 * k / n }')
  summary+=("$(printf '%-44s killed %4d (%d timed out, %d outside gremlins coverage)  survived %4d  equivalent %3d  score %s' "$target" $killed $timedout $rerun_killed $survived $eq "$score")")
  for f in $(printf '%s\n' "${!fkilled[@]}" "${!fsurvived[@]}" | sort -u); do
    k=${fkilled[$f]:-0} v=${fsurvived[$f]:-0}
    summary+=("$(printf '  %-42s killed %4d  survived %4d  score %s' "$pkg/$f" $k $v "$(awk -v k=$k -v n=$((k + v)) 'BEGIN { printf "%.1f%%", 100 * k / n }')")")
  done
  total_killed=$((total_killed + killed)) total_survived=$((total_survived + survived)) total_equiv=$((total_equiv + eq))
done

echo
echo "mutation score (killed / killed+survived; a timed-out mutant counts as killed; equivalent mutants excluded)"
printf '%s\n' "${summary[@]}"
n=$((total_killed + total_survived))
(( n > 0 )) && printf '%-44s killed %4d  survived %4d  equivalent %3d  score %s\n' total $total_killed $total_survived $total_equiv \
  "$(awk -v k=$total_killed -v n=$n 'BEGIN { printf "%.1f%%", 100 * k / n }')"
exit 0
