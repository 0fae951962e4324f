#!/bin/sh
# kill -9 trials: each operation is killed at a random moment N times on a
# store of its own; after each kill, `berth system check` and a normal
# command (`berth run --rm busybox true`) must succeed. A trial fails when
# either does not. Prints a table of trials and failures.
#
#   scripts/killtrials.sh [N]      (BERTH=path/to/berth, default bin/berth)
#
# Operations: pull (from `berth registry serve` on 127.0.0.1), load, save,
# commit, build, run -d, rm, and the shim during start. Needs root.
set -u
N=${1:-10}
BERTH=${BERTH:-$(pwd)/bin/berth}
WORK=$(mktemp -d /tmp/berth-killtrials.XXXXXX)
ROOT=$WORK/store
# A copy of its own, so that pgrep finds this run's shims and no one else's.
cp "$BERTH" "$WORK/berth" || exit 1
BERTH=$WORK/berth
PORT=$((20000 + $$ % 10000))
b() { "$BERTH" --root "$ROOT" "$@"; }
rand_ms() { awk -v m="$1" 'BEGIN { srand(); printf "%.3f", rand() * m / 1000 }'; }

cleanup() {
	[ -n "${REG:-}" ] && kill "$REG" 2>/dev/null
	b ps -aq 2>/dev/null | xargs -r "$BERTH" --root "$ROOT" rm -f >/dev/null 2>&1
	rm -rf "/run/berth-$(printf %s "$ROOT" | sha256sum | cut -c1-12)" "$WORK"
}
trap cleanup EXIT

b bootstrap >/dev/null || exit 1
b save -o "$WORK/busybox.tar" busybox || exit 1
b registry serve --addr 127.0.0.1:$PORT >/dev/null 2>&1 &
REG=$!
b tag busybox 127.0.0.1:$PORT/busybox:kt >/dev/null
b push 127.0.0.1:$PORT/busybox:kt >/dev/null 2>&1 || echo "killtrials: push to the local registry failed; pull trials will only test failure paths" >&2
printf 'FROM busybox\nRUN echo hi > /hi\nRUN touch /x\n' > "$WORK/Dockerfile"
b run -d --name victim busybox sleep 1000 >/dev/null

# op NAME: starts the operation in the background, prints its pid.
op() {
	case $1 in
	pull) b rmi -f 127.0.0.1:$PORT/busybox:kt >/dev/null 2>&1; b pull 127.0.0.1:$PORT/busybox:kt ;;
	load) b load -i "$WORK/busybox.tar" ;;
	save) b save -o "$WORK/out.tar" busybox ;;
	commit) b commit victim kt-commit ;;
	build) b build --no-cache -t kt-build "$WORK" ;;
	run) b run -d busybox sleep 1000 ;;
	rm) id=$(b create busybox true) && b rm -f "$id" ;;
	esac
}

printf '%-8s %7s %9s\n' OP TRIALS FAILURES
for o in pull load save commit build run rm shim; do
	fail=0
	i=0
	while [ $i -lt "$N" ]; do
		i=$((i + 1))
		if [ $o = shim ]; then
			# The shim during start: kill it as soon as it appears.
			b run -d busybox sleep 1000 >/dev/null 2>&1 &
			p=$!
			sleep "$(rand_ms 150)"
			for s in $(pgrep -f "^$BERTH shim" 2>/dev/null); do kill -9 "$s" 2>/dev/null; done
			kill -9 $p 2>/dev/null
			wait $p 2>/dev/null
		else
			(op $o >/dev/null 2>&1) &
			p=$!
			sleep "$(rand_ms 400)"
			pkill -9 -P $p 2>/dev/null
			kill -9 $p 2>/dev/null
			wait $p 2>/dev/null
		fi
		ok=1
		b system check >"$WORK/check.out" 2>&1 || ok=0
		b run --rm busybox true >/dev/null 2>&1 || ok=0
		if [ $ok = 0 ]; then
			fail=$((fail + 1))
			sed "s/^/  $o #$i: /" "$WORK/check.out" >&2
			b system check --repair >/dev/null 2>&1
		fi
		b ps -aq --filter status=created 2>/dev/null | xargs -r "$BERTH" --root "$ROOT" rm -f >/dev/null 2>&1
	done
	printf '%-8s %7d %9d\n' $o "$N" $fail
done
