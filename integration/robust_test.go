package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/berthdev/berth/internal/testutil"
)

// TestShimKilled: kill -9 of a shim is noticed at the next start-up, the
// container marked exited, and its process and mounts cleaned up.
func TestShimKilled(t *testing.T) {
	t.Parallel()
	n := name(t, "k")
	cleanup(t, n)
	id := ok(t, "run", "-d", "--name", n, "busybox", "sleep", "300")
	pid := pidOf(t, inspectField(t, n, "{{.State.Pid}}"))
	statePath := filepath.Join(storeRoot, "containers", id, "state.json")
	data, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	var shimPid int
	fmt.Sscanf(string(data[strings.Index(string(data), `"shimPid":`)+len(`"shimPid":`):]), "%d", &shimPid)
	if shimPid == 0 {
		t.Fatalf("no shim pid in %s", data)
	}
	syscall.Kill(shimPid, syscall.SIGKILL)
	eventually(t, 5*time.Second, "shim to die", func() bool { return !alive(shimPid) })
	if got := inspectField(t, n, "{{.State.Status}}"); got != "exited" {
		t.Fatalf("after kill -9 of the shim: status %q", got)
	}
	if alive(pid) {
		t.Errorf("container process %d survived its shim", pid)
	}
	if got := inspectField(t, n, "{{.State.Error}}"); !strings.Contains(got, "shim died") {
		t.Errorf("State.Error = %q", got)
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mounts), id) {
		t.Errorf("a mount of %s is left", id[:12])
	}
	// And it can start again.
	ok(t, "start", n)
	if got := inspectField(t, n, "{{.State.Status}}"); got != "running" {
		t.Fatalf("restart after reconcile: %q", got)
	}
}

func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	testutil.RequiresRoot(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out, err := exec.Command(berthBin, "--root", storeRoot, "run", "--rm", "busybox", "echo", fmt.Sprint("run", i)).CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != fmt.Sprint("run", i) {
				errs <- fmt.Sprintf("run %d: %v: %q", i, err, out)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	n := name(t, "b")
	cleanup(t, n)
	ok(t, "create", "--name", n, "busybox", "true")
	fails(t, 125, []string{n, "already in use"}, "create", "--name", n, "busybox", "true")
	fails(t, 125, []string{"only [a-zA-Z0-9]"}, "create", "--name", "bad/name", "busybox", "true")
	fails(t, 1, []string{n, "is not running"}, "exec", n, "true")
	fails(t, 1, []string{"no-such-ctr", "not found"}, "start", "no-such-ctr")
	fails(t, 1, []string{"no-such-ctr", "not found"}, "logs", "no-such-ctr")
	fails(t, 1, []string{`signal "NOPE"`}, "kill", "-s", "NOPE", n)
	fails(t, 1, []string{"invalid filter 'status=sleepy'"}, "ps", "--filter", "status=sleepy")
	// Removing a running container needs -f.
	ok(t, "start", n) // exits at once: true
	n2 := name(t, "r")
	cleanup(t, n2)
	ok(t, "run", "-d", "--name", n2, "busybox", "sleep", "300")
	fails(t, 1, []string{n2, "stop the container before removing or force remove"}, "rm", n2)
	ok(t, "rm", "-f", n2)
	// Nothing of a failed create is left: on a store of its own (the
	// shared one changes under parallel tests), only the good one is listed.
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	id := ok(t, "--root", root, "create", "busybox") // busybox has CMD sh
	if r := berth(t, "--root", root, "create", "--pull", "never", "no-such-image"); r.code == 0 {
		t.Fatalf("create of a missing image: %v", r)
	}
	if after := ok(t, "--root", root, "ps", "-aq", "--no-trunc"); after != id {
		t.Errorf("after a good and a failed create, ps -aq lists %q, want only %s", after, id)
	}
}

func TestStoreLocked(t *testing.T) {
	t.Parallel()
	testutil.RequiresCommand(t, "flock")
	root := tempStore(t)
	ok(t, "--root", root, "ps") // creates the store
	// flock and its sleep (which inherits the locked descriptor) in a
	// process group of their own, killed together.
	holder := exec.Command("flock", filepath.Join(root, "lock"), "sleep", "30")
	holder.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { syscall.Kill(-pidOf(t, fmt.Sprint(holder.Process.Pid)), syscall.SIGKILL); holder.Wait() }()
	eventually(t, 5*time.Second, "flock to hold the lock", func() bool {
		data, _ := os.ReadFile("/proc/locks")
		return strings.Contains(string(data), fmt.Sprint(" ", holder.Process.Pid, " "))
	})
	cmd := exec.Command(berthBin, "--root", root, "ps")
	cmd.Env = append(os.Environ(), "BERTH_LOCK_TIMEOUT=300ms")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("ps on a locked store succeeded: %q", out)
	}
	if s := string(out); !strings.Contains(s, "is locked by pid") || !strings.Contains(s, "flock") || strings.Count(strings.TrimSpace(s), "\n") > 0 {
		t.Errorf("locked store: %q, want one line naming the holder", s)
	}
}

// TestNeedsRoot: a user berth cannot run rootless (nobody has no range in
// /etc/subuid) is told why in one line, exit 125, and what to ask for.
func TestNeedsRoot(t *testing.T) {
	t.Parallel()
	testutil.RequiresRoot(t)
	testutil.RequiresCommand(t, "setpriv")
	out, err := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
		berthBin, "--root", tempStore(t), "run", "busybox", "true").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 125 {
		t.Fatalf("run as nobody: %v %q", err, out)
	}
	if s := strings.TrimSpace(string(out)); !strings.Contains(s, "has no range in /etc/subuid") || strings.Contains(s, "\n") {
		t.Errorf("run as nobody: %q, want one line saying it has no subuid range", out)
	}
}

func TestEventsAndPsFormat(t *testing.T) {
	t.Parallel()
	n := name(t, "e")
	cleanup(t, n)
	since := time.Now().Add(-time.Second).Format(time.RFC3339Nano)
	ok(t, "run", "--name", n, "-l", "team=blue", "busybox", "true")
	out := ok(t, "events", "--since", since, "--until", time.Now().Add(time.Second).Format(time.RFC3339Nano), "--filter", "container="+n)
	for _, action := range []string{"create", "start", "die"} {
		if !strings.Contains(out, "container "+action+" ") {
			t.Errorf("events lack %q:\n%s", action, out)
		}
	}
	if !strings.Contains(out, "exitCode=0") || !strings.Contains(out, "name="+n) {
		t.Errorf("die event attributes:\n%s", out)
	}
	got := ok(t, "ps", "-a", "--filter", "label=team=blue", "--filter", "name="+n, "--format", "{{.Names}} {{.State}} {{.Label \"team\"}}")
	if got != n+" exited blue" {
		t.Errorf("ps --format = %q", got)
	}
	table := ok(t, "ps", "-a", "--filter", "name="+n, "--format", "table {{.Names}}\t{{.Status}}")
	if !strings.HasPrefix(table, "NAMES") || !strings.Contains(table, "Exited (0)") {
		t.Errorf("ps table format:\n%s", table)
	}
	if r := berth(t, "ps", "-a", "--filter", "exited=0", "--filter", "name="+n, "-q"); strings.TrimSpace(r.stdout) == "" {
		t.Errorf("ps --filter exited=0 found nothing")
	}
}
