package engine

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/lockfile"
)

// syncBuffer is a log the test reads while the shim writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func testShim(t *testing.T, status container.Status) (*shim, *syncBuffer) {
	t.Helper()
	e := &Engine{root: t.TempDir(), lockTimeout: 20 * time.Millisecond}
	id := strings.Repeat("ab", 32)
	dir := e.containerDir(id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteJSON(filepath.Join(dir, container.StateFile), &container.State{Status: status}, 0o600); err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	return &shim{e: e, r: &record{ID: id}, log: log, patience: time.Minute}, log
}

// TestShimRecordRetries: the exit of a container is recorded even when
// the container's lock is held for longer than one attempt waits, and
// the failed attempts are in the shim's log.
func TestShimRecordRetries(t *testing.T) {
	s, log := testShim(t, container.Running)
	l, err := lockfile.Acquire(filepath.Join(s.e.containerDir(s.r.ID), container.LockFile), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- s.record("exit", func(st *state) error {
			st.Status, st.ExitCode = container.Exited, 3
			return nil
		})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(log.String(), "recording exit") {
		if time.Now().After(deadline) {
			t.Fatal("no failed attempt logged while the lock was held")
		}
		time.Sleep(5 * time.Millisecond)
	}
	l.Unlock()
	if err := <-done; err != nil {
		t.Fatalf("record(exit) = %v", err)
	}
	st, err := s.e.loadState(s.r.ID)
	if err != nil || st.Status != container.Exited || st.ExitCode != 3 {
		t.Fatalf("state after record = %+v, %v", st, err)
	}
}

// TestShimRecordIllegal: an illegal change is not retried, is logged, and
// comes back as the TransitionError.
func TestShimRecordIllegal(t *testing.T) {
	s, log := testShim(t, container.Exited)
	err := s.record("pause", func(st *state) error { st.Status = container.Paused; return nil })
	var te *container.TransitionError
	if !errors.As(err, &te) {
		t.Fatalf("record(exited -> paused) = %v, want a TransitionError", err)
	}
	if n := strings.Count(log.String(), "recording pause"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, log.String())
	}
}

// TestShimRecordGivesUp: past its patience the shim stops trying and says so.
func TestShimRecordGivesUp(t *testing.T) {
	s, log := testShim(t, container.Running)
	s.patience = time.Nanosecond
	l, err := lockfile.Acquire(filepath.Join(s.e.containerDir(s.r.ID), container.LockFile), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if err := s.record("exit", func(st *state) error { return nil }); err == nil {
		t.Fatal("record succeeded while the lock was held")
	}
	if !strings.Contains(log.String(), "recording exit") {
		t.Errorf("failure not logged: %q", log.String())
	}
}
