package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berthdev/berth/internal/atomicfile"
)

// diskBlobs is a go-containerregistry blob handler on disk. The registry
// hands Put a reader that checks digest and size as it is read; the blob
// is renamed into place only after that reader reached its end cleanly,
// and fsynced first.
type diskBlobs struct {
	dir     string // blobs/
	uploads string // uploads/
}

var (
	_ ggcr.BlobStatHandler   = (*diskBlobs)(nil)
	_ ggcr.BlobPutHandler    = (*diskBlobs)(nil)
	_ ggcr.BlobDeleteHandler = (*diskBlobs)(nil)
)

func (d *diskBlobs) path(h v1.Hash) (string, error) {
	if h.Algorithm != "sha256" || len(h.Hex) != 64 {
		return "", fmt.Errorf("unsupported digest %s: %w", h, ggcr.ErrNotFound)
	}
	return filepath.Join(d.dir, h.Algorithm, h.Hex), nil
}

// Stat is the blob's size. Blobs are verified when written, so the file's
// size is enough.
func (d *diskBlobs) Stat(_ context.Context, _ string, h v1.Hash) (int64, error) {
	p, err := d.path(h)
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return 0, ggcr.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func (d *diskBlobs) Get(_ context.Context, _ string, h v1.Hash) (io.ReadCloser, error) {
	p, err := d.path(h)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ggcr.ErrNotFound
	}
	return f, err
}

func (d *diskBlobs) Put(_ context.Context, _ string, h v1.Hash, rc io.ReadCloser) error {
	defer rc.Close()
	dst, err := d.path(h)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(d.uploads, "blob-*")
	if err != nil {
		return err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	if _, err := io.Copy(f, rc); err != nil {
		return err // the registry's verifying reader reports a mismatch here
	}
	if err := f.Chmod(0o444); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return err
	}
	return atomicfile.SyncDir(filepath.Dir(dst))
}

func (d *diskBlobs) Delete(_ context.Context, _ string, h v1.Hash) error {
	p, err := d.path(h)
	if err != nil {
		return err
	}
	if err := os.Remove(p); errors.Is(err, os.ErrNotExist) {
		return ggcr.ErrNotFound
	} else if err != nil {
		return err
	}
	return nil
}
