package layers

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/layers/hostiletest"
)

// upperTarNames commits the upper directory upper and lists its entries
// as "name type major:minor".
func upperTarNames(t *testing.T, upper string) []string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteUpperTar(&b, upper); err != nil {
		t.Fatalf("WriteUpperTar = %v", err)
	}
	var out []string
	tr := tar.NewReader(&b)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, hdr.Name+" "+string(hdr.Typeflag)+" "+itoa(hdr.Devmajor)+":"+itoa(hdr.Devminor))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestCommitOnlyZeroZeroCharDevicesAreWhiteouts: overlayfs marks a removal
// with a 0/0 character device; any other device node in a container's
// writable layer is a file the container made and is committed as one.
func TestCommitOnlyZeroZeroCharDevicesAreWhiteouts(t *testing.T) {
	newStore(t)
	upper := t.TempDir()
	if err := unix.Mknod(filepath.Join(upper, "gone"), unix.S_IFCHR, 0); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(upper, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(upperTarNames(t, upper), ", ")
	if want := ".wh.gone 0 0:0, null 3 1:3"; got != want {
		t.Errorf("committed entries = %q, want %q", got, want)
	}
}

// TestCommitOpaqueOnlyWithValueY: only trusted.overlay.opaque=y makes a
// directory opaque; overlayfs also writes "x" (a directory holding
// xwhiteouts, which hides nothing), and any other value is not a mark.
func TestCommitOpaqueOnlyWithValueY(t *testing.T) {
	newStore(t)
	upper := t.TempDir()
	for dir, v := range map[string]string{"opaque": "y", "xwhiteouts": "x", "yes": "yes"} {
		p := filepath.Join(upper, dir)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := unix.Lsetxattr(p, overlayOpaqueXA, []byte(v), 0); err != nil {
			t.Fatal(err)
		}
	}
	got := strings.Join(upperTarNames(t, upper), ", ")
	if want := "opaque/ 5 0:0, opaque/.wh..wh..opq 0 0:0, xwhiteouts/ 5 0:0, yes/ 5 0:0"; got != want {
		t.Errorf("committed entries = %q, want %q", got, want)
	}
}

// TestCommitRefusesWhiteoutNames: a container file named .wh.* has no
// representation in an OCI layer (it would read as a whiteout, and
// ".wh..." as a whiteout of the layer's parent): commit refuses it.
func TestCommitRefusesWhiteoutNames(t *testing.T) {
	for _, n := range []string{".wh...", ".wh.passwd", ".wh..wh..opq"} {
		upper := t.TempDir()
		if err := os.WriteFile(filepath.Join(upper, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		err := WriteUpperTar(io.Discard, upper)
		want := `path "/` + n + `": a name starting with ".wh." has no representation in an OCI layer (it would read as a whiteout): invalid argument`
		if err == nil || err.Error() != want {
			t.Errorf("WriteUpperTar(%s) = %v, want %s", n, err, want)
		}
	}
}

// TestUnpackerConfinedByKernel plants symlinks that no tar entry made, so
// checkEntry cannot know them: the kernel (openat2 RESOLVE_NO_SYMLINKS
// beneath the root's descriptor, *at calls on one element) is what keeps
// every creation, removal and hard link inside the root.
func TestUnpackerConfinedByKernel(t *testing.T) {
	newStore(t)
	outside := t.TempDir()
	keep := filepath.Join(outside, "keep")
	if err := os.WriteFile(keep, []byte("sentinel"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		tar  []byte
		want string
	}{
		{"create through a planted symlink", makeTar(t, reg("a/x", "evil")), `tar entry "a/x": parent "a" is a symlink: invalid argument`},
		{"whiteout below a planted symlink", makeTar(t, reg("a/.wh.keep", "")), `tar entry "a/.wh.keep": parent "a" is a symlink: invalid argument`},
		{"hard link through a planted symlink", makeTar(t, dir("d/"), hardlink("d/h", "a")), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.Symlink(outside, filepath.Join(root, "a")); err != nil {
				t.Fatal(err)
			}
			u, err := newUnpacker(root, modeSnapshot)
			if err != nil {
				t.Fatal(err)
			}
			defer u.Close()
			tr := tar.NewReader(bytes.NewReader(tt.tar))
			var last error
			for {
				hdr, err := tr.Next()
				if err != nil {
					break
				}
				name, _ := cleanName(hdr.Name)
				if hdr.Typeflag == tar.TypeLink {
					// a link to the planted symlink itself links the symlink, never its target
					if err := u.apply(hdr, name, tr); err != nil {
						t.Fatalf("apply(%s) = %v", hdr.Name, err)
					}
					fi, err := os.Lstat(filepath.Join(root, name))
					if err != nil || fi.Mode()&os.ModeSymlink == 0 {
						t.Errorf("%s = %v, %v; want the symlink itself linked", name, fi, err)
					}
					continue
				}
				if err := u.apply(hdr, name, tr); err != nil {
					last = &entryError{hdr.Name, err}
				}
			}
			if tt.want != "" && (last == nil || last.Error() != tt.want) {
				t.Errorf("apply = %v, want %s", last, tt.want)
			}
			if b, err := os.ReadFile(keep); err != nil || string(b) != "sentinel" {
				t.Errorf("outside/keep = %q, %v", b, err)
			}
			if names := readDirNames(outside); len(names) != 1 {
				t.Errorf("outside holds %v", names)
			}
		})
	}
}

type entryError struct {
	name string
	err  error
}

func (e *entryError) Error() string { return `tar entry "` + e.name + `": ` + e.err.Error() }

// TestLayerSizeLimit: a layer past the configured size is refused at
// import and at unpack, naming the layer and the entry, and adds nothing.
func TestLayerSizeLimit(t *testing.T) {
	newStore(t)
	s, err := Open(t.TempDir(), WithLimits(Limits{MaxSize: 1 << 20}))
	if err != nil {
		t.Fatal(err)
	}
	big := makeTar(t, reg("big", strings.Repeat("x", 2<<20)))
	before := storeState(t, s)
	_, err = s.Import(bytes.NewReader(big), "big:1", ImportOptions{Source: "importing big.tar"})
	want := `importing big.tar: tar entry "big": unpacks to more than 1MiB, the per-layer limit (BERTH_MAX_LAYER_SIZE or --max-layer-size raise it): invalid argument`
	if err == nil || err.Error() != want {
		t.Errorf("Import = %v\nwant %s", err, want)
	}
	if after := storeState(t, s); after != before {
		t.Errorf("store changed:\n%s\nwas\n%s", after, before)
	}
	img := storeImage(t, s, "big", big)
	_, err = s.LowerDirs(img)
	want = "layer " + img.Layers[0].Digest + `: tar entry "big": unpacks to more than 1MiB, the per-layer limit (BERTH_MAX_LAYER_SIZE or --max-layer-size raise it): invalid argument`
	if err == nil || err.Error() != want {
		t.Errorf("LowerDirs = %v\nwant %s", err, want)
	}
	if names := readDirNames(s.snapshots); len(names) != 0 {
		t.Errorf("snapshots = %v", names)
	}
	if _, err := Open(t.TempDir(), WithLimits(Limits{MaxSize: -1})); err == nil {
		t.Error("Open with a negative limit succeeded")
	}
}

// TestLoadRefusesSparseArchiveMember: `berth load` spools the archive's
// members to disk; a sparse member (a few kilobytes that read as a
// gigabyte) is refused before anything is written.
func TestLoadRefusesSparseArchiveMember(t *testing.T) {
	s := newStore(t)
	before := storeState(t, s)
	_, err := s.Load(bytes.NewReader(hostiletest.SparseBomb("manifest.json", 1<<30)))
	want := `loading archive: archive entry "manifest.json": sparse file (not accepted in an image archive): invalid argument`
	if err == nil || err.Error() != want {
		t.Errorf("Load = %v\nwant %s", err, want)
	}
	if after := storeState(t, s); after != before {
		t.Errorf("store changed:\n%s\nwas\n%s", after, before)
	}
}
