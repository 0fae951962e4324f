package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Names are found through the store's name index (engine/nameindex.go): a
// store made before the index gets one when it is upgraded, and a stale entry
// (left by a crash) never blocks a name.
func TestNameIndex(t *testing.T) {
	root := tempStore(t)
	in := func(args ...string) result { return berthIn(t, "", append([]string{"--root", root}, args...)...) }
	must := func(args ...string) string {
		t.Helper()
		r := in(args...)
		if r.code != 0 {
			t.Fatalf("berth %s: %v", strings.Join(args, " "), r)
		}
		return strings.TrimSpace(r.stdout)
	}
	must("bootstrap")
	must("create", "--name", "first", "--network", "none", "busybox", "true")
	must("create", "--name", "second", "--network", "none", "busybox", "true")

	// A store of schema version 1 (an earlier berth's, without the index)
	// gets it when it is upgraded.
	names := filepath.Join(root, "containers", ".names")
	if err := os.RemoveAll(names); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "VERSION"), []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	must("ps", "-a")
	if v, _ := os.ReadFile(filepath.Join(root, "VERSION")); string(v) != "3\n" {
		t.Errorf("VERSION after the upgrade: %q", v)
	}
	if r := in("create", "--name", "first", "--network", "none", "busybox", "true"); r.code == 0 || !strings.Contains(r.stderr, "already in use") {
		t.Fatalf("a name from before the index was free again: %v", r)
	}
	if got := must("inspect", "-f", "{{.Name}}", "second"); got != "/second" {
		t.Fatalf("inspect second by name: %q", got)
	}

	// Rename moves the name; the old one is free.
	must("rename", "first", "third")
	must("create", "--name", "first", "--network", "none", "busybox", "true")
	if r := in("create", "--name", "third", "--network", "none", "busybox", "true"); r.code == 0 {
		t.Fatal("a renamed container's new name was free")
	}

	// A stale entry (its container gone) does not hold a name.
	if err := os.Symlink(strings.Repeat("ab", 32), filepath.Join(names, "ghost")); err != nil {
		t.Fatal(err)
	}
	must("create", "--name", "ghost", "--network", "none", "busybox", "true")
	must("rm", "ghost", "first", "second", "third")
	if entries, _ := os.ReadDir(names); len(entries) != 0 {
		t.Errorf("index entries left after rm: %d", len(entries))
	}
}
