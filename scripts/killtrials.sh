#!/bin/bash
# kill -9 trials: each operation is killed at a random moment N times on a
# store of its own; after each kill, `berth system check` and a normal
# command (`berth run --rm busybox true`) must succeed. A trial fails when
# either does not. Prints a table of trials and failures.
#
#   scripts/killtrials.sh [N]      (BERTH=path/to/berth, default bin/berth)
#
# Operations: pull (from `berth registry serve` on 127.0.0.1), load, save,
# commit, build, run -d, rm, rename, and the shim during start. Needs root.
#
# Each operation runs in a process group of its own (job control), and the
# kill is `kill -9 -- -PGID`: every berth of the trial dies, also one
# started below the operation's shell (a command substitution, the client
# of `run -d`). check runs only once no process of the group is left. A
# shim is not in the group (it calls setsid): the run trial leaves it
# alone, as a killed client does; the shim trial kills it as well.
set -u
set -m # each background job gets a process group of its own
N=${1:-10}
BERTH=${BERTH:-$(pwd)/bin/berth}
WORK=$(mktemp -d /tmp/berth-killtrials.XXXXXX)
ROOT=$WORK/store
# A copy of its own, so that pgrep finds this run's shims and no one else's.
cp "$BERTH" "$WORK/berth" || exit 1
BERTH=$WORK/berth
PORT=$((20000 + $$ % 10000))
b() { "$BERTH" --root "$ROOT" "$@"; }
rand_ms() { awk -v m="$1" -v s="$RANDOM" 'BEGIN { srand(s); printf "%.3f", rand() * m / 1000 }'; }
shims() { pgrep -f "^$BERTH shim" 2>/dev/null | sort; }

cleanup() {
	[ -n "${REG:-}" ] && kill -- "-$REG" 2>/dev/null # its group: the server, not only its shell
	b ps -aq 2>/dev/null | xargs -r "$BERTH" --root "$ROOT" rm -f >/dev/null 2>&1
	rm -rf "/run/berth-$(printf %s "$ROOT" | sha256sum | cut -c1-12)" "$WORK"
}
trap cleanup EXIT

# killgroup PGID: kill -9 the whole group, reap its leader, and wait (10 s
# at most) until no process of it is left. Fails when one outlives that.
killgroup() {
	kill -9 -- "-$1" 2>/dev/null
	wait "$1" 2>/dev/null
	local i=0
	while pgrep -g "$1" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}

# killpids PID...: kill -9 each and wait (10 s at most) until all are gone.
killpids() {
	[ $# -eq 0 ] && return 0
	kill -9 "$@" 2>/dev/null
	local i=0 p
	for p in "$@"; do
		while kill -0 "$p" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; do
			i=$((i + 1))
			[ $i -gt 100 ] && return 1
			sleep 0.1
		done
	done
}

b bootstrap >/dev/null || exit 1
b save -o "$WORK/busybox.tar" busybox || exit 1
b registry serve --addr 127.0.0.1:$PORT >/dev/null 2>&1 &
REG=$!
b tag busybox 127.0.0.1:$PORT/busybox:kt >/dev/null
# The server takes a moment to listen (long on a loaded host): retry.
pushed=0
for _ in $(seq 60); do
	b push 127.0.0.1:$PORT/busybox:kt >/dev/null 2>&1 && { pushed=1; break; }
	sleep 0.5
done
[ $pushed = 1 ] || { echo "killtrials: push to the local registry failed" >&2; exit 1; }
printf 'FROM busybox\nRUN echo hi > /hi\nRUN touch /x\n' > "$WORK/Dockerfile"
b run -d --name victim busybox sleep 1000 >/dev/null
b run --name kt-rn busybox true >/dev/null

# op NAME: the operation, run in the trial's process group.
op() {
	case $1 in
	pull) b rmi -f 127.0.0.1:$PORT/busybox:kt >/dev/null 2>&1; b pull 127.0.0.1:$PORT/busybox:kt ;;
	load) b load -i "$WORK/busybox.tar" ;;
	save) b save -o "$WORK/out.tar" busybox ;;
	commit) b commit victim kt-commit ;;
	build) b build --no-cache -t kt-build "$WORK" ;;
	run) b run -d busybox sleep 1000 ;;
	rm) id=$(b create busybox true) && b rm -f "$id" ;;
	rename) if b inspect kt-rn >/dev/null 2>&1; then b rename kt-rn kt-rn2; else b rename kt-rn2 kt-rn; fi ;;
	shim) b run -d busybox sleep 1000 ;;
	esac
}

printf '%-8s %7s %9s\n' OP TRIALS FAILURES
for o in ${OPS:-pull load save commit build run rm rename shim}; do
	fail=0
	i=0
	while [ $i -lt "$N" ]; do
		i=$((i + 1))
		ok=1
		before=$(shims)
		(op $o >/dev/null 2>&1) &
		p=$!
		if [ $o = shim ]; then
			# The shim during start: kill the client's group (so that no
			# new shim appears), then every shim this trial started.
			sleep "$(rand_ms 150)"
			killgroup $p || { ok=0; echo "a process of the trial outlived kill -9" >"$WORK/check.out"; }
			killpids $(comm -13 <(echo "$before") <(shims)) || { ok=0; echo "a shim outlived kill -9" >"$WORK/check.out"; }
		else
			sleep "$(rand_ms 400)"
			killgroup $p || { ok=0; echo "a process of the trial outlived kill -9" >"$WORK/check.out"; }
		fi
		if [ $ok = 1 ]; then
			b system check >"$WORK/check.out" 2>&1 || ok=0
			b run --rm busybox true >>"$WORK/check.out" 2>&1 || ok=0
		fi
		if [ $ok = 0 ]; then
			fail=$((fail + 1))
			sed "s/^/  $o #$i: /" "$WORK/check.out" >&2
			b system check --repair >/dev/null 2>&1
		fi
		b ps -aq --filter status=created 2>/dev/null | xargs -r "$BERTH" --root "$ROOT" rm -f >/dev/null 2>&1
	done
	printf '%-8s %7d %9d\n' $o "$N" $fail
done
