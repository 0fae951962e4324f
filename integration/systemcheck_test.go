package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/lockfile"
)

// TestSystemCheck: a clean store passes; each planted problem is reported
// with its line and exit 1; --repair removes orphans and leftovers and
// leaves data something refers to.
func TestSystemCheck(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	b := func(args ...string) []string { return append([]string{"--root", root}, args...) }
	// A clean store passes. Cgroups are host-wide: a parallel test's
	// container being removed can show for a moment, so only lines
	// about this store are held against it.
	if r := berth(t, b("system", "check")...); r.code != 0 && strings.Trim(strings.ReplaceAll(r.stdout, "leaked cgroup", ""), "\n") == r.stdout {
		t.Fatalf("check of a clean store: %v", r)
	}

	blobs := filepath.Join(root, "oci", "blobs", "sha256")
	entries, err := os.ReadDir(blobs)
	if err != nil || len(entries) == 0 {
		t.Fatalf("blobs: %v", err)
	}
	// A corrupt blob (same size, other bytes): its digest no longer matches.
	victim := filepath.Join(blobs, entries[0].Name())
	data, _ := os.ReadFile(victim)
	os.Chmod(victim, 0o644)
	data[len(data)/2] ^= 0xff
	writeFile(t, victim, string(data))
	// An orphan snapshot and a stale name.
	os.MkdirAll(filepath.Join(root, "snapshots", strings.Repeat("0", 64)), 0o755)
	os.Symlink(strings.Repeat("9", 64), filepath.Join(root, "containers", ".names", "ghost"))
	// A leaked mount under the store.
	mp := filepath.Join(root, "volumes", "leak")
	os.MkdirAll(mp, 0o755)
	if err := syscall.Mount("tmpfs", mp, "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Unmount(mp, syscall.MNT_DETACH) })

	r := berth(t, b("system", "check")...)
	if r.code != 1 {
		t.Fatalf("check of a damaged store: %v", r)
	}
	for _, want := range []string{
		"blob sha256:" + entries[0].Name() + ": content has digest sha256:",
		"orphan snapshot " + strings.Repeat("0", 64),
		`name "ghost": its container 999999999999 does not exist`,
		"leaked mount " + mp,
	} {
		if !strings.Contains(r.stdout, want+"") {
			t.Errorf("check output lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := len(strings.Split(strings.TrimSpace(r.stdout), "\n")) - strings.Count(r.stdout, "leaked cgroup"); n != 4 {
		t.Errorf("%d lines for 4 problems:\n%s", n, r.stdout)
	}

	berth(t, b("system", "check", "--repair")...)
	r = berth(t, b("system", "check")...)
	var left []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if !strings.HasPrefix(l, "leaked cgroup") {
			left = append(left, l)
		}
	}
	if r.code != 1 || len(left) != 1 || !strings.Contains(left[0], "content has digest") {
		t.Errorf("after --repair only the corrupt blob (data, never removed) should remain: %v", r)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Errorf("--repair removed a referenced blob: %v", err)
	}
}

// TestSystemCheckNameIndex: the name index is checked against the
// records. A rename killed between its writes leaves an entry for the
// other name pointing at the container; an index that lost a container's
// entry lets a second container take its name; an interrupted entry write
// leaves a .tmp- link. check reports each, --repair removes the stale ones
// and restores the missing one, so that the name is taken again.
func TestSystemCheckNameIndex(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	b := func(args ...string) []string { return append([]string{"--root", root}, args...) }
	a := ok(t, b("create", "--name", "kt-a", "busybox", "true")...)
	ok(t, b("create", "--name", "kt-c", "busybox", "true")...)
	names := filepath.Join(root, "containers", ".names")
	os.Symlink(a, filepath.Join(names, "kt-b"))      // rename kt-a -> kt-b killed after the new entry
	os.Symlink(a, filepath.Join(names, ".tmp-kt-d")) // killed inside indexName
	if err := os.Remove(filepath.Join(names, "kt-c")); err != nil {
		t.Fatal(err)
	}
	r := berth(t, b("system", "check")...)
	if r.code != 1 {
		t.Fatalf("check of a damaged index: %v", r)
	}
	for _, want := range []string{
		`name "kt-b": its container ` + a[:12] + ` is named "kt-a"`,
		`its name "kt-c" is not in the name index`,
		"name index leftover " + filepath.Join(names, ".tmp-kt-d"),
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("check output lacks %q:\n%s", want, r.stdout)
		}
	}
	berth(t, b("system", "check", "--repair")...)
	if r := berth(t, b("system", "check")...); strings.Contains(r.stdout, "name") {
		t.Errorf("after --repair: %v", r)
	}
	fails(t, 125, []string{`"kt-c"`, "already in use"}, b("create", "--name", "kt-c", "busybox", "true")...)
	ok(t, b("create", "--name", "kt-b", "busybox", "true")...)
}

// TestSystemCheckOrphanBlob: a writer (pull, load, commit, build) killed
// between committing a blob and the index entry naming it leaves a blob
// no image reaches. check holds the store lock, under which every writer
// works, so it is garbage: swept, not reported, and images stay whole.
func TestSystemCheckOrphanBlob(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	b := func(args ...string) []string { return append([]string{"--root", root}, args...) }
	blobs := filepath.Join(root, "oci", "blobs", "sha256")
	before, _ := os.ReadDir(blobs)
	data := []byte("a layer of a build killed before its index write\n")
	sum := sha256.Sum256(data)
	orphan := filepath.Join(blobs, hex.EncodeToString(sum[:]))
	if err := os.WriteFile(orphan, data, 0o444); err != nil {
		t.Fatal(err)
	}
	if r := berth(t, b("system", "check")...); strings.Contains(r.stdout, "blob") {
		t.Errorf("check reported the garbage blob: %v", r)
	}
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("check left the orphan blob: %v", err)
	}
	if after, _ := os.ReadDir(blobs); len(after) != len(before) {
		t.Errorf("%d blobs after check, %d before", len(after), len(before))
	}
	ok(t, b("run", "--rm", "busybox", "true")...)
}

