package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berthdev/berth/engine"
)

// The escape suite: a static C probe (testdata/escape_probe.c) tries the
// calls docker's seccomp profile blocks from every way berth starts a
// process in a container (run, exec, the debug sidecar, --pid container:),
// and a container with CAP_SYS_PTRACE tries to overwrite the staged seccomp
// program (and any run-directory file it can reach through /proc) while
// execs, sidecars and --pid containers start beside it. Afterwards every
// call stays blocked in a fresh container and the kept programs are
// unchanged.

// buildProbe compiles the probe statically into a directory of the test's.
func buildProbe(t *testing.T) string {
	t.Helper()
	probe := filepath.Join(t.TempDir(), "probe")
	out, err := exec.Command("gcc", "-static", "-O1", "-o", probe, filepath.Join("testdata", "escape_probe.c")).CombinedOutput()
	if err != nil {
		t.Fatalf("gcc -static escape_probe.c: %v\n%s", err, out)
	}
	return probe
}

// probeCalls parses the probe's "NAME ERRNO" lines.
func probeCalls(t *testing.T, how, out string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) != 2 {
			continue
		}
		if n, err := strconv.Atoi(f[1]); err == nil {
			got[f[0]] = n
		}
	}
	if len(got) != 10 {
		t.Fatalf("%s: probe output %q: %d calls, want 10", how, out, len(got))
	}
	return got
}

// blocked checks that every call failed as docker's profile fails it.
func blocked(t *testing.T, how string, got map[string]int) {
	t.Helper()
	for c, errno := range got {
		if errno != 1 && errno != 38 { // EPERM, ENOSYS
			t.Errorf("%s: %s not blocked (errno %d)", how, c, errno)
		}
	}
}

func TestEscapeSuite(t *testing.T) {
	escapeSuite(t, func(stdin string, args ...string) result { return berthIn(t, stdin, args...) }, nil)
}

// escapeSuite runs the probe from every way berth starts a process in a
// container, through b (berth on some store), with userns added to each
// new container's flags.
func escapeSuite(t *testing.T, b func(stdin string, args ...string) result, userns []string) {
	probe := buildProbe(t)
	vol := probe + ":/probe:ro"
	okb := func(stdin string, args ...string) string {
		t.Helper()
		r := b(stdin, args...)
		if r.code != 0 {
			t.Fatalf("berth %s: %v", strings.Join(args, " "), r)
		}
		return r.stdout
	}
	// run is `berth run` with the suite's --userns.
	run := func(args ...string) []string { return append(append([]string{"run"}, userns...), args...) }
	calls := func(how string, args ...string) map[string]int {
		t.Helper()
		return probeCalls(t, how, okb("", args...))
	}

	// Unconfined, the probe must see which calls reach the kernel: a probe
	// that cannot tell a blocked call from a refused one proves nothing.
	base := calls("unconfined", run("--rm", "--network", "none", "--security-opt", "seccomp=unconfined", "-v", vol, "busybox", "/probe", "calls")...)
	for _, c := range []string{"unshare_user", "keyctl", "add_key", "mount", "bpf", "perf_event_open", "open_by_handle_at"} {
		if e := base[c]; e == 1 || e == 38 {
			t.Errorf("unconfined, %s fails with errno %d: the probe cannot tell it from a blocked call", c, e)
		}
	}

	blocked(t, "run", calls("run", run("--rm", "--network", "none", "-v", vol, "busybox", "/probe", "calls")...))
	target := name(t, "target")
	t.Cleanup(func() { b("", "rm", "-f", target) })
	okb("", run("-d", "--name", target, "--network", "none", "-v", vol, "busybox", "sleep", "300")...)
	blocked(t, "exec", calls("exec", "exec", target, "/probe", "calls"))
	pidArgs := []string{"run", "--rm", "--network", "none", "--pid", "container:" + target, "-v", vol, "busybox", "/probe", "calls"}
	if userns != nil {
		// A pid namespace is joined with its user namespace.
		pidArgs = append([]string{"run", "--userns", "container:" + target}, pidArgs[1:]...)
	}
	blocked(t, "--pid container:", calls("--pid container:", pidArgs...))
	r := b("/proc/1/root/probe calls; exit 0\n", "debug", target)
	blocked(t, "debug", probeCalls(t, "debug", r.stdout))
}

