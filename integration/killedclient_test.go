package integration

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/testutil"
)

// startingShim creates a container and starts its shim the way a `run`
// (or a build step) does, waiting for an attach client, and returns once
// the shim says it listens: the state a `run` killed by -9 right after
// spawning its shim leaves for 30 s.
func startingShim(t *testing.T, root string) string {
	t.Helper()
	id := ok(t, "--root", root, "create", "--pull", "never", "busybox", "true")
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	cmd := exec.Command(berthBin, "--root", root, "shim", "--run-root", engine.RunRootFor(root), "--wait-attach", id)
	cmd.ExtraFiles = []*os.File{wr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	wr.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(rd).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "listening" {
		t.Fatalf("shim of %s said %q (%v), want listening", id, line, err)
	}
	return id
}

// TestRemoveStartingContainer: a container whose shim waits for the
// attach client of a caller that died (kill -9 of `run` or of a build)
// is removed by `rm -f` at once, with what its shim had made (mounts,
// network namespace); `rm` without -f refuses it. `rm -f` used to wait
// for an exit that never comes, for ever.
func TestRemoveStartingContainer(t *testing.T) {
	testutil.RequiresRoot(t)
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	id := startingShim(t, root)
	runDir := filepath.Join(engine.RunRootFor(root), "c", id)

	// The starting container's mounts are its shim's, not leaks.
	if r := berth(t, "--root", root, "system", "check"); strings.Contains(r.stdout, id) {
		t.Errorf("check calls a starting container's mounts leaked:\n%s", r.stdout)
	}
	fails(t, 1, []string{"container is starting"}, "--root", root, "rm", id)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, berthBin, "--root", root, "rm", "-f", id).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("rm -f of a starting container still waits after 20 s")
	}
	if err != nil {
		t.Fatalf("rm -f: %v: %s", err, out)
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mounts), runDir) {
		t.Errorf("rm -f left mounts under %s", runDir)
	}
	if r := berth(t, "--root", root, "system", "check"); strings.Contains(r.stdout, id) {
		t.Errorf("after rm -f, check finds:\n%s", r.stdout)
	}
}
