package debug

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/testutil"
)

func TestExitMeaning(t *testing.T) {
	tests := []struct {
		code          int
		oom, stopped  bool
		want, wantSig string
	}{
		{0, false, false, "normally", ""},
		{1, false, false, "general error", ""},
		{126, false, false, "could not be executed", ""},
		{127, false, false, "not found", ""},
		{137, true, false, "OOM killer", "SIGKILL"},
		{137, false, true, "timeout", "SIGKILL"},
		{137, false, false, "berth kill", "SIGKILL"},
		{139, false, false, "segmentation fault", "SIGSEGV"},
		{143, false, true, "berth stop", "SIGTERM"},
		{129, false, false, "SIGHUP", "SIGHUP"},
		{42, false, false, "status 42", ""},
	}
	for _, tc := range tests {
		if got := ExitMeaning(tc.code, tc.oom, tc.stopped); !strings.Contains(got, tc.want) {
			t.Errorf("ExitMeaning(%d, %v, %v) = %q, want it to say %q", tc.code, tc.oom, tc.stopped, got, tc.want)
		}
		if got := Signal(tc.code); got != tc.wantSig {
			t.Errorf("Signal(%d) = %q, want %q", tc.code, got, tc.wantSig)
		}
	}
}

func TestFindShell(t *testing.T) {
	testutil.RequiresRoot(t) // whiteouts are character devices
	lower, mid, upper := t.TempDir(), t.TempDir(), t.TempDir()
	mk := func(dir, p string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o755)
	}
	link := func(dir, p, target string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		os.Symlink(target, filepath.Join(dir, p))
	}
	mk(lower, "/usr/bin/bash")
	link(lower, "/bin", "/usr/bin") // absolute: must resolve in the overlay, not on the host
	mk(lower, "/usr/bin/busybox")
	link(lower, "/usr/bin/ash", "busybox")
	mk(mid, "/usr/bin/zsh")
	os.MkdirAll(filepath.Join(upper, "usr/bin"), 0o755)
	if err := unix.Mknod(filepath.Join(upper, "usr/bin/bash"), unix.S_IFCHR, 0); err != nil {
		t.Fatal(err)
	}
	lowers := []string{mid, lower}
	tests := []struct {
		candidates []string
		want       string
	}{
		{[]string{"/bin/bash", "/bin/ash"}, "/bin/ash"}, // bash is whited out above
		{[]string{"/bin/zsh"}, "/bin/zsh"},              // found in a middle layer through /bin
		{[]string{"/bin/sh"}, ""},
		{[]string{"/usr/bin"}, ""}, // a directory is no shell
	}
	for _, tc := range tests {
		got, err := FindShell(upper, lowers, tc.candidates)
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("FindShell(%v) = %q, %v; want %q", tc.candidates, got, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), strings.Join(tc.candidates, ", ")) {
			t.Errorf("FindShell(%v) error %q does not say what was tried", tc.candidates, err)
		}
	}
}
