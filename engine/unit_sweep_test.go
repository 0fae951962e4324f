package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berthdev/berth/internal/lockfile"
	"github.com/berthdev/berth/internal/testutil"
)

// TestUnitSweepCgroups: reconcile removes a berth/<id> cgroup whose
// container is down or unknown to every store, and keeps the cgroups of
// containers that run, are starting (shim lock held) or belong to another
// store (its run directory holds the ID). The cgroup tree is a fake one
// of plain directories.
func TestUnitSweepCgroups(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	down := mustCreate(t, e, noNet("down"))
	setState(t, e, down, running)
	setState(t, e, down, exited(0))
	never := mustCreate(t, e, noNet("never"))
	up := mustCreate(t, e, noNet("up"))
	setState(t, e, up, running)
	starting := mustCreate(t, e, noNet("starting"))
	os.MkdirAll(e.runDir(starting), 0o700)
	l, err := lockfile.Acquire(filepath.Join(e.runDir(starting), "shim.lock"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	stranger := strings.Repeat("5", 64)   // in no store
	otherStore := strings.Repeat("6", 64) // another store's, by its run directory
	os.MkdirAll(filepath.Join(e.runRoot, "c", otherStore), 0o700)

	tree := filepath.Join(t.TempDir(), "berth")
	var dirs []cgroupDir
	for _, id := range []string{down, never, up, starting, stranger, otherStore} {
		p := filepath.Join(tree, id)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, cgroupDir{id, p})
	}
	e.cgroups = func() []cgroupDir { return dirs }
	ids, _ := e.containerIDs()
	known := map[string]bool{}
	for _, id := range ids {
		known[id] = true
	}
	e.sweepCgroups(known)
	for id, want := range map[string]bool{down: false, never: false, stranger: false, up: true, starting: true, otherStore: true} {
		_, err := os.Stat(filepath.Join(tree, id))
		if kept := err == nil; kept != want {
			t.Errorf("cgroup of %.12s: kept %v, want %v", id, kept, want)
		}
	}
}

// TestUnitRunDirSweep: the run directories of deleted stores are removed,
// and never one whose store exists, one with live containers, one that is
// not berth's (no root file naming it) or holds files of unknown owner.
func TestUnitRunDirSweep(t *testing.T) {
	parent := t.TempDir()
	mk := func(root string, files ...string) string {
		dir := filepath.Join(parent, filepath.Base(RunRootFor(root)))
		os.MkdirAll(dir, 0o700)
		os.WriteFile(filepath.Join(dir, runDirRootFile), []byte(root+"\n"), 0o644)
		for _, f := range files {
			os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o700)
			os.WriteFile(filepath.Join(dir, f), nil, 0o600)
		}
		return dir
	}
	existing := t.TempDir()
	gone := mk("/nonexistent/store-gone")
	kept := mk(existing)
	live := mk("/nonexistent/store-live", "live/"+strings.Repeat("1", 64))
	wrongRoot := filepath.Join(parent, "berth-0123456789ab")
	os.MkdirAll(wrongRoot, 0o700)
	os.WriteFile(filepath.Join(wrongRoot, runDirRootFile), []byte("/somewhere/else\n"), 0o644)
	unknown := filepath.Join(parent, "berth-ba9876543210")
	os.MkdirAll(filepath.Join(unknown, "c"), 0o700)
	os.WriteFile(filepath.Join(unknown, "c", "f"), nil, 0o600)
	notOurs := filepath.Join(parent, "other-dir")
	os.MkdirAll(notOurs, 0o700)
	own := mk("/nonexistent/own")

	sweepRunDirs(parent, own)
	// gone's root file names /run/berth-<hash>, not this directory: not a
	// run directory berth made here, so kept. TestRunDirSweepRemovesDeletedStore
	// sweeps /run itself.
	for dir, want := range map[string]bool{gone: true, kept: true, live: true, wrongRoot: true, unknown: true, notOurs: true, own: true} {
		_, err := os.Stat(dir)
		if exists := err == nil; exists != want {
			t.Errorf("%s: exists %v after the sweep, want %v", filepath.Base(dir), exists, want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(parent, ".rm-*")); len(left) != 0 {
		t.Errorf("sweep left %v", left)
	}
}

// TestRunDirSweepRemovesDeletedStore: in /run, the run directory of a
// store that no longer exists is removed.
func TestRunDirSweepRemovesDeletedStore(t *testing.T) {
	testutil.RequiresRoot(t)
	root := filepath.Join(t.TempDir(), "deleted-store")
	dir := RunRootFor(root)
	if err := os.MkdirAll(filepath.Join(dir, "c"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.WriteFile(filepath.Join(dir, runDirRootFile), []byte(root+"\n"), 0o644)
	sweepRunDirs(filepath.Dir(dir), "")
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("run directory %s of a deleted store still there: %v", dir, err)
	}
}

// TestUnitIntrospect: the views of a running container's init read
// /proc/<pid>; here the test process stands in for the init. Network
// enters the init's network namespace (setns), which needs root.
func TestUnitIntrospect(t *testing.T) {
	testutil.RequiresRoot(t)
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	id := mustCreate(t, e, noNet("self"))
	setState(t, e, id, func(s *state) { running(s); s.Pid = os.Getpid() })
	if ns, err := e.Namespaces("self"); err != nil || len(ns) == 0 {
		t.Errorf("Namespaces = %v, %v", ns, err)
	}
	if m, err := e.Mounts("self"); err != nil || m == nil {
		t.Errorf("Mounts = %v, %v", m, err)
	}
	if n, err := e.Network("self"); err != nil || !n.Host {
		t.Errorf("Network = %+v, %v; want the host's namespace recognised", n, err)
	}
	if s, err := e.Security("self"); err != nil || s == nil {
		t.Errorf("Security = %v, %v", s, err)
	}
	mustCreate(t, e, noNet("idle"))
	for name, f := range map[string]func() error{
		"Namespaces": func() error { _, err := e.Namespaces("idle"); return err },
		"Mounts":     func() error { _, err := e.Mounts("idle"); return err },
		"Network":    func() error { _, err := e.Network("idle"); return err },
		"Security":   func() error { _, err := e.Security("idle"); return err },
		"Processes":  func() error { _, err := e.Processes("idle"); return err },
		"TopPS":      func() error { _, err := e.TopPS("idle", nil); return err },
		"Stats":      func() error { _, err := e.Stats("idle"); return err },
	} {
		if err := f(); err == nil || !strings.Contains(err.Error(), "idle") {
			t.Errorf("%s(idle) = %v, want an error naming the stopped container", name, err)
		}
	}
}

// TestSecureDirRefuses: the store directory is refused when it, or a
// directory on its way, could be written by another user: group or world
// writable, owned by another uid, or reached through another user's
// symbolic link; a root-owned sticky /tmp on the way is fine.
func TestSecureDirRefuses(t *testing.T) {
	testutil.RequiresRoot(t)
	base := t.TempDir()
	os.Chmod(base, 0o700)
	ok := filepath.Join(base, "ok", "store")
	if err := secureDir(ok, true); err != nil {
		t.Fatalf("secureDir(%s) = %v", ok, err)
	}
	if fi, err := os.Stat(ok); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("secureDir made %s with %v, %v; want 0700", ok, fi.Mode(), err)
	}
	gw := filepath.Join(base, "gw")
	os.Mkdir(gw, 0o700)
	os.Chmod(gw, 0o770)
	other := filepath.Join(base, "other")
	os.Mkdir(other, 0o700)
	os.Chown(other, 1234, 1234)
	link := filepath.Join(base, "link")
	os.Symlink(ok, link)
	os.Lchown(link, 1234, 1234)
	mine := filepath.Join(base, "mine")
	os.Symlink("ok/store", mine)
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o600)
	loop := filepath.Join(base, "loop")
	os.Symlink("loop", loop)
	for _, c := range []struct {
		dir  string
		want string
	}{
		{filepath.Join(gw, "s"), "writable by group or others"},
		{filepath.Join(other, "s"), "owned by uid 1234"},
		{link, "symbolic link owned by uid 1234"},
		{file, "not a directory"},
		{loop, "too many symbolic links"},
		{"relative/dir", "not an absolute path"},
	} {
		if err := secureDir(c.dir, true); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("secureDir(%s) = %v, want an error saying %q", c.dir, err, c.want)
		}
	}
	for _, d := range []string{mine, filepath.Join(base, "ok", "..", "ok", "store")} {
		if err := secureDir(d, false); err != nil {
			t.Errorf("secureDir(%s) = %v, want it accepted", d, err)
		}
	}
}
