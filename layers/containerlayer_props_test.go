package layers

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
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

// upperTarHeaders is WriteUpperTar of upper, its headers by name.
func upperTarHeaders(t *testing.T, upper string) map[string]*tar.Header {
	t.Helper()
	var b bytes.Buffer
	if err := WriteUpperTar(&b, upper); err != nil {
		t.Fatalf("WriteUpperTar = %v", err)
	}
	out := map[string]*tar.Header{}
	tr := tar.NewReader(&b)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[hdr.Name] = hdr
	}
}

// TestCommitKeepsHardLinksAndXattrs: a committed layer keeps what the
// container made: two names of one file stay one file (a hard link in the
// tarball, not two copies), a symlink keeps its target, and a file's
// extended attributes (a file capability, a user attribute, one set
// without a value) go with it, while overlayfs' own
// trusted.overlay.* attributes, which would steer the overlay mount of
// whoever runs the image, never do.
func TestCommitKeepsHardLinksAndXattrs(t *testing.T) {
	newStore(t) // root, for trusted.* xattrs
	upper := t.TempDir()
	a, b, c := filepath.Join(upper, "a"), filepath.Join(upper, "b"), filepath.Join(upper, "c")
	if err := os.WriteFile(a, []byte("shared"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(a, b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c, []byte("alone"), 0o644); err != nil {
		t.Fatal(err)
	}
	capability := "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" // cap_net_bind_service+ep
	if err := os.Symlink("../some/where", filepath.Join(upper, "l")); err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string]string{"security.capability": capability, "user.note": "kept", "user.flag": "", "trusted.overlay.redirect": "/elsewhere"} {
		if err := unix.Lsetxattr(c, name, []byte(value), 0); err != nil {
			t.Fatalf("setxattr %s: %v", name, err)
		}
	}
	hdrs := upperTarHeaders(t, upper)
	if h := hdrs["a"]; h == nil || h.Typeflag != tar.TypeReg || h.Size != 6 {
		t.Errorf("a = %+v, want the file with its 6 bytes", h)
	}
	if h := hdrs["b"]; h == nil || h.Typeflag != tar.TypeLink || h.Linkname != "a" || h.Size != 0 {
		t.Errorf("b = %+v, want a hard link to a", h)
	}
	h := hdrs["c"]
	if h == nil || h.Typeflag != tar.TypeReg {
		t.Fatalf("c = %+v, want a regular file", h)
	}
	if h.PAXRecords["SCHILY.xattr.security.capability"] != capability || h.PAXRecords["SCHILY.xattr.user.note"] != "kept" {
		t.Errorf("c's xattrs = %q, want its capability and user.note", h.PAXRecords)
	}
	if v, ok := h.PAXRecords["SCHILY.xattr.user.flag"]; !ok || v != "" {
		t.Errorf("c's xattrs = %q, want user.flag with its empty value (an attribute set without a value is still set)", h.PAXRecords)
	}
	if l := hdrs["l"]; l == nil || l.Typeflag != tar.TypeSymlink || l.Linkname != "../some/where" {
		t.Errorf("l = %+v, want the symlink to ../some/where", l)
	}
	if _, ok := h.PAXRecords["SCHILY.xattr.trusted.overlay.redirect"]; ok {
		t.Errorf("c's xattrs = %q: overlayfs' own attribute is in the layer", h.PAXRecords)
	}
	for k := range hdrs["a"].PAXRecords {
		if strings.HasPrefix(k, "SCHILY.xattr.") {
			t.Errorf("a file without xattrs has %s", k)
		}
	}
}
