package layers

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

// emptySnapshot is the lowerdir of an image without layers.
const emptySnapshot = "empty"

// LowerDirs unpacks every layer of img that is not unpacked yet and returns
// the snapshot directories in overlayfs lowerdir order: top layer first. An
// image without layers gets one empty directory, since overlay needs a
// lowerdir. Safe against concurrent callers, in this process or another:
// each layer is extracted into a private temporary directory that is
// renamed into place only if no one else got there first.
func (s *Store) LowerDirs(img *Image) ([]string, error) {
	if len(img.Layers) == 0 {
		dir := filepath.Join(s.snapshots, emptySnapshot)
		if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
			return nil, err
		}
		return []string{dir}, nil
	}
	dirs := make([]string, len(img.Layers))
	for i, l := range img.Layers {
		dir, err := s.snapshot(l)
		if err != nil {
			return nil, err
		}
		dirs[len(dirs)-1-i] = dir
	}
	return dirs, nil
}

// snapshot returns the unpacked directory of one layer, unpacking it first
// if needed.
func (s *Store) snapshot(l Layer) (string, error) {
	chain, err := v1.NewHash(l.ChainID)
	if err != nil {
		return "", fmt.Errorf("layer %s: bad chain ID: %w", l.Digest, errdefs.ErrInvalid)
	}
	dir := filepath.Join(s.snapshots, chain.Hex)
	if _, err := os.Lstat(dir); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(s.snapshots, ".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	hold, err := holdDir(tmp)
	if err != nil {
		return "", err
	}
	defer hold.Close()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	if err := s.unpack(l, tmp); err != nil {
		return "", err
	}
	if err := syncfs(tmp); err != nil {
		return "", err
	}
	err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dir, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) { // a filesystem without RENAME_NOREPLACE
		if _, serr := os.Lstat(dir); os.IsNotExist(serr) {
			err = os.Rename(tmp, dir)
		} else {
			err = unix.EEXIST
		}
	}
	if err != nil && !errors.Is(err, unix.EEXIST) && !errors.Is(err, unix.ENOTEMPTY) {
		return "", fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	return dir, nil // renamed, or another caller's identical snapshot won
}

// unpack extracts a layer blob into dir, checking its diff ID on the way.
func (s *Store) unpack(l Layer, dir string) error {
	dgst, err := v1.NewHash(l.Digest)
	if err != nil {
		return fmt.Errorf("layer %s: %w", l.Digest, errdefs.ErrInvalid)
	}
	f, err := os.Open(s.blobPath(dgst))
	if err != nil {
		return fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	r, closeR, err := s.decompressBounded(f, fi.Size())
	if err != nil {
		return fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	defer closeR()
	h := sha256.New()
	tee := io.TeeReader(r, h)
	if err := extract(tee, dir); err != nil {
		return fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return fmt.Errorf("layer %s: %w", l.Digest, invalidIfCorrupt(err))
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != l.DiffID {
		return fmt.Errorf("layer %s: content digest %s, expected diff ID %s: %w", l.Digest, got, l.DiffID, errdefs.ErrInvalid)
	}
	return nil
}

// syncfs flushes the filesystem holding dir, so an unpacked snapshot is
// durable before it is renamed into place.
func syncfs(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Syncfs(fd)
}
