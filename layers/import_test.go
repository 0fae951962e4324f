package layers

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/testutil"
)

func TestImportRoundTrip(t *testing.T) {
	s := newStore(t)
	data := makeTar(t, dir("etc/"), reg("etc/hello", "hi\n"), symlink("etc/link", "hello"),
		hardlink("etc/hard", "etc/hello"), entry{name: "bin/", typ: tar.TypeDir, mode: 0o700},
		entry{name: "bin/suid", typ: tar.TypeReg, mode: 0o4755, body: "#!"},
		entry{name: "dev/null", typ: tar.TypeChar, mode: 0o666})
	var zst bytes.Buffer
	zw, _ := zstd.NewWriter(&zst)
	zw.Write(data)
	zw.Close()
	for name, input := range map[string][]byte{"plain": data, "gzip": gzipped(data), "zstd": zst.Bytes()} {
		t.Run(name, func(t *testing.T) {
			img := mustImport(t, s, input, "test/"+name+":v1")
			if got, _ := s.Resolve("test/" + name + ":v1"); got == nil || got.ID != img.ID {
				t.Fatalf("Resolve after Import = %v", got)
			}
			if img.History[0].CreatedBy != "berth import" || img.History[0].Comment != "test" || img.Size != int64(len(data)) {
				t.Errorf("image = %+v", img)
			}
			dirs, err := s.LowerDirs(img)
			if err != nil || len(dirs) != 1 {
				t.Fatalf("LowerDirs = %v, %v", dirs, err)
			}
			root := dirs[0]
			if b, _ := os.ReadFile(filepath.Join(root, "etc/hello")); string(b) != "hi\n" {
				t.Errorf("etc/hello = %q", b)
			}
			if l, _ := os.Readlink(filepath.Join(root, "etc/link")); l != "hello" {
				t.Errorf("etc/link -> %q", l)
			}
			var a, b unix.Stat_t
			unix.Stat(filepath.Join(root, "etc/hello"), &a)
			unix.Stat(filepath.Join(root, "etc/hard"), &b)
			if a.Ino != b.Ino {
				t.Error("etc/hard is not a hard link of etc/hello")
			}
			if fi, _ := os.Stat(filepath.Join(root, "bin/suid")); fi.Mode()&os.ModeSetuid == 0 || fi.Mode().Perm() != 0o755 {
				t.Errorf("bin/suid mode = %v", fi.Mode())
			}
			if fi, _ := os.Stat(filepath.Join(root, "bin")); fi.Mode().Perm() != 0o700 || !fi.ModTime().Equal(testTime) {
				t.Errorf("bin = %v %v", fi.Mode(), fi.ModTime())
			}
			if fi, _ := os.Lstat(filepath.Join(root, "dev/null")); fi.Mode()&os.ModeCharDevice == 0 {
				t.Errorf("dev/null mode = %v", fi.Mode())
			}
		})
	}
}

func TestImportDir(t *testing.T) {
	s := newStore(t)
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "a/b"), 0o755)
	os.WriteFile(filepath.Join(src, "a/b/f"), []byte("x"), 0o600)
	os.Link(filepath.Join(src, "a/b/f"), filepath.Join(src, "a/g"))
	img, err := s.ImportDir(src, "dir:1", ImportOptions{Config: ImageConfig{Cmd: []string{"/a/b/f"}}})
	if err != nil {
		t.Fatalf("ImportDir = %v", err)
	}
	if img.Config.Cmd[0] != "/a/b/f" {
		t.Errorf("Config = %+v", img.Config)
	}
	dirs, err := s.LowerDirs(img)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dirs[0], "a/g")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("a/g = %v, %v", fi, err)
	}
}

