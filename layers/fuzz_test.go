package layers

import (
	"archive/tar"
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berthdev/berth/internal/testutil"
	"github.com/berthdev/berth/layers/hostiletest"
)

// The fuzz targets of the unpacker. `go test` runs their seeds (in `make
// test`); `make fuzz` runs each for longer.

// FuzzWhiteoutTarget: an accepted whiteout names one plain path element
// of its own directory, never ".", "..", "", a path or another whiteout.
func FuzzWhiteoutTarget(f *testing.F) {
	for _, s := range []string{".wh.a", ".wh.", ".wh..", ".wh...", ".wh..wh..opq", ".wh..wh.plnk", ".wh..wh..opq2", ".wh.a/b", ".wh.\x00", ".wh..wh", ".wh.... "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, base string) {
		if !strings.HasPrefix(base, whiteoutPrefix) {
			return
		}
		target, opaque, err := whiteoutTarget(base)
		if err != nil {
			return
		}
		if opaque {
			if base != whiteoutOpaque {
				t.Fatalf("whiteoutTarget(%q) = opaque", base)
			}
			return
		}
		if target == "" || target == "." || target == ".." || strings.ContainsAny(target, "/\x00") || strings.HasPrefix(target, whiteoutPrefix) {
			t.Fatalf("whiteoutTarget(%q) = %q, accepted", base, target)
		}
		if path.Clean(target) != target || path.Base(target) != target {
			t.Fatalf("whiteoutTarget(%q) = %q, not one clean element", base, target)
		}
	})
}

// FuzzCheckEntry: whatever two entries are, an accepted name is clean,
// relative and beneath the root, passes through no symlink of the
// archive, and an accepted hard link points at an earlier file.
func FuzzCheckEntry(f *testing.F) {
	f.Add("l", byte(tar.TypeSymlink), "/etc", "l/x", byte(tar.TypeReg), "")
	f.Add("a/f", byte(tar.TypeReg), "", "h", byte(tar.TypeLink), "a/f")
	f.Add("a", byte(tar.TypeSymlink), "..", "h", byte(tar.TypeLink), "a/f")
	f.Add(".wh...", byte(tar.TypeReg), "", "../x", byte(tar.TypeReg), "")
	f.Add("./", byte(tar.TypeDir), "", "x/../../y", byte(tar.TypeLink), "../../etc/passwd")
	f.Add(".wh.x", byte(tar.TypeReg), "", "h", byte(tar.TypeLink), ".wh.x")
	f.Fuzz(func(t *testing.T, n1 string, t1 byte, l1, n2 string, t2 byte, l2 string) {
		seen := newEntrySet()
		for _, h := range []*tar.Header{{Name: n1, Typeflag: t1, Linkname: l1}, {Name: n2, Typeflag: t2, Linkname: l2}} {
			name, err := checkEntry(h, seen)
			if err != nil || name == "" {
				continue
			}
			if name != "." && (path.IsAbs(name) || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") || len(name) > maxNameLen) {
				t.Fatalf("checkEntry(%q) = %q, accepted", h.Name, name)
			}
			if throughSymlink(name, seen) {
				t.Fatalf("checkEntry(%q): accepted through a symlink", h.Name)
			}
			base := path.Base(name)
			if strings.HasPrefix(base, whiteoutPrefix) {
				if _, _, err := whiteoutTarget(base); err != nil {
					t.Fatalf("checkEntry(%q): accepted a bad whiteout: %v", h.Name, err)
				}
			}
			if h.Typeflag == tar.TypeLink {
				target, err := cleanName(h.Linkname)
				if err != nil || strings.HasPrefix(target, "../") {
					t.Fatalf("checkEntry(%q): hard link to %q accepted", h.Name, h.Linkname)
				}
			}
		}
	})
}

// FuzzExtract unpacks arbitrary bytes (decompressed as a layer is, with a
// small size limit) into a root with a sentinel directory beside it:
// whether it fails or not, nothing outside the root is ever touched.
func FuzzExtract(f *testing.F) {
	testutil.RequiresRoot(f)
	if files, err := filepath.Glob(filepath.Join("testdata", "hostile", "*")); err == nil {
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add(makeTar(f, dir("d/"), reg("d/f", "x"), symlink("d/l", "../.."), hardlink("h", "d/f"), reg("d/.wh.f", ""), reg("d/.wh..wh..opq", "")))
	f.Add(hostiletest.SparseBomb("s", 1<<20))
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		root := filepath.Join(parent, "root")
		sentinel := filepath.Join(parent, "sentinel")
		for _, d := range []string{root, sentinel} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(sentinel, "keep"), []byte("sentinel"), 0o644); err != nil {
			t.Fatal(err)
		}
		s := &Store{limits: Limits{MaxSize: 4 << 20}.withDefaults()}
		r, closeR, err := s.decompressBounded(bytes.NewReader(data), int64(len(data)))
		if err == nil {
			extract(r, root)
			closeR()
		}
		if names := readDirNames(parent); len(names) != 2 {
			t.Fatalf("beside the root: %v", names)
		}
		if names := readDirNames(sentinel); len(names) != 1 {
			t.Fatalf("sentinel holds %v", names)
		}
		if b, err := os.ReadFile(filepath.Join(sentinel, "keep")); err != nil || string(b) != "sentinel" {
			t.Fatalf("sentinel/keep = %q, %v", b, err)
		}
		if fi, err := os.Lstat(root); err != nil || !fi.IsDir() {
			t.Fatalf("root = %v, %v", fi, err)
		}
	})
}
