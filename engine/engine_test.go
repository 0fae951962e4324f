package engine

import (
	"bytes"
	"errors"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/layers"
)

func TestParseSignal(t *testing.T) {
	for _, c := range []struct {
		in   string
		want unix.Signal
		err  bool
	}{
		{"KILL", unix.SIGKILL, false}, {"SIGTERM", unix.SIGTERM, false}, {"9", unix.SIGKILL, false},
		{"hup", unix.SIGHUP, false}, {"NOPE", 0, true}, {"0", 0, true}, {"65", 0, true},
	} {
		got, err := ParseSignal(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("ParseSignal(%q) = %v, %v", c.in, got, err)
		}
	}
}

func TestCommandLine(t *testing.T) {
	img := layers.ImageConfig{Entrypoint: []string{"/init"}, Cmd: []string{"serve"}}
	ep := []string{"sh"}
	empty := []string{""}
	for _, c := range []struct {
		o    CreateOptions
		want []string
	}{
		{CreateOptions{}, []string{"/init", "serve"}},
		{CreateOptions{Cmd: []string{"x"}}, []string{"/init", "x"}},
		{CreateOptions{Entrypoint: &ep}, []string{"sh"}}, // --entrypoint drops the image's CMD
		{CreateOptions{Entrypoint: &ep, Cmd: []string{"-c", "true"}}, []string{"sh", "-c", "true"}},
		{CreateOptions{Entrypoint: &empty, Cmd: []string{"ls"}}, []string{"ls"}},
	} {
		argv, _, _ := commandLine(img, c.o)
		if !reflect.DeepEqual(argv, c.want) {
			t.Errorf("commandLine(%+v) = %q, want %q", c.o, argv, c.want)
		}
	}
}

func TestMergeEnv(t *testing.T) {
	got := mergeEnv([]string{"PATH=/bin", "A=1"}, []string{"A=2", "B=3"}, true)
	want := []string{"PATH=/bin", "A=2", "B=3", "TERM=xterm"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mergeEnv = %q, want %q", got, want)
	}
	if got := mergeEnv(nil, nil, false); !reflect.DeepEqual(got, []string{defaultPath}) {
		t.Errorf("mergeEnv(nil) = %q", got)
	}
}

func TestCapabilities(t *testing.T) {
	got, err := capabilities([]string{"net_admin"}, []string{"CAP_CHOWN", "mknod"}, false)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Join(got, ",")
	if !strings.Contains(s, "CAP_NET_ADMIN") || strings.Contains(s, "CAP_CHOWN") || strings.Contains(s, "CAP_MKNOD") {
		t.Errorf("capabilities = %s", s)
	}
	if got, _ := capabilities(nil, []string{"ALL"}, false); len(got) != 0 {
		t.Errorf("drop ALL left %v", got)
	}
	// privileged: exactly the bounding set berth runs with (this host's
	// root lacks CAP_SYS_RESOURCE; asking for it fails every start).
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var bnd uint64
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "CapBnd:\t"); ok {
			bnd, _ = strconv.ParseUint(v, 16, 64)
		}
	}
	if got, _ := capabilities(nil, nil, true); len(got) != bits.OnesCount64(bnd) {
		t.Errorf("privileged has %d caps, the bounding set %d", len(got), bits.OnesCount64(bnd))
	}
	if _, err := capabilities([]string{"FLY"}, nil, false); err == nil {
		t.Error("unknown capability accepted")
	}
}

func TestParseSecurityOpts(t *testing.T) {
	so, err := parseSecurityOpts([]string{"seccomp=unconfined", "no-new-privileges=false"})
	if err != nil || !so.seccompUnconfined || so.noNewPrivileges {
		t.Errorf("parseSecurityOpts = %+v, %v", so, err)
	}
	if _, err := parseSecurityOpts([]string{"seccomp=/my/profile.json"}); err == nil {
		t.Error("unsupported seccomp profile accepted")
	}
}

func TestDetachReader(t *testing.T) {
	keys := DefaultDetachKeys
	for _, c := range []struct {
		in, out  string
		detached bool
	}{
		{"hello", "hello", false},
		{"ab\x10cd", "ab\x10cd", false}, // ctrl-p alone passes through
		{"ab\x10\x11cd", "ab", true},
		{"\x10\x10\x11", "\x10", true},
	} {
		var out bytes.Buffer
		// One byte at a time, so matches that span reads are exercised.
		_, err := io.Copy(&out, &detachReader{r: iotest.OneByteReader(strings.NewReader(c.in)), keys: keys})
		if (err == ErrDetached) != c.detached || out.String() != c.out {
			t.Errorf("detachReader(%q) = %q, %v", c.in, out.String(), err)
		}
	}
}

func TestSeekTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	var b strings.Builder
	for i := 0; i < 50000; i++ { // over one 64 KiB block
		b.WriteString("line\n")
	}
	os.WriteFile(path, []byte(b.String()), 0o600)
	for _, n := range []int{0, 1, 3, 49999, 50000, 60000} {
		f, _ := os.Open(path)
		if err := seekTail(f, n); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(f)
		f.Close()
		want := n
		if want > 50000 {
			want = 50000
		}
		if got := strings.Count(string(rest), "\n"); got != want {
			t.Errorf("seekTail(%d) left %d lines", n, got)
		}
	}
}

func TestGenerateName(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		n := generateName(func(s string) bool { return seen[s] })
		if seen[n] || !namePattern.MatchString(n) || !strings.Contains(n, "_") {
			t.Fatalf("generateName = %q", n)
		}
		seen[n] = true
	}
}

func TestRunRootFor(t *testing.T) {
	if got := RunRootFor(DefaultRoot); got != "/run/berth" {
		t.Errorf("RunRootFor(default) = %s", got)
	}
	a, b := RunRootFor("/a"), RunRootFor("/b")
	if a == b || !strings.HasPrefix(a, "/run/berth-") {
		t.Errorf("RunRootFor: %s, %s", a, b)
	}
}

func TestStartExitCode(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{errors.New(`exec: "x": executable file not found in $PATH`), 127},
		{errors.New(`exec: "/etc": permission denied`), 126},
		{errors.New("cgroup trouble"), 125},
	} {
		if got := startExitCode(c.err); got != c.want {
			t.Errorf("startExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}
