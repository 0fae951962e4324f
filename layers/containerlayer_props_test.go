package layers

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestUpperChangesAreTheContainersLayer: every change docker diff (and the
// TUI's file tree) reports from a writable layer is attributed to the
// container's layer (-1), never to an image layer: added, modified,
// removed by a whiteout, and hidden by an opaque directory alike. A
// changed file reports its size; a directory, a symlink or a device none.
func TestUpperChangesAreTheContainersLayer(t *testing.T) {
	newStore(t) // root, for whiteouts and trusted.* xattrs
	lower, upper := t.TempDir(), t.TempDir()
	for _, p := range []string{"etc", "var/cache", "gone"} {
		os.MkdirAll(filepath.Join(lower, p), 0o755)
	}
	os.WriteFile(filepath.Join(lower, "etc/conf"), []byte("old"), 0o644)
	os.WriteFile(filepath.Join(lower, "var/cache/x"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(upper, "etc"), 0o755)
	os.WriteFile(filepath.Join(upper, "etc/conf"), []byte("twelve bytes"), 0o644)
	os.Symlink("/some/where/far", filepath.Join(upper, "etc/link"))
	os.MkdirAll(filepath.Join(upper, "var/cache"), 0o755)
	if err := unix.Lsetxattr(filepath.Join(upper, "var/cache"), overlayOpaqueXA, []byte("y"), 0); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(upper, "gone"), unix.S_IFCHR, 0); err != nil {
		t.Fatal(err)
	}
	changes, err := UpperChanges(upper, []string{lower})
	if err != nil {
		t.Fatalf("UpperChanges = %v", err)
	}
	want := map[string]struct {
		change ChangeKind
		typ    FileType
		size   int64
	}{
		"/etc":         {ChangeModified, TypeDir, 0},
		"/etc/conf":    {ChangeModified, TypeFile, 12},
		"/etc/link":    {ChangeAdded, TypeSymlink, 0},
		"/gone":        {ChangeRemoved, TypeDir, 0},
		"/var":         {ChangeModified, TypeDir, 0},
		"/var/cache":   {ChangeModified, TypeDir, 0},
		"/var/cache/x": {ChangeRemoved, TypeFile, 0},
	}
	if len(changes) != len(want) {
		t.Errorf("UpperChanges = %+v, want %d entries", changes, len(want))
	}
	for _, c := range changes {
		w, ok := want[c.Path]
		if !ok {
			t.Errorf("UpperChanges lists %+v, not a change", c)
			continue
		}
		if c.Layer != -1 {
			t.Errorf("%s: layer %d, want -1 (the container's)", c.Path, c.Layer)
		}
		if c.Change != w.change || c.Type != w.typ || c.Size != w.size {
			t.Errorf("%s: %s %s size %d, want %s %s size %d", c.Path, c.Change.Letter(), c.Type, c.Size, w.change.Letter(), w.typ, w.size)
		}
	}
}

// TestLowerLookupAsOverlay: a path of the image is found as overlayfs
// finds it: a file (or a whiteout) in a higher layer hides a lower
// directory of the same name with everything in it, an opaque directory
// hides what is below it, and a path absent from a higher layer is found
// in a lower one.
func TestLowerLookupAsOverlay(t *testing.T) {
	newStore(t) // root, for whiteouts and trusted.* xattrs
	top, bottom := t.TempDir(), t.TempDir()
	for _, p := range []string{"file-over-dir/x", "opaque/x", "kept/x", "whited/x"} {
		os.MkdirAll(filepath.Join(bottom, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(bottom, p), []byte("lower"), 0o644)
	}
	os.WriteFile(filepath.Join(top, "file-over-dir"), []byte("a file now"), 0o644)
	os.MkdirAll(filepath.Join(top, "opaque"), 0o755)
	if err := unix.Lsetxattr(filepath.Join(top, "opaque"), overlayOpaqueXA, []byte("y"), 0); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(top, "whited"), unix.S_IFCHR, 0); err != nil {
		t.Fatal(err)
	}
	lowers := []string{top, bottom}
	for rel, want := range map[string]bool{
		"file-over-dir/x": false,
		"opaque/x":        false,
		"whited/x":        false,
		"whited":          false,
		"kept/x":          true,
		"file-over-dir":   true,
		"absent/x":        false,
	} {
		if _, _, got := lowerLookup(lowers, rel); got != want {
			t.Errorf("lowerLookup(%s) found = %v, want %v", rel, got, want)
		}
	}
	if _, full, _ := lowerLookup(lowers, "kept/x"); full != filepath.Join(bottom, "kept/x") {
		t.Errorf("lowerLookup(kept/x) = %s, want the bottom layer's", full)
	}
}
