package lockfile

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/testutil"
)

func TestAcquireNamesHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	l, err := Acquire(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// A second open file description conflicts even within one process.
	_, err = Acquire(path, 50*time.Millisecond)
	if !errors.Is(err, errdefs.ErrUnavailable) || !strings.Contains(err.Error(), "is locked by pid") {
		t.Fatalf("Acquire while held = %v", err)
	}
	l.Unlock()
	l2, err := Acquire(path, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("Acquire after Unlock = %v", err)
	}
	l2.Unlock()
}

func TestHolderFromProcLocks(t *testing.T) {
	testutil.RequiresCommand(t, "flock")
	path := filepath.Join(t.TempDir(), "lock")
	cmd := exec.Command("flock", path, "sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(Holder(path), "sleep") && !strings.Contains(Holder(path), "flock") {
		if time.Now().After(deadline) {
			t.Fatalf("Holder = %q", Holder(path))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
