// Package testutil has the helpers berth's tests share: the rules for tests
// that need root or a host command. Under BERTH_REQUIRE_ROOT=1 (as CI runs)
// a test that would skip fails instead, so nothing is silently not tested.
package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// strict reports whether skipping is forbidden.
func strict() bool { return os.Getenv("BERTH_REQUIRE_ROOT") == "1" }

// RequiresRoot skips t unless running as root (fails under BERTH_REQUIRE_ROOT=1).
func RequiresRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if strict() {
		t.Fatal("test needs root, and BERTH_REQUIRE_ROOT=1 forbids skipping")
	}
	t.Skip("test needs root")
}

// RequiresCommand skips t unless name is on PATH (fails under BERTH_REQUIRE_ROOT=1).
func RequiresCommand(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err == nil {
		return
	}
	if strict() {
		t.Fatalf("test needs %s on PATH (scripts/deps.sh installs it), and BERTH_REQUIRE_ROOT=1 forbids skipping", name)
	}
	t.Skipf("test needs %s on PATH", name)
}

// Unavailable skips t because the host lacks something it needs (a kernel
// or library feature), saying what; under BERTH_REQUIRE_ROOT=1 it fails.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if strict() {
		t.Fatalf("BERTH_REQUIRE_ROOT=1 forbids skipping: "+format, args...)
	}
	t.Skipf(format, args...)
}
