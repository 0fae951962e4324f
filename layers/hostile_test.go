package layers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/layers/hostiletest"
)

// treeState lists everything under root: each path with its type, mode,
// owner, size, link target and a digest of its content, so that any
// change to the store (a file removed, added, replaced or rewritten) shows.
func treeState(t *testing.T, root string) string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		st := fi.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %v %d:%d %d", rel, fi.Mode(), st.Uid, st.Gid, st.Rdev)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			line += fmt.Sprintf(" %d %s", len(data), hex.EncodeToString(sum[:8]))
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", root, err)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// plantSentinel makes the directory the corpus aims at, next to dir.
func plantSentinel(t *testing.T, dir string) string {
	t.Helper()
	sentinel := filepath.Join(dir, hostiletest.Sentinel)
	if err := os.MkdirAll(sentinel, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sentinel, hostiletest.SentinelFile), []byte("sentinel"), 0o644); err != nil {
		t.Fatal(err)
	}
	return sentinel
}

// storeHostile stores c's image as a registry or an archive would hand it
// over, without the checks of ingest: what a snapshot must then survive.
func storeHostile(t *testing.T, s *Store, c hostiletest.Case) *Image {
	t.Helper()
	img, err := hostiletest.Image(c)
	if err != nil {
		t.Fatalf("hostiletest.Image(%s) = %v", c.Name, err)
	}
	if err := layout.Path(s.oci).AppendImage(img, layout.WithAnnotations(map[string]string{AnnotationRefName: "docker.io/library/hostile:latest"})); err != nil {
		t.Fatalf("AppendImage(%s) = %v", c.Name, err)
	}
	// as a pull records it, so that Resolve need not read the layer
	if err := s.recordDiffSize(c.DiffID, int64(len(c.Blob))); err != nil {
		t.Fatal(err)
	}
	got, err := s.Resolve("hostile")
	if err != nil {
		t.Fatalf("Resolve = %v", err)
	}
	return got
}

// nothingOutside checks the places a hostile layer aims at.
func nothingOutside(t *testing.T) {
	t.Helper()
	for _, p := range []string{hostiletest.Absolute, "/x", "/keep"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}
}

// TestHostileCorpus runs every case of the corpus through the Go API's
// three ways of reading a layer: Import (ingest), the snapshot a container
// runs on, and `layers extract`. Each fails with its exact error line,
// leaves the store exactly as it was, and writes nothing outside (the
// sentinel directory next to the snapshot is unchanged).
func TestHostileCorpus(t *testing.T) {
	for _, c := range hostiletest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			if !c.ClaimsOnly {
				t.Run("import", func(t *testing.T) { hostileImport(t, c) })
			}
			t.Run("snapshot", func(t *testing.T) { hostileSnapshot(t, c) })
			if !c.ClaimsOnly { // extract reads a blob verified when it was stored
				t.Run("extract", func(t *testing.T) { hostileExtract(t, c) })
			}
			nothingOutside(t)
		})
	}
}

func hostileImport(t *testing.T, c hostiletest.Case) {
	s := newStore(t)
	plantSentinel(t, s.snapshots)
	before := treeState(t, s.root)
	_, err := s.Import(bytes.NewReader(c.Blob), "hostile:1", ImportOptions{Source: "importing " + c.Name})
	if c.Want == "" {
		if err != nil {
			t.Fatalf("Import = %v, want it accepted", err)
		}
		return
	}
	if want := "importing " + c.Name + ": " + c.Want + ": invalid argument"; err == nil || err.Error() != want {
		t.Fatalf("Import = %v\nwant %s", err, want)
	}
	if after := treeState(t, s.root); after != before {
		t.Errorf("store changed:\n%s\nwas\n%s", after, before)
	}
}

