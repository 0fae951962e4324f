package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCreateOptionsValidated: every bad run/create option fails before
// anything is written, with one docker-like line and exit 125, and leaves
// no container record, name index entry or directory.
func TestCreateOptionsValidated(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	long := strings.Repeat("h", 65)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--hostname", long}, `invalid hostname "` + long + `": longer than 64 characters`},
		{[]string{"--hostname", "a b"}, `invalid hostname "a b"`},
		{[]string{"-e", "=x"}, `invalid environment variable: "=x"`},
		{[]string{"-l", "=x"}, `invalid label "=x": empty name`},
		{[]string{"-m", "10m", "--memory-swap", "8m"}, "minimum memory-swap limit should be larger than memory limit"},
		{[]string{"--memory-swap", "8m"}, "you should always set the memory limit when using the memory-swap limit"},
		{[]string{"--memory-swap", "-2"}, `invalid argument "-2" for "--memory-swap" flag`},
		{[]string{"-m", "1m"}, "minimum memory limit allowed is 6MB"},
		{[]string{"--cpus", "abc"}, `invalid argument "abc" for "--cpus" flag`},
		{[]string{"--cpus", "NaN"}, `invalid argument "NaN" for "--cpus" flag`},
		{[]string{"--cpus", "100000"}, "range of CPUs is from 0.01 to"},
		{[]string{"--cpus", "0.001"}, "range of CPUs is from 0.01 to"},
		{[]string{"--pids-limit", "-5"}, `invalid argument "-5" for "--pids-limit" flag`},
		{[]string{"--ulimit", "nofile=10:5"}, `invalid ulimit "nofile=10:5"`},
		{[]string{"--ulimit", "bogus=1"}, `invalid ulimit "bogus=1"`},
		{[]string{"--ulimit", "nofile=abc"}, `invalid ulimit "nofile=abc"`},
		{[]string{"--restart", "bogus"}, `restart policy "bogus": invalid`},
		{[]string{"--restart", "always", "--rm"}, "conflicting options: cannot combine --restart always and --rm"},
		{[]string{"--stop-signal", "SIGNOPE"}, `invalid stop signal "SIGNOPE"`},
		{[]string{"--cap-add", "NOPE"}, `capability "CAP_NOPE": unknown`},
		{[]string{"--security-opt", "seccomp=/x.json"}, `security option "seccomp=/x.json"`},
		{[]string{"-w", "rel"}, `working directory "rel" is not an absolute path`},
		{[]string{"-u", "a:b:c"}, `invalid user "a:b:c"`},
		{[]string{"-v", ":/x"}, `invalid volume specification ":/x": empty section between colons`},
		{[]string{"-v", "rel:/x:zz"}, `invalid volume specification "rel:/x:zz": unknown option "zz"`},
		{[]string{"--tmpfs", "rel"}, `--tmpfs "rel": the container path must be absolute`},
		{[]string{"--name", "bad/name"}, `container name "bad/name"`},
		{[]string{"--group-add", ""}, "--group-add: empty group name"},
	} {
		for _, verb := range []string{"create", "run"} {
			args := append(append([]string{"--root", root, verb}, c.args...), "busybox", "true")
			r := fails(t, 125, []string{c.want}, args...)
			if !strings.HasPrefix(r.stderr, "berth: ") {
				t.Errorf("berth %s: error %q lacks the berth: prefix", strings.Join(args, " "), r.stderr)
			}
		}
	}
	if got := ok(t, "--root", root, "ps", "-aq"); got != "" {
		t.Errorf("containers left by refused creates: %q", got)
	}
	for _, dir := range []string{filepath.Join(root, "containers"), filepath.Join(root, "containers", ".names")} {
		entries, err := os.ReadDir(dir)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, ent := range entries {
			if ent.Name() != ".names" {
				t.Errorf("%s: %s left by a refused create", dir, ent.Name())
			}
		}
	}
}

// TestUlimitAndStopSignal: --ulimit reaches the container's init and its
// execs; --stop-signal replaces the image's.
func TestUlimitAndStopSignal(t *testing.T) {
	t.Parallel()
	n := name(t, "u")
	cleanup(t, n)
	ok(t, "run", "-d", "--name", n, "--ulimit", "nofile=100:200", "--stop-signal", "SIGUSR1", "busybox", "sleep", "300")
	if got := ok(t, "exec", n, "sh", "-c", "ulimit -n; ulimit -Hn; cat /proc/1/limits"); !strings.HasPrefix(got, "100\n200\n") ||
		!regexpMatch(`Max open files\s+100\s+200`, got) {
		t.Errorf("ulimits in the container: %q", got)
	}
	if got := inspectField(t, n, "{{.Config.StopSignal}}"); got != "SIGUSR1" {
		t.Errorf("StopSignal = %q", got)
	}
}

// TestExecPrivileged: exec --privileged gets every capability berth holds
// and no seccomp filter, in the container's namespaces; a plain exec
// keeps docker's defaults.
func TestExecPrivileged(t *testing.T) {
	t.Parallel()
	n := name(t, "p")
	cleanup(t, n)
	ok(t, "run", "-d", "--name", n, "--hostname", "inside", "busybox", "sleep", "300")
	status := func(args ...string) map[string]string {
		out := ok(t, append(append([]string{"exec"}, args...), n, "sh", "-c", "grep -E '^(CapEff|CapBnd|Seccomp):' /proc/self/status; hostname; readlink /proc/self/ns/pid; readlink /proc/1/ns/pid")...)
		m := map[string]string{}
		lines := strings.Split(out, "\n")
		for _, l := range lines {
			if k, v, ok := strings.Cut(l, ":\t"); ok {
				m[k] = v
			}
		}
		if len(lines) >= 3 {
			m["hostname"], m["ns"], m["ns1"] = lines[len(lines)-3], lines[len(lines)-2], lines[len(lines)-1]
		}
		return m
	}
	host, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var hostBnd string
	for _, l := range strings.Split(string(host), "\n") {
		if v, ok := strings.CutPrefix(l, "CapBnd:\t"); ok {
			hostBnd = v
		}
	}
	plain, priv := status(), status("--privileged")
	if plain["CapEff"] != "00000000a80425fb" || plain["Seccomp"] != "2" {
		t.Errorf("plain exec: CapEff %s Seccomp %s, want docker's defaults and a filter", plain["CapEff"], plain["Seccomp"])
	}
	if priv["CapEff"] != hostBnd || priv["CapBnd"] != hostBnd || priv["Seccomp"] != "0" {
		t.Errorf("exec --privileged: CapEff %s CapBnd %s Seccomp %s, want %s and no filter", priv["CapEff"], priv["CapBnd"], priv["Seccomp"], hostBnd)
	}
	if priv["hostname"] != "inside" || priv["ns"] != priv["ns1"] || priv["ns"] == "" {
		t.Errorf("exec --privileged left the container's namespaces: %v", priv)
	}
	// The container's own state keeps its filter for the next exec.
	if again := status(); again["Seccomp"] != "2" {
		t.Errorf("a plain exec after a privileged one: Seccomp %s", again["Seccomp"])
	}
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
