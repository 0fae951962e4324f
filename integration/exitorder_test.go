package integration

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A foreground run returns as soon as the container has exited, while its
// shim still cleans up: what a script does next must not see that.
// `run --rm` returns once the container is gone, as docker's does.
func TestRightAfterRun(t *testing.T) {
	for i := 0; i < 10; i++ {
		n := name(t, "after")
		ok(t, "run", "--name", n, "--network", "none", "busybox", "true")
		ok(t, "rm", n) // not "container is running"
		ok(t, "run", "--rm", "--name", n, "--network", "none", "busybox", "true")
		ok(t, "run", "--rm", "--name", n, "--network", "none", "busybox", "true") // the name is free
		ok(t, "run", "--name", n, "--network", "none", "busybox", "true")
		ok(t, "start", "-a", n) // a new shim waits for the last one
		ok(t, "rm", n)
	}
}

// `run` starts its shim while it creates the container (prespawn.go); a
// run that never gets to start one leaves no prepared shim behind.
func TestPreparedShimEndsUnused(t *testing.T) {
	fails(t, 125, []string{"not found"}, "run", "--rm", "--pull", "never", "--network", "none", "no-such-image-here", "true")
	eventually(t, time.Minute, "no prepared shim left", func() bool { // a deadline, not a duration: generous for a busy machine
		out, _ := exec.Command("pgrep", "-f", berthBin+" shim --prepared").Output()
		return len(strings.TrimSpace(string(out))) == 0
	})
}

// wait on a --rm container prints its exit code, though the container is
// gone by the time its shim is done (docker's does the same).
func TestWaitOnAutoRemoved(t *testing.T) {
	id := ok(t, "run", "-d", "--rm", "--network", "none", "busybox", "sh", "-c", "sleep 0.5; exit 5")
	if out := ok(t, "wait", id); out != "5" {
		t.Fatalf("wait printed %q, want 5", out)
	}
}
