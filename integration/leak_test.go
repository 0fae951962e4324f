package integration

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/berthdev/berth/engine"
)

// TestAttachDetachNoLeak: a process that attached to a container and
// detached, and that waits for another, keeps its thread and fd count flat
// while the containers run on. (Wait used to give up on a blocked flock
// goroutine every second without closing its fd: one thread and one fd
// more every second, 1,519 threads after 25 minutes in the workbench.)
func TestAttachDetachNoLeak(t *testing.T) {
	t.Parallel()
	e, err := engine.Open(engine.Options{Root: storeRoot, Binary: berthBin})
	if err != nil {
		t.Fatal(err)
	}
	a, w := name(t, "attached"), name(t, "waited")
	cleanup(t, a, w)
	ok(t, "run", "-d", "-i", "-t", "--name", a, "busybox", "sleep", "300")
	ok(t, "run", "-d", "--name", w, "busybox", "sleep", "300")

	in, keys := io.Pipe()
	go keys.Write(engine.DefaultDetachKeys)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := e.Attach(ctx, a, engine.Streams{Stdin: in, Stdout: io.Discard}); !errors.Is(err, engine.ErrDetached) {
		t.Fatalf("Attach = %v, want ErrDetached", err)
	}
	waited := make(chan error, 1)
	wctx, stopWaiting := context.WithCancel(context.Background())
	go func() { _, err := e.Wait(wctx, w); waited <- err }()

	// Only fds on the store's files count: the other tests of this
	// process open pipes and connections of their own meanwhile.
	threads0, fds0 := count(t, "/proc/self/task"), storeFDs(t)
	const within, tolerance = 30 * time.Second, 4
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		threads, fds := count(t, "/proc/self/task"), storeFDs(t)
		if threads > threads0+tolerance || fds > fds0+tolerance {
			t.Fatalf("after %v: %d threads (from %d), %d fds (from %d)",
				within-time.Until(deadline), threads, threads0, fds, fds0)
		}
		time.Sleep(time.Second) // a sampling interval, not a synchronisation
	}
	stopWaiting()
	if err := <-waited; !errors.Is(err, context.Canceled) {
		t.Errorf("Wait = %v, want context.Canceled", err)
	}
	for _, n := range []string{a, w} {
		if got := inspectField(t, n, "{{.State.Status}}"); got != "running" {
			t.Errorf("%s after the detach and the wait: %s", n, got)
		}
	}
}

func count(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// storeFDs counts this process's open files inside the shared store and
// its run directory (lock files among them).
func storeFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err == nil && (strings.HasPrefix(target, storeRoot) || strings.HasPrefix(target, engine.RunRootFor(storeRoot))) {
			n++
		}
	}
	return n
}
