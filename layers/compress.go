package layers

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"

	"github.com/berthdev/berth/internal/errdefs"
)

// decompress detects the compression of r by its magic bytes (gzip, bzip2,
// zstd, or none) and returns the uncompressed stream.
func decompress(r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(6)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		// pgzip inflates ahead in its own goroutine, so the tar reading
		// that follows runs on the other core.
		zr, err := pgzip.NewReaderN(br, 256<<10, 3)
		if err != nil {
			return nil, nil, invalidIfCorrupt(err)
		}
		return zr, func() { zr.Close() }, nil
	case bytes.HasPrefix(magic, []byte("BZh")):
		return bzip2.NewReader(br), func() {}, nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, nil, invalidIfCorrupt(err)
		}
		return zr, zr.Close, nil
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return nil, nil, fmt.Errorf("xz compression is not supported (use gzip, bzip2 or zstd): %w", errdefs.ErrInvalid)
	}
	return br, func() {}, nil
}

// newLayer is a layer blob written by writeLayer.
type newLayer struct {
	desc     v1.Descriptor // the gzip blob
	diffID   v1.Hash
	diffSize int64
}

// countWriter counts what goes through it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// writeLayer stores the (possibly compressed) tar stream r as a gzip layer
// blob. Every entry is read and checked as it streams through: a corrupt,
// truncated or hostile tarball fails naming what, and adds nothing.
func (t *txn) writeLayer(r io.Reader, what string) (*newLayer, error) {
	src, closeSrc, err := t.s.decompressBounded(r, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer closeSrc()
	f, err := os.CreateTemp(t.s.ingest, "layer-*")
	if err != nil {
		return nil, err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	if err := holdEntry(f); err != nil {
		return nil, err
	}
	blobHash, blobCount := sha256.New(), &countWriter{}
	zw := gzip.NewWriter(io.MultiWriter(f, blobHash, blobCount))
	diffHash, diffCount := sha256.New(), &countWriter{}
	tee := io.TeeReader(src, io.MultiWriter(zw, diffHash, diffCount))
	var fl *fileLister
	if t.listFiles {
		fl = newFileLister(0, false)
	}
	if err := checkTar(tee, fl); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if diffCount.n == 0 {
		return nil, fmt.Errorf("%s: empty input, not a tarball: %w", what, errdefs.ErrInvalid)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	l := &newLayer{
		diffID:   v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(diffHash.Sum(nil))},
		diffSize: diffCount.n,
	}
	l.desc = v1.Descriptor{
		MediaType: types.OCILayer,
		Digest:    v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(blobHash.Sum(nil))},
		Size:      blobCount.n,
	}
	if err := t.commit(f, l.desc.Digest); err != nil {
		return nil, err
	}
	if err := t.recordDiffSize(l.diffID, l.diffSize); err != nil {
		return nil, err
	}
	if fl != nil {
		t.cacheFiles(l.diffID, fl.files())
	}
	return l, nil
}

// checkTar reads a whole tar stream to its end, checking every entry as
// extraction would (see checkEntry), and that it ends on a block boundary.
// A non-nil fl lists each entry on the way (the layer's file list, read
// in the same pass as its check and hashes).
func checkTar(r io.Reader, fl *fileLister) error {
	count := &countWriter{}
	r = io.TeeReader(r, count)
	tr := tar.NewReader(r)
	seen := newEntrySet()
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			if _, err := io.Copy(io.Discard, r); err != nil { // the end-of-archive blocks
				return invalidIfCorrupt(err)
			}
			if count.n%512 != 0 {
				return fmt.Errorf("truncated: %w", errdefs.ErrInvalid)
			}
			return nil
		}
		if err != nil {
			return invalidIfCorrupt(err)
		}
		name, err := checkEntry(hdr, seen)
		if err != nil {
			return err
		}
		if fl != nil && name != "" && name != "." {
			if err := fl.add(hdr, name, tr); err != nil {
				return fmt.Errorf("tar entry %q: %w", hdr.Name, invalidIfCorrupt(err))
			}
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return fmt.Errorf("tar entry %q: %w", hdr.Name, invalidIfCorrupt(err))
		}
	}
}
