package lockfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

func TestAcquireRecordsHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	if err := os.WriteFile(path, []byte("1 a much longer record left by an earlier holder of the lock\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(path, time.Second)
	if err != nil {
		t.Fatalf("Acquire = %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d %s\n", os.Getpid(), cmdline(os.Getpid()))
	if string(data) != want {
		t.Fatalf("holder record = %q, want %q", data, want)
	}
	// While held, a waiter is told who holds it.
	_, err = Acquire(path, 10*time.Millisecond)
	if !errdefs.Is(err, errdefs.ErrUnavailable) || !strings.Contains(err.Error(), fmt.Sprintf("locked by pid %d (", os.Getpid())) {
		t.Fatalf("Acquire while held = %v, want ErrUnavailable naming pid %d", err, os.Getpid())
	}
	if err := l.Unlock(); err != nil {
		t.Fatalf("Unlock = %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatalf("second Unlock = %v", err)
	}
}

func TestHolderFromRecord(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ record, want string }{
		{"4242 berth pull busybox\n", "pid 4242 (berth pull busybox)"},
		{"4242\n", "pid 4242"},
		{"", "another process"},
	} {
		path := filepath.Join(dir, "lock")
		if err := os.WriteFile(path, []byte(tt.record), 0o644); err != nil {
			t.Fatal(err)
		}
		// Nobody holds a flock on it, so only the record can say.
		if got := Holder(path); got != tt.want {
			t.Errorf("Holder with record %q = %q, want %q", tt.record, got, tt.want)
		}
	}
	if got := Holder(filepath.Join(dir, "missing")); got != "another process" {
		t.Errorf("Holder of a missing file = %q", got)
	}
}

// A flock that fails for another reason than contention fails at once
// with that reason; it is not retried until the deadline and reported as
// "locked by".
func TestRealFlockErrorIsNotContention(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Close() // flock(-1) fails with EBADF
	err = lock(f, path, 10*time.Second)
	if !errors.Is(err, unix.EBADF) || errdefs.Is(err, errdefs.ErrUnavailable) {
		t.Fatalf("lock of a closed file = %v, want EBADF and not ErrUnavailable", err)
	}
}
