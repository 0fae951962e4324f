package integration

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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
	id, rd := startingShimReport(t, root)
	t.Cleanup(func() { rd.Close() })
	return id
}

// startingShimReport is startingShim, returning the read end of the shim's
// report pipe: the caller that was to attach holds it while it lives.
func startingShimReport(t *testing.T, root string) (string, *os.File) {
	t.Helper()
	id := ok(t, "--root", root, "create", "--pull", "never", "busybox", "true")
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
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
	return id, rd
}

// TestStartingShimEndsWithCaller: a shim that waits for the attach client
// of its caller ends as soon as that caller dies (kill -9 of `run` or of a
// build closes its end of the report pipe), undoing what it made: the
// container stays created and `rm` needs no force. It used to wait 30 s,
// and `rm` refused the container as starting all that time.
func TestStartingShimEndsWithCaller(t *testing.T) {
	testutil.RequiresRoot(t)
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	id, rd := startingShimReport(t, root)
	runDir := filepath.Join(engine.RunRootFor(root), "c", id)
	rd.Close() // the caller dies
	eventually(t, 20*time.Second, "rm without -f of the container whose caller died", func() bool {
		return berth(t, "--root", root, "rm", id).code == 0
	})
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mounts), runDir) {
		t.Errorf("the ended shim left mounts under %s", runDir)
	}
	if r := berth(t, "--root", root, "system", "check"); r.code != 0 || strings.Contains(r.stdout, id) {
		t.Errorf("after the shim ended, check finds (exit %d):\n%s", r.code, r.stdout)
	}
}

// TestRemoveStartingContainer: a container whose shim waits for the
// attach client of a live caller that does not attach is removed by `rm -f` at once, with what its shim had made (mounts,
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

// TestKilledCommitThaws: a commit freezes its container while it reads
// the container's layer; killed (-9) meanwhile, it cannot thaw it, and
// the next berth command does: the container runs again. A pause the
// user asked for stays.
func TestKilledCommitThaws(t *testing.T) {
	testutil.RequiresRoot(t)
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	id := ok(t, "--root", root, "run", "-d", "--pull", "never", "busybox", "sh", "-c",
		"dd if=/dev/urandom of=/big bs=1M count=96 2>/dev/null && touch /ready && sleep 1000")
	eventually(t, 60*time.Second, "the container's layer is written", func() bool {
		return berth(t, "--root", root, "exec", id, "test", "-e", "/ready").code == 0
	})
	commit := exec.Command(berthBin, "--root", root, "commit", id, "killed-commit")
	if err := commit.Start(); err != nil {
		t.Fatal(err)
	}
	statePath := filepath.Join(root, "containers", id, "state.json")
	paused := false
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if data, _ := os.ReadFile(statePath); strings.Contains(string(data), `"status": "paused"`) {
			paused = true
			break
		}
	}
	commit.Process.Kill()
	commit.Wait()
	if !paused {
		t.Fatal("the commit never paused the container")
	}
	eventually(t, 30*time.Second, "the container runs again", func() bool {
		return inspectStatus(t, root, id) == "running"
	})
	if r := berth(t, "--root", root, "exec", id, "true"); r.code != 0 {
		t.Errorf("exec in the thawed container: %v", r)
	}
	// The user's own pause is nobody's to undo.
	ok(t, "--root", root, "pause", id)
	ok(t, "--root", root, "ps")
	if s := inspectStatus(t, root, id); s != "paused" {
		t.Errorf("a user's pause became %q", s)
	}
	ok(t, "--root", root, "rm", "-f", id)
}

func inspectStatus(t *testing.T, root, id string) string {
	return strings.TrimSpace(ok(t, "--root", root, "inspect", "-f", "{{.State.Status}}", id))
}

// TestKilledShimLeavesNothing: after kill -9 of the shim of a running
// container (and of a paused one), the next command kills the container
// and removes its libcontainer state, mounts and cgroups: system check
// finds the store clean. Destroy used to run before the SIGKILL had
// landed, and left the state behind.
func TestKilledShimLeavesNothing(t *testing.T) {
	testutil.RequiresRoot(t)
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	running := ok(t, "--root", root, "run", "-d", "--pull", "never", "busybox", "sleep", "1000")
	paused := ok(t, "--root", root, "run", "-d", "--pull", "never", "busybox", "sleep", "1000")
	ok(t, "--root", root, "pause", paused)
	for _, id := range []string{running, paused} {
		pid := shimPidOf(t, root, id)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "the shim is gone", func() bool { return !alive(pid) })
	}
	if r := berth(t, "--root", root, "system", "check"); r.code != 0 {
		t.Errorf("after the shims were killed, check finds:\n%s", r.stdout)
	}
	for _, id := range []string{running, paused} {
		if s := inspectStatus(t, root, id); s != "exited" {
			t.Errorf("container %.12s is %q, want exited", id, s)
		}
	}
}

// TestWaitFailedStart: `wait` on a container whose start failed (it stays
// created, with the exit code of the failure) returns that code at once
// instead of waiting for a start that nobody will make.
func TestWaitFailedStart(t *testing.T) {
	testutil.RequiresRoot(t)
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	id := ok(t, "--root", root, "create", "--pull", "never", "busybox", "/nonexistent")
	berth(t, "--root", root, "start", id)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, berthBin, "--root", root, "wait", id).Output()
	if ctx.Err() != nil {
		t.Fatal("wait on a container whose start failed still waits after 30 s")
	}
	if err != nil || strings.TrimSpace(string(out)) != "127" {
		t.Errorf("wait: %q, %v; want 127", out, err)
	}
}