func hostileSnapshot(t *testing.T, c hostiletest.Case) {
	s := newStore(t)
	img := storeHostile(t, s, c)
	plantSentinel(t, s.snapshots)
	before := treeState(t, s.root)
	dirs, err := s.LowerDirs(img)
	if c.Want == "" {
		if err != nil {
			t.Fatalf("LowerDirs = %v, want it accepted", err)
		}
		checkAccepted(t, c, dirs[0])
		return
	}
	if want := "layer " + img.Layers[0].Digest + ": " + c.Want + ": invalid argument"; err == nil || err.Error() != want {
		t.Fatalf("LowerDirs = %v\nwant %s", err, want)
	}
	if after := treeState(t, s.root); after != before {
		t.Errorf("store changed:\n%s\nwas\n%s", after, before)
	}
}

func hostileExtract(t *testing.T, c hostiletest.Case) {
	s := newStore(t)
	img := storeHostile(t, s, c)
	outside := t.TempDir()
	dest := filepath.Join(outside, "dest")
	if err := os.Mkdir(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	plantSentinel(t, dest)
	before := treeState(t, filepath.Join(outside, "sentinel"))
	err := s.ExtractLayer(img, 0, dest)
	want := c.Want
	if c.Check == "device" {
		want = `tar entry "dev/sda": device node: refusing to create one outside a snapshot`
	}
	if want == "" {
		if err != nil {
			t.Fatalf("ExtractLayer = %v, want it accepted", err)
		}
	} else if want := "layer 0 (" + shortDigest(img.Layers[0].Digest) + "): " + want + ": invalid argument"; err == nil || err.Error() != want {
		t.Fatalf("ExtractLayer = %v\nwant %s", err, want)
	}
	if after := treeState(t, filepath.Join(outside, "sentinel")); after != before {
		t.Errorf("sentinel next to the destination changed:\n%s\nwas\n%s", after, before)
	}
}

// checkAccepted checks what an accepted case must leave in its snapshot.
func checkAccepted(t *testing.T, c hostiletest.Case, snap string) {
	t.Helper()
	switch c.Check {
	case "xattrs":
		for _, x := range []struct{ path, name, want string }{
			{"d", "trusted.overlay.redirect", ""},
			{"d", "trusted.overlay.opaque", ""},
			{"f", "trusted.overlay.metacopy", ""},
			{"f", "security.selinux", ""},
			{"f", "user.note", "kept"},
		} {
			if got := getxattr(filepath.Join(snap, x.path), x.name); got != x.want {
				t.Errorf("%s: xattr %s = %q, want %q", x.path, x.name, got, x.want)
			}
		}
		if got := getxattr(filepath.Join(snap, "f"), "security.capability"); got == "" {
			t.Errorf("f: security.capability dropped, want it kept")
		}
	case "device":
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(snap, "dev/sda"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFBLK || st.Rdev != unix.Mkdev(8, 0) {
			t.Errorf("dev/sda = %+v, %v; want block device 8:0 inside the snapshot", st, err)
		}
	default:
		t.Fatalf("case %s: accepted, with nothing to check", c.Name)
	}
}

func getxattr(p, name string) string {
	buf := make([]byte, 256)
	n, err := unix.Lgetxattr(p, name, buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

var updateHostile = flag.Bool("update-hostile", false, "rewrite layers/testdata/hostile from hostiletest.Cases")

// TestHostileCorpusFiles keeps layers/testdata/hostile the generator's
// output: each case's blob as <name>.tar (or .tar.gz), and nothing else.
// `go generate ./layers/hostiletest` (-update-hostile) rewrites them.
func TestHostileCorpusFiles(t *testing.T) {
	dir := filepath.Join("testdata", "hostile")
	want := map[string][]byte{}
	for _, c := range hostiletest.Cases() {
		want[hostileFileName(c)] = c.Blob
	}
	if *updateHostile {
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for n, b := range want {
			if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	have := readDirNames(dir)
	if len(have) != len(want) {
		t.Errorf("%s holds %d files, the generator makes %d (go generate ./layers/hostiletest)", dir, len(have), len(want))
	}
	for n, b := range want {
		got, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s/%s differs from the generator's (go generate ./layers/hostiletest): %v", dir, n, err)
		}
	}
}

func hostileFileName(c hostiletest.Case) string {
	if bytes.HasPrefix(c.Blob, []byte{0x1f, 0x8b}) {
		return c.Name + ".tar.gz"
	}
	return c.Name + ".tar"
}
