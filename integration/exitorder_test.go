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
	fails(t, 125, []string{"not found"}, "run", "--rm", "--network", "none", "no-such-image-here", "true")
	eventually(t, 5*time.Second, "no prepared shim left", func() bool {
		out, _ := exec.Command("pgrep", "-f", berthBin+" shim --prepared").Output()
		return len(strings.TrimSpace(string(out))) == 0
	})
}
