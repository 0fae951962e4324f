package lockfile

import (
	"errors"
	"io/fs"
	"os"
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

// A holder's command line is shown whole up to 120 characters and cut,
// with "...", beyond.
func TestHolderCommandLineCut(t *testing.T) {
	testutil.RequiresCommand(t, "sleep")
	for _, tt := range []struct {
		args []string // sleep sums its arguments: "0" and "00" add nothing
		want string
	}{
		{append([]string{"10"}, strings.Fields(strings.Repeat("0 ", 56))...), "sleep 10" + strings.Repeat(" 0", 56)},
		{append([]string{"10", "00"}, strings.Fields(strings.Repeat("0 ", 55))...), ("sleep 10 00" + strings.Repeat(" 0", 55))[:120] + "..."},
	} {
		cmd := exec.Command("sleep", tt.args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Until sleep has exec'd, /proc shows the forked test binary.
		var got string
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if got = cmdline(cmd.Process.Pid); strings.HasPrefix(got, "sleep") || time.Now().After(deadline) {
				break
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
		if got != tt.want {
			t.Errorf("cmdline of a %d-character command line = %q (%d), want %q", len(strings.Join(append([]string{"sleep"}, tt.args...), " ")), got, len(got), tt.want)
		}
	}
}

// TestHeldProbes: Held tells a held lock from a free one without taking
// it and without making the file (Acquire as a test made shim.lock where
// there was none and wrote itself in as the holder).
func TestHeldProbes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	if held, err := Held(path); held || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Held(missing) = %v, %v; want false and ErrNotExist", held, err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Held made %s: %v", path, err)
	}
	l, err := Acquire(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	record, _ := os.ReadFile(path)
	for i := 0; i < 2; i++ {
		if held, err := Held(path); !held || err != nil {
			t.Fatalf("Held while locked = %v, %v", held, err)
		}
	}
	if now, _ := os.ReadFile(path); string(now) != string(record) {
		t.Errorf("Held changed the holder record %q to %q", record, now)
	}
	l.Unlock()
	if held, err := Held(path); held || err != nil {
		t.Fatalf("Held after Unlock = %v, %v", held, err)
	}
	// The probe leaves the lock free: Acquire at once succeeds.
	l, err = Acquire(path, 0)
	if err != nil {
		t.Fatalf("Acquire after Held = %v", err)
	}
	l.Unlock()
	// A symlink is not followed (an attacker's link to a held lock).
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if held, err := Held(link); held || err == nil {
		t.Errorf("Held(symlink) = %v, %v; want an error", held, err)
	}
}
