package layers

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/errdefs"
)

// txn tracks the blobs one mutating call added, so that a failure can take
// them back out: a failed import or load leaves the store as it was.
type txn struct {
	s     *Store
	added []v1.Hash
	infos []v1.Hash // layerinfo/ records it added, by diff ID
	lists []string  // layerinfo/ file lists it added (layerindex.go)
	// listFiles has writeLayer list each layer as it checks it and leave
	// the list (load sets it; a build step or commit pays nothing for a
	// list no one may view)
	listFiles bool
	// spooled are the layer files of a spooled archive stored so far, by
	// path: a compressed one is renamed in, so a second image naming it
	// finds it here (load.go)
	spooled map[string]spooledLayer
}

// rollback deletes the blobs and layer records this transaction added.
func (t *txn) rollback() {
	for _, h := range t.added {
		os.Remove(t.s.blobPath(h))
	}
	for _, h := range t.infos {
		os.Remove(filepath.Join(t.s.layerInfo, h.Hex))
	}
	for _, p := range t.lists {
		os.Remove(p)
	}
	t.added, t.infos, t.lists = nil, nil, nil
}

// recordDiffSize is Store.recordDiffSize, taken back on rollback when the
// record is new.
func (t *txn) recordDiffSize(diffID v1.Hash, size int64) error {
	if exists(filepath.Join(t.s.layerInfo, diffID.Hex)) {
		return t.s.recordDiffSize(diffID, size)
	}
	if err := t.s.recordDiffSize(diffID, size); err != nil {
		return err
	}
	t.infos = append(t.infos, diffID)
	return nil
}

// writeBlob streams r into ingest/ while hashing it, checks the digest and
// size against want (a zero digest or a negative size is not checked),
// fsyncs, and renames it into oci/blobs/sha256/. what names the blob in
// errors. A blob already present is left as it is.
func (t *txn) writeBlob(r io.Reader, wantDigest v1.Hash, wantSize int64, what string) (v1.Hash, int64, error) {
	f, err := os.CreateTemp(t.s.ingest, "blob-*")
	if err != nil {
		return v1.Hash{}, 0, err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	if err := holdEntry(f); err != nil {
		return v1.Hash{}, 0, err
	}
	hw := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, hw), r)
	if err != nil {
		return v1.Hash{}, 0, fmt.Errorf("%s: %w", what, invalidIfCorrupt(err))
	}
	h := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(hw.Sum(nil))}
	if wantSize >= 0 && n != wantSize {
		return v1.Hash{}, 0, fmt.Errorf("%s: size %d, expected %d: %w", what, n, wantSize, errdefs.ErrInvalid)
	}
	if wantDigest != (v1.Hash{}) && h != wantDigest {
		return v1.Hash{}, 0, fmt.Errorf("%s: digest %s, expected %s: %w", what, h, wantDigest, errdefs.ErrInvalid)
	}
	return h, n, t.commit(f, h)
}

// commit makes the verified temp file f the blob h: read-only, fsync,
// rename, fsync of the directory (atomicfile.Commit). A blob renamed into
// place is the transaction's to roll back, even if the directory's fsync
// then failed.
func (t *txn) commit(f *os.File, h v1.Hash) error {
	dst := t.s.blobPath(h)
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	renamed, err := atomicfile.Commit(f, dst, 0o444)
	if renamed {
		t.added = append(t.added, h)
	}
	return err
}

// writeBytes stores a small blob (a config or a manifest).
func (t *txn) writeBytes(data []byte, what string) (v1.Hash, error) {
	h, _, err := t.writeBlob(strings.NewReader(string(data)), v1.Hash{}, int64(len(data)), what)
	return h, err
}

// invalidIfCorrupt classes errors that mean "the input is broken" as
// ErrInvalid, leaving I/O errors of our own disk as they are.
func invalidIfCorrupt(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) || errors.Is(err, syscall.ENOSPC) || errdefs.Is(err, errdefs.ErrInvalid) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated: %w", errdefs.ErrInvalid)
	}
	return fmt.Errorf("%v: %w", err, errdefs.ErrInvalid)
}

// recordDiffSize remembers a layer's uncompressed size.
func (s *Store) recordDiffSize(diffID v1.Hash, size int64) error {
	return atomicfile.WriteFile(filepath.Join(s.layerInfo, diffID.Hex), []byte(strconv.FormatInt(size, 10)), 0o644)
}

// diffSize is a layer's uncompressed size, from layerinfo/ or, for a layer
// stored by other means, by decompressing its blob once.
func (s *Store) diffSize(l v1.Descriptor, diffID v1.Hash) (int64, error) {
	if data, err := os.ReadFile(filepath.Join(s.layerInfo, diffID.Hex)); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := os.Open(s.blobPath(l.Digest))
	if err != nil {
		return 0, fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	defer f.Close()
	r, closeR, err := decompress(f)
	if err != nil {
		return 0, fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	defer closeR()
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return 0, fmt.Errorf("layer %s: %w", l.Digest, invalidIfCorrupt(err))
	}
	s.recordDiffSize(diffID, n) // a cache: failing to write it costs time only
	return n, nil
}

// newestChange is the latest status change (ctime) in the tree at p;
// unlike mtimes, ctimes cannot be set from a tarball.
func newestChange(p string) time.Time {
	var newest time.Time
	filepath.Walk(p, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			if c := time.Unix(st.Ctim.Sec, st.Ctim.Nsec); c.After(newest) {
				newest = c
			}
		}
		return nil
	})
	return newest
}
