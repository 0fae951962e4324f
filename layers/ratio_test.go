package layers

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// zerosThenNoise is a gzipped tarball of a file of zeros past RatioFloor
// followed by a file of incompressible bytes, and its diff ID: as a whole
// it expands about 40 times (under DefaultMaxLayerRatio), but its first
// 64 MiB come from under 200 KiB of gzip (a disk image or a preallocated
// database file does this). The tarball is streamed, never held.
func zerosThenNoise(t *testing.T) ([]byte, v1.Hash) {
	t.Helper()
	const zeros, noise = 80 << 20, 2 << 20
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	h := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(zw, h))
	src := rand.NewChaCha8([32]byte{'b', 'e', 'r', 't', 'h'})
	for _, f := range []struct {
		name string
		r    io.Reader
		n    int64
	}{{"zeros", zeroReader{}, zeros}, {"noise", src, noise}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: f.n, ModTime: testTime}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(tw, f.r, f.n); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if ratio := int64(zeros+noise) / int64(gz.Len()); ratio >= DefaultMaxLayerRatio {
		t.Fatalf("the layer expands %d times as a whole: not the case this test is about", ratio)
	}
	return gz.Bytes(), v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestLoadBoundsExpansionByWholeCompressedSize: a layer file of an archive
// has a known compressed size, and the expansion-ratio bound compares the
// layer with all of it. A layer that expands more than the ratio in its
// first part but not as a whole loads; measured against the compressed
// bytes read so far (the bound for a stream of unknown size) it would be
// refused as a compression bomb.
func TestLoadBoundsExpansionByWholeCompressedSize(t *testing.T) {
	s := newStore(t)
	gz, diffID := zerosThenNoise(t)
	loaded, err := s.Load(bytes.NewReader(dockerArchive(t, [][]byte{gz}, []v1.Hash{diffID})))
	if err != nil || len(loaded) != 1 || loaded[0] != "app:v1" {
		t.Fatalf("Load(a layer of 80 MiB of zeros then 2 MiB of noise) = %q, %v", loaded, err)
	}
	assertBlobsCommitted(t, s)
}
