package layers

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"
)

// readTree lists a directory tree as "dir/ file=content link->target".
func readTree(t *testing.T, root string) string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, _ := d.Info()
		switch {
		case fi.IsDir():
			out = append(out, rel+"/")
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out = append(out, rel+"->"+target)
		case fi.Mode()&fs.ModeCharDevice != 0:
			out = append(out, rel+"(c)")
		default:
			data, _ := os.ReadFile(p)
			out = append(out, rel+"="+string(data))
		}
		return nil
	})
	sort.Strings(out)
	return strings.Join(out, " ") + "\n"
}

func device(name string) entry { return entry{name: name, typ: tar.TypeChar, mode: 0o600} }

// TestHostileLayers feeds tarballs made by hand to escape, to the view
// and to extraction: each fails naming the layer and the entry, and
// nothing is written outside the destination.
func TestHostileLayers(t *testing.T) {
	tests := []struct {
		name    string
		tar     []byte
		analyze bool   // Analyze fails too (not only extraction)
		want    string // in the error
	}{
		{"dotdot", makeTar(t, reg("../../escaped", "x")), true, `"../../escaped": path escapes the root`},
		{"absolute symlink followed", makeTar(t, symlink("etc", "/etc"), reg("etc/escaped", "x")), true, `"etc/escaped": path goes through a symlink`},
		{"relative symlink followed", makeTar(t, symlink("up", "../.."), reg("up/escaped", "x")), true, `"up/escaped": path goes through a symlink`},
		{"hardlink outside", makeTar(t, hardlink("passwd", "../../../etc/passwd")), true, `"passwd": hard link target path escapes the root`},
		{"hardlink to nothing", makeTar(t, hardlink("passwd", "etc/passwd")), true, `not an earlier file of the archive`},
		{"duplicate", makeTar(t, reg("a", "1"), reg("a", "2")), true, `"a": duplicate entry`},
		{"device node", makeTar(t, dir("dev/"), device("dev/sda")), false, `"dev/sda": device node`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			img := storeImage(t, s, "bad", makeTar(t, reg("ok", "fine")), tt.tar)
			_, err := s.Analyze(img, AnalyzeOptions{})
			if tt.analyze && (err == nil || !strings.Contains(err.Error(), "layer 1 (") || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Analyze = %v, want an error naming layer 1 and %s", err, tt.want)
			}
			outside := t.TempDir()
			dest := filepath.Join(outside, "dest")
			err = s.ExtractLayer(img, 1, dest)
			if err == nil || !strings.Contains(err.Error(), "layer 1 (") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ExtractLayer = %v, want an error naming layer 1 and %s", err, tt.want)
			}
			// Only dest and what is in it: nothing beside it in outside.
			for _, e := range strings.Fields(readTree(t, outside)) {
				if !strings.HasPrefix(e, "dest/") {
					t.Errorf("after ExtractLayer, outside dest: %q", e)
				}
			}
			for _, p := range []string{"/escaped", "/etc/escaped", filepath.Join(outside, "escaped")} {
				if _, err := os.Lstat(p); err == nil {
					t.Errorf("%s was written", p)
				}
			}
		})
	}
}

// TestTruncatedLayer cuts a stored layer blob short: the view fails with
// an error naming the layer and the entry being read.
func TestTruncatedLayer(t *testing.T) {
	s := newStore(t)
	big := strings.Repeat("0123456789abcdef", 1<<14) // compresses, but not to nothing
	img := storeImage(t, s, "cut", makeTar(t, reg("a", "x"), reg("big", big), reg("c", "y")))
	h, _ := v1.NewHash(img.Layers[0].Digest)
	data, err := os.ReadFile(s.blobPath(h))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.blobPath(h), data[:len(data)/2], 0o444); err != nil {
		t.Fatal(err)
	}
	_, err = s.Analyze(img, AnalyzeOptions{})
	if err == nil || !strings.Contains(err.Error(), "layer 0 (") || !strings.Contains(err.Error(), `"big"`) {
		t.Errorf("Analyze of a truncated layer = %v, want an error naming layer 0 and entry big", err)
	}
}

// TestUpperTarAndChanges builds an overlay upper directory by hand
// (whiteout, opaque directory, new and changed files) over a lower one,
// and checks both the docker-diff view and the committed layer tarball.
func TestUpperTarAndChanges(t *testing.T) {
	newStore(t) // root, for whiteouts and trusted.* xattrs
	lower, upper := t.TempDir(), t.TempDir()
	for _, p := range []string{"etc", "var/cache", "gone"} {
		os.MkdirAll(filepath.Join(lower, p), 0o755)
	}
	os.WriteFile(filepath.Join(lower, "etc/conf"), []byte("old"), 0o644)
	os.WriteFile(filepath.Join(lower, "var/cache/x"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(lower, "gone/f"), []byte("f"), 0o644)
	os.MkdirAll(filepath.Join(upper, "etc"), 0o755)
	os.WriteFile(filepath.Join(upper, "etc/conf"), []byte("new"), 0o644)
	os.WriteFile(filepath.Join(upper, "etc/added"), []byte("a"), 0o600)
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
	var got []string
	for _, c := range changes {
		got = append(got, c.Change.Letter()+" "+c.Path)
	}
	if want := "C /etc, A /etc/added, C /etc/conf, D /gone, C /var, C /var/cache, D /var/cache/x"; strings.Join(got, ", ") != want {
		t.Errorf("UpperChanges = %s\nwant %s", strings.Join(got, ", "), want)
	}
	var b bytes.Buffer
	if err := WriteUpperTar(&b, upper); err != nil {
		t.Fatalf("WriteUpperTar = %v", err)
	}
	var names []string
	tr := tar.NewReader(&b)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
	}
	if want := "etc/ etc/added etc/conf .wh.gone var/ var/cache/ var/cache/.wh..wh..opq"; strings.Join(names, " ") != want {
		t.Errorf("upper tar = %s\nwant %s", strings.Join(names, " "), want)
	}
}
