package layers

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/berthdev/berth/internal/testutil"
)

// entry is one file of a test tarball.
type entry struct {
	name, body, link string
	typ              byte
	mode             int64
}

func reg(name, body string) entry {
	return entry{name: name, body: body, typ: tar.TypeReg, mode: 0o644}
}
func dir(name string) entry { return entry{name: name, typ: tar.TypeDir, mode: 0o755} }
func symlink(name, to string) entry {
	return entry{name: name, link: to, typ: tar.TypeSymlink, mode: 0o777}
}
func hardlink(name, to string) entry {
	return entry{name: name, link: to, typ: tar.TypeLink, mode: 0o644}
}

var testTime = time.Date(2020, 2, 2, 2, 2, 2, 0, time.UTC)

// makeTar builds a tarball of entries.
func makeTar(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link, ModTime: testTime, Size: int64(len(e.body))}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("WriteHeader(%s) = %v", e.name, err)
		}
		io.WriteString(tw, e.body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipped(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// newStore opens a store in a fresh directory; the tests need root for
// device nodes, ownership and trusted.* xattrs.
func newStore(t *testing.T) *Store {
	t.Helper()
	testutil.RequiresRoot(t)
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	return s
}

// storeState is everything a failed call must leave unchanged.
func storeState(t *testing.T, s *Store) string {
	t.Helper()
	var parts []string
	for _, d := range []string{filepath.Join(s.oci, "blobs", "sha256"), s.snapshots, s.ingest, s.layerInfo} {
		names := readDirNames(d)
		sort.Strings(names)
		parts = append(parts, filepath.Base(d)+": "+strings.Join(names, ","))
	}
	idx, err := os.ReadFile(s.indexPath())
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(parts, "\n") + "\n" + string(idx)
}

func mustImport(t *testing.T, s *Store, data []byte, ref string) *Image {
	t.Helper()
	img, err := s.Import(bytes.NewReader(data), ref, ImportOptions{Message: "test"})
	if err != nil {
		t.Fatalf("Import(%q) = %v", ref, err)
	}
	return img
}
