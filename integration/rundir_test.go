package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/engine"
)

// TestRunDirOfDeletedStore: when a store is deleted, the next Open of any
// store removes its run directory (/run/berth-<hash>), but never one of a
// store that exists, one with something mounted under it, or an unnamed
// one that holds files.
func TestRunDirOfDeletedStore(t *testing.T) {
	t.Parallel()
	mk := func() string {
		d, err := os.MkdirTemp("", "berth-rundir-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	gone, mounted, live := mk(), mk(), tempStore(t)
	ok(t, "--root", gone, "bootstrap")
	ok(t, "--root", gone, "run", "--rm", "busybox", "true")
	ok(t, "--root", mounted, "ps")
	ok(t, "--root", live, "ps")
	runGone, runMounted, runLive := engine.RunRootFor(gone), engine.RunRootFor(mounted), engine.RunRootFor(live)
	if _, err := os.Stat(filepath.Join(runGone, "root")); err != nil {
		t.Fatalf("run directory does not name its store: %v", err)
	}
	// Something of a deleted store still mounted: a sweep must not descend.
	shm := filepath.Join(runMounted, "c", "x", "shm")
	os.MkdirAll(shm, 0o700)
	if err := unix.Mount("tmpfs", shm, "tmpfs", 0, "size=64k"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(shm, unix.MNT_DETACH); os.RemoveAll(runMounted) })
	os.WriteFile(filepath.Join(shm, "keep"), []byte("x"), 0o600)
	// Run directories that name no store: only empty directories, and
	// with a file.
	empty, full := "/run/berth-0000000e3e3e", "/run/berth-0000000f1f1f"
	for _, d := range []string{empty, full} {
		os.MkdirAll(filepath.Join(d, "c", "cni"), 0o700)
		t.Cleanup(func() { os.RemoveAll(d) })
	}
	os.WriteFile(filepath.Join(full, "c", "alloc"), []byte("10.0.0.2"), 0o600)
	old := time.Now().Add(-2 * time.Hour)
	for _, d := range []string{empty, full} {
		os.Chtimes(d, old, old)
	}
	// The deleted store's cgroup parent (named as its run directory) is
	// there now, and must go with the run directory.
	goneCgroups := cgroupDirsNamed(filepath.Base(runGone))
	if len(goneCgroups) == 0 {
		t.Fatalf("no cgroup parent %s after a run", filepath.Base(runGone))
	}
	os.RemoveAll(gone)
	os.RemoveAll(mounted)

	// Any Open sweeps; the --rm container's shim may still be cleaning up
	// (its mounts keep the directory busy) after run returned.
	eventually(t, 30*time.Second, "the deleted store's run directory swept", func() bool {
		ok(t, "--root", live, "ps")
		_, err := os.Stat(runGone)
		return os.IsNotExist(err)
	})
	if left := cgroupDirsNamed(filepath.Base(runGone)); len(left) > 0 {
		t.Errorf("the deleted store's cgroups are still there: %v", left)
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Errorf("empty unnamed run directory is still there: %v", err)
	}
	for _, p := range []string{filepath.Join(runLive, "root"), filepath.Join(shm, "keep"), filepath.Join(full, "c", "alloc")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("sweep removed %s: %v", p, err)
		}
	}
}

// cgroupDirsNamed lists the directories called name in the cgroup
// hierarchies, a few levels deep (where a store's cgroup parent is made:
// under the caller's cgroup or an ancestor).
func cgroupDirsNamed(name string) []string {
	var found []string
	root := "/sys/fs/cgroup"
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if d.Name() == name {
			found = append(found, p)
			return filepath.SkipDir
		}
		if strings.Count(strings.TrimPrefix(p, root), "/") >= 5 || (len(d.Name()) == 64 && p != root) {
			return filepath.SkipDir
		}
		return nil
	})
	return found
}