// A container with CAP_SYS_PTRACE walks /proc for the staged program while
// execs, a --pid container: and a debug sidecar start beside it.
func TestEscapeSeccompFileAttack(t *testing.T) {
	probe := buildProbe(t)
	vol := probe + ":/probe:ro"
	run := []string{"run", "--rm", "--network", "none", "-v", vol, "busybox", "/probe", "calls"}
	blocked(t, "run", probeCalls(t, "run", ok(t, run...)))
	cache := filepath.Join(engine.RunRootFor(storeRoot), "seccomp")
	kept := keptPrograms(t, cache)

	attacker := name(t, "attacker")
	cleanup(t, attacker)
	id := ok(t, "run", "-d", "--name", attacker, "--cap-add", "SYS_PTRACE", "--network", "none", "-v", vol, "busybox", "/probe", "attack", "12")
	staged := filepath.Join(engine.RunRootFor(storeRoot), "c", id, "seccomp.bpf")
	stagedBefore, err := os.ReadFile(staged)
	if err != nil {
		t.Fatalf("staged program of the attacker: %v", err)
	}
	running := func() bool { return inspectField(t, attacker, "{{.State.Running}}") == "true" }
	// Each may find the attacker just ended: its pid namespace then kills
	// an exec's init before it is ready ("procReady not received"), while
	// the state may still say running until the shim records the exit. A
	// failure counts only when the attacker's init outlives it.
	initPid := atoi(inspectField(t, attacker, "{{.State.Pid}}"))
	ended := func() bool {
		for deadline := time.Now().Add(10 * time.Second); alive(initPid); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				return false
			}
		}
		return true
	}
	beside := func(how, stdin string, args ...string) {
		t.Helper()
		if r := berthIn(t, stdin, args...); r.code == 0 {
			blocked(t, how+" beside the attacker", probeCalls(t, how, r.stdout))
		} else if !ended() {
			t.Fatalf("%s beside the attacker: %v", how, r)
		}
	}
	for i := 0; running(); i++ {
		beside("exec", "", "exec", attacker, "/probe", "calls")
		if i%4 == 0 {
			// A new container in the attacker's pid namespace would be
			// reachable through /proc/PID/cwd while its init starts
			// (before pivot_root): berth refuses to put one there.
			for _, args := range [][]string{
				{"run", "--rm", "--network", "none", "--pid", "container:" + attacker, "-v", vol, "busybox", "/probe", "calls"},
				{"debug", attacker},
			} {
				// (A debug of an attacker that just ended is a copy: fine.)
				if r := berthIn(t, "exit 0\n", args...); (r.code == 0 || !strings.Contains(r.stderr, "holds CAP_SYS_PTRACE")) && !ended() {
					t.Fatalf("%s beside a CAP_SYS_PTRACE container: %v", args[0], r)
				}
			}
		}
		if i > 500 {
			t.Fatal("the attacker never ended")
		}
	}
	logs := ok(t, "logs", attacker)
	if !strings.Contains(logs, "attack done") {
		t.Fatalf("attacker's report: %q", logs)
	}
	// What the attacker wrote through /proc (its own files, or an exec's
	// init, which has joined the mount namespace before it shows in the
	// pid namespace) is logged; the checks below are what must hold.
	for _, l := range strings.Split(logs, "\n") {
		if p, ok := strings.CutPrefix(l, "wrote "); ok {
			t.Logf("the attacker wrote through %s", p)
		}
	}
	if now, _ := os.ReadFile(staged); !bytes.Equal(now, stagedBefore) {
		t.Error("the attacker's staged program changed")
	}
	blocked(t, "a fresh container after the attack", probeCalls(t, "run", ok(t, run...)))
	for p, b := range kept {
		if now, _ := os.ReadFile(p); !bytes.Equal(now, b) {
			t.Errorf("kept program %s changed during the attack", filepath.Base(p))
		}
	}
}

// keptPrograms reads every kept program in cache.
func keptPrograms(t *testing.T, cache string) map[string][]byte {
	t.Helper()
	progs, _ := filepath.Glob(filepath.Join(cache, "*"))
	kept := map[string][]byte{}
	for _, p := range progs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		kept[p] = b
	}
	if len(kept) == 0 {
		t.Fatalf("no program kept in %s", cache)
	}
	return kept
}
