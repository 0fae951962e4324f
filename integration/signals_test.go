package integration

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/berthdev/berth/internal/testutil"
)

// ignoring runs berth from a shell that ignores SIGINT and SIGQUIT (as a
// script started with `&` does), returning stdout.
func ignoring(t *testing.T, args ...string) string {
	t.Helper()
	testutil.RequiresRoot(t)
	cmd := exec.Command("sh", append([]string{"-c", `trap '' INT QUIT; exec "$@"`, "sh", berthBin, "--root", storeRoot}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("berth %s from a shell ignoring INT and QUIT: %v (%s)", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// A container's processes start with default signal dispositions, not
// with what the caller of berth ignored (#24.3).
func TestCallerIgnoredSignalsNotInherited(t *testing.T) {
	const want = "SigIgn:\t0000000000000000"
	if got := strings.TrimSpace(ignoring(t, "run", "--rm", "busybox", "grep", "SigIgn", "/proc/1/status")); got != want {
		t.Errorf("run: PID 1 has %q, want %q", got, want)
	}
	c := name(t, "exec")
	cleanup(t, c)
	ok(t, "run", "-d", "--name", c, "busybox", "sleep", "300")
	if got := strings.TrimSpace(ignoring(t, "exec", c, "grep", "SigIgn", "/proc/self/status")); got != want {
		t.Errorf("exec: the process has %q, want %q", got, want)
	}
	// A trap set in the container fires.
	out := ignoring(t, "run", "--rm", "busybox", "sh", "-c", `trap "echo trapped" INT; kill -INT $$; echo after`)
	if out != "trapped\nafter\n" {
		t.Errorf("a container's INT trap: output %q, want it to fire", out)
	}
}
