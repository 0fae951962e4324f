package integration

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestDebugExitedContainer: `berth debug` on a container that exited 1
// gives a shell, through a real terminal, in which its changed files are
// present, with its configuration; nothing is left when the shell exits.
func TestDebugExitedContainer(t *testing.T) {
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	b := func(args ...string) result { return berth(t, append([]string{"--root", root}, args...)...) }
	n := name(t, "c")
	r := b("run", "--name", n, "-e", "MODE=crashy", "-w", "/srv", "--memory", "32m", "busybox", "sh", "-c",
		"mkdir -p /srv && echo state-before-crash > /srv/out.txt && rm /etc/group && exit 1")
	if r.code != 1 {
		t.Fatalf("run: %v", r)
	}
	beforeC, beforeI := len(strings.Fields(b("ps", "-aq").stdout)), len(strings.Fields(b("images", "-aq").stdout))

	cmd := exec.Command(berthBin, "--root", root, "debug", n)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	var out syncBuffer
	go io.Copy(&out, ptmx)
	eventually(t, 15*time.Second, "a shell prompt", func() bool { return strings.Contains(out.String(), "#") })
	io.WriteString(ptmx, `cat /srv/out.txt; echo "mode=$MODE pwd=$(pwd)"; ls /etc/group || echo group-gone; ls /proc/1/exe >/dev/null && cat /proc/1/cmdline; echo; exit 4`+"\r")
	if err := waitTimeout(cmd, 15*time.Second); err == nil || cmd.ProcessState.ExitCode() != 4 {
		t.Fatalf("debug: exit %v, output %q", err, out.String())
	}
	s := out.String()
	for _, want := range []string{"state-before-crash", "mode=crashy pwd=/srv", "group-gone", "/bin/sh"} {
		if !strings.Contains(s, want) {
			t.Errorf("debug shell output lacks %q: %q", want, s)
		}
	}
	if c, i := len(strings.Fields(b("ps", "-aq").stdout)), len(strings.Fields(b("images", "-aq").stdout)); c != beforeC || i != beforeI {
		t.Errorf("after debug: %d containers, %d images; before %d, %d", c, i, beforeC, beforeI)
	}

	// --keep leaves both, named.
	r = berthIn(t, "exit 0\n", "--root", root, "debug", "--keep", n)
	if r.code != 0 || !strings.Contains(r.stderr, "kept debug container "+n+"-debug") {
		t.Fatalf("debug --keep: %v", r)
	}
	if got := b("inspect", "-f", "{{.HostConfig.Memory}} {{.Config.WorkingDir}}", n+"-debug").stdout; got != "33554432 /srv\n" {
		t.Errorf("debug container's limit and working directory: %q", got)
	}
	if c, i := len(strings.Fields(b("ps", "-aq").stdout)), len(strings.Fields(b("images", "-aq").stdout)); c != beforeC+1 || i != beforeI+1 {
		t.Errorf("after debug --keep: %d containers, %d images; before %d, %d", c, i, beforeC, beforeI)
	}
}

func TestDebugReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		run   []string
		code  int
		wants []string
	}{
		{"exit1", []string{"sh", "-c", "echo doing work; echo cannot open config >&2; touch /made-it; exit 1"}, 1,
			[]string{"exit code     1:", "general error", "OOM killed    no", "1 added", "A /made-it", "ERR cannot open config", "OUT doing work"}},
		{"notfound", []string{"no-such-command"}, 127, []string{"127: the command was not found"}},
		{"oom", []string{"--memory", "16m", "busybox", "sh", "-c", "tail /dev/zero"}, 137,
			[]string{"137: killed by SIGKILL: the kernel's OOM killer", "OOM killed    yes", "limit 16MiB", "memory        peak 1"}},
		{"segv", []string{"sh", "-c", `sh -c 'kill -SEGV $$'; exit $?`}, 139, []string{"139: killed by SIGSEGV: a segmentation fault", "signal        SIGSEGV"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := name(t, "r")
			cleanup(t, n)
			args := append([]string{"run", "--name", n}, tc.run...)
			if tc.run[0] != "--memory" {
				args = append([]string{"run", "--name", n, "busybox"}, tc.run...)
			}
			if r := berth(t, args...); r.code != tc.code {
				t.Fatalf("run: want exit %d, got %v", tc.code, r)
			}
			rep := ok(t, "debug", "--report", n)
			for _, w := range tc.wants {
				if !strings.Contains(rep, w) {
					t.Errorf("report lacks %q:\n%s", w, rep)
				}
			}
			var js struct {
				ExitCode  int  `json:"exitCode"`
				OOMKilled bool `json:"oomKilled"`
			}
			if err := json.Unmarshal([]byte(ok(t, "debug", "--report", "--json", n)), &js); err != nil || js.ExitCode != tc.code || js.OOMKilled != (tc.name == "oom") {
				t.Errorf("report --json: %+v, %v", js, err)
			}
		})
	}
}

// TestDebugBadInput: one clear line each, and nothing left behind.
func TestDebugBadInput(t *testing.T) {
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	b := func(args ...string) result { return berth(t, append([]string{"--root", root}, args...)...) }
	// An image without a shell: one file.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app"), "not a program\n")
	os.Chmod(filepath.Join(dir, "app"), 0o755)
	if r := b("import", "-c", `CMD ["/app"]`, dir, "noshell:latest"); r.code != 0 {
		t.Fatalf("import: %v", r)
	}
	if r := b("create", "--name", "ns", "noshell"); r.code != 0 {
		t.Fatalf("create: %v", r)
	}
	b("run", "--name", "bb", "busybox", "true")
	beforeC, beforeI := b("ps", "-aq").stdout, b("images", "-aq").stdout
	for _, tc := range []struct {
		args []string
		msgs []string
	}{
		{[]string{"debug", "missing"}, []string{`container "missing"`, "not found"}},
		{[]string{"debug", "--report", "missing"}, []string{`container "missing"`, "not found"}},
		{[]string{"debug", "ns"}, []string{"container ns", "no shell", "tried /bin/sh, /bin/bash", "--shell"}},
		{[]string{"debug", "--shell", "/bin/zsh", "bb"}, []string{"container bb", "tried /bin/zsh"}},
	} {
		r := berthIn(t, "exit\n", append([]string{"--root", root}, tc.args...)...)
		if r.code != 1 {
			t.Errorf("%v: want exit 1, got %v", tc.args, r)
		}
		for _, m := range tc.msgs {
			if !strings.Contains(r.stderr, m) {
				t.Errorf("%v: stderr %q lacks %q", tc.args, r.stderr, m)
			}
		}
		if strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: error is more than one line: %q", tc.args, r.stderr)
		}
	}
	if c, i := b("ps", "-aq").stdout, b("images", "-aq").stdout; c != beforeC || i != beforeI {
		t.Errorf("bad debug calls left something: containers %q -> %q, images %q -> %q", beforeC, c, beforeI, i)
	}
}