// TestSystemCheckShimAtWork: a --rm container's shim unmounts its root
// filesystem and network namespace after `run --rm` removed the record
// (killtrials: "leaked mount .../merged" and ".../netns" while it did).
// While a shim holds the run directory's lock, its mounts are its work,
// not a leak; once the lock is free they are swept.
func TestSystemCheckShimAtWork(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	b := func(args ...string) []string { return append([]string{"--root", root}, args...) }
	ok(t, b("ps", "-a")...) // makes the run directory
	dir := filepath.Join(engine.RunRootFor(root), "c", strings.Repeat("cd", 32))
	mp := filepath.Join(dir, "merged")
	if err := os.MkdirAll(mp, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", mp, "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Unmount(mp, syscall.MNT_DETACH) })
	l, err := lockfile.Acquire(filepath.Join(dir, "shim.lock"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if r := berth(t, b("system", "check")...); strings.Contains(r.stdout, "leaked mount") {
		t.Errorf("check called the mount of a shim at work leaked: %v", r)
	}
	l.Unlock()
	// Now it is a leak: the next open's reconcile or --repair ends it.
	berth(t, b("system", "check", "--repair")...)
	if mi, _ := os.ReadFile("/proc/self/mountinfo"); strings.Contains(string(mi), mp) {
		t.Errorf("the mount %s outlived its shim's lock and --repair", mp)
	}
	if r := berth(t, b("system", "check")...); r.code != 0 {
		t.Errorf("check after --repair: %v", r)
	}
}

// TestRenameKilledIndexPruned: a rename killed between its writes leaves
// an entry of the name the container does not have (killtrials: rename
// 3 of 30), and its .tmp-rename-<id> marker; the next command's
// reconcile prunes the entry, so check finds the store whole and the
// name is free again.
func TestRenameKilledIndexPruned(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	b := func(args ...string) []string { return append([]string{"--root", root}, args...) }
	names := filepath.Join(root, "containers", ".names")
	for _, c := range []struct{ name, stale string }{
		{"kt-a", "kt-b"}, // killed after the new name's entry
		{"kt-d", "kt-c"}, // killed after the record (created as kt-c, renamed to kt-d)
	} {
		id := ok(t, b("create", "--name", c.stale, "busybox", "true")...)
		if c.name != c.stale {
			ok(t, b("rename", c.stale, c.name)...)
		}
		os.Remove(filepath.Join(names, c.stale))
		if err := os.Symlink(id, filepath.Join(names, c.stale)); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(root, "containers", ".tmp-rename-"+id), "")
	}
	ok(t, b("ps", "-a")...)
	if r := berth(t, b("system", "check")...); r.code != 0 {
		t.Errorf("check after the killed renames: %v", r)
	}
	for _, n := range []string{"kt-b", "kt-c"} {
		if _, err := os.Lstat(filepath.Join(names, n)); !os.IsNotExist(err) {
			t.Errorf("stale entry %s kept: %v", n, err)
		}
		ok(t, b("create", "--name", n, "busybox", "true")...)
	}
	fails(t, 125, []string{`"kt-a"`, "already in use"}, b("create", "--name", "kt-a", "busybox", "true")...)
	fails(t, 125, []string{`"kt-d"`, "already in use"}, b("create", "--name", "kt-d", "busybox", "true")...)
}