func TestWhiteouts(t *testing.T) {
	s := newStore(t)
	img := mustImport(t, s, makeTar(t, dir("gone/"), reg("gone/.wh..wh..opq", ""), reg("gone/new", "n"), reg(".wh.old", "")), "wh:1")
	dirs, err := s.LowerDirs(img)
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(dirs[0], "old"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("whiteout old: %+v %v", st, err)
	}
	buf := make([]byte, 8)
	if n, err := unix.Lgetxattr(filepath.Join(dirs[0], "gone"), overlayOpaqueXA, buf); err != nil || string(buf[:n]) != "y" {
		t.Errorf("opaque xattr = %q, %v", buf[:n], err)
	}
	for _, n := range []string{".wh.old", "gone/.wh..wh..opq"} {
		if _, err := os.Lstat(filepath.Join(dirs[0], n)); err == nil {
			t.Errorf("%s left in the snapshot", n)
		}
	}
}

func TestHostileTarballs(t *testing.T) {
	s := newStore(t)
	mustImport(t, s, makeTar(t, reg("ok", "ok")), "keep:1")
	valid := gzipped(makeTar(t, reg("a", string(bytes.Repeat([]byte("z"), 100000)))))
	for name, data := range map[string][]byte{
		"traversal":        makeTar(t, reg("../../etc/x", "evil")),
		"absolute":         makeTar(t, reg("/etc/x", "evil")),
		"symlink escape":   makeTar(t, symlink("evil", "/etc"), reg("evil/x", "evil")),
		"symlink relative": makeTar(t, symlink("evil", "../../../.."), reg("evil/tmp/x", "evil")),
		"hardlink outside": makeTar(t, hardlink("shadow", "../../../etc/shadow")),
		"hardlink absent":  makeTar(t, hardlink("shadow", "etc/shadow")),
		"truncated gzip":   valid[:len(valid)/2],
		"truncated tar":    makeTar(t, reg("a", "0123456789"))[:600],
		"garbage":          bytes.Repeat([]byte("garbage!"), 200),
		"empty":            nil,
	} {
		t.Run(name, func(t *testing.T) {
			before := storeState(t, s)
			_, err := s.Import(bytes.NewReader(data), "bad:1", ImportOptions{Source: "importing bad.tar"})
			if !errors.Is(err, errdefs.ErrInvalid) {
				t.Fatalf("Import = %v, want ErrInvalid", err)
			}
			t.Log(err)
			if after := storeState(t, s); after != before {
				t.Errorf("store changed:\n%s\nwas\n%s", after, before)
			}
		})
	}
	if _, err := os.Stat("/etc/x"); err == nil {
		t.Fatal("/etc/x written!")
	}
}

func TestExtractRefusesWriteThroughSymlink(t *testing.T) {
	testutil.RequiresRoot(t)
	root := t.TempDir()
	outside := t.TempDir()
	data := makeTar(t, symlink("evil", outside), reg("evil/x", "evil"))
	if err := extract(bytes.NewReader(data), root); !errors.Is(err, errdefs.ErrInvalid) {
		t.Fatalf("extract = %v, want ErrInvalid", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "x")); err == nil {
		t.Fatal("wrote through the symlink")
	}
}

func TestConcurrentLowerDirs(t *testing.T) {
	s := newStore(t)
	img := mustImport(t, s, makeTar(t, dir("d/"), reg("d/f", "content")), "conc:1")
	var wg sync.WaitGroup
	results := make([][]string, 16)
	errs := make([]error, 16)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A fresh Store per goroutine, as another process would have.
			s2, err := Open(s.root)
			if err == nil {
				results[i], err = s2.LowerDirs(img)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil || len(results[i]) != 1 || results[i][0] != results[0][0] {
			t.Fatalf("LowerDirs #%d = %v, %v", i, results[i], errs[i])
		}
	}
	if b, _ := os.ReadFile(filepath.Join(results[0][0], "d/f")); string(b) != "content" {
		t.Errorf("d/f = %q", b)
	}
	if names := readDirNames(s.snapshots); len(names) != 1 {
		t.Errorf("snapshots = %v, want one", names)
	}
}
