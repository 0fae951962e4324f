package layers

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/berthdev/berth/internal/errdefs"
)

// PathEvent is what one layer did to one path.
type PathEvent struct {
	Layer  int        `json:"layer"`
	Change ChangeKind `json:"change"`
	Entry  FileEntry  `json:"entry"` // after the layer; for a removal, what was removed
}

// CleanPath turns a path as a user types it ("etc/passwd", "/etc/../etc/passwd")
// into the form entries use ("/etc/passwd").
func CleanPath(p string) string { return path.Clean("/" + p) }

// PathHistory follows one path through every layer of img: each layer
// that added, modified or removed it (a removal of a parent directory, or
// an opaque parent, counts).
func (s *Store) PathHistory(img *Image, p string) ([]PathEvent, error) {
	p = CleanPath(p)
	if len(img.Layers) == 0 {
		return nil, nil
	}
	files, err := s.readLayers(img, len(img.Layers)-1, true)
	if err != nil {
		return nil, err
	}
	t := newFileTree()
	var prev *FileEntry
	var out []PathEvent
	for i, lf := range files {
		t.stackLayer(lf, i, nil)
		var cur *FileEntry
		if n := t.get(p); n != nil {
			cur = n.entry
		}
		switch {
		case prev == nil && cur != nil:
			out = append(out, PathEvent{Layer: i, Change: ChangeAdded, Entry: *cur})
		case prev != nil && cur == nil:
			out = append(out, PathEvent{Layer: i, Change: ChangeRemoved, Entry: *prev})
		case prev != nil && cur != prev:
			out = append(out, PathEvent{Layer: i, Change: ChangeModified, Entry: *cur})
		}
		prev = cur
	}
	return out, nil
}

// lookup finds p in img as it stands after layer upTo, following symlinks
// inside the image (never outside it), and returns the entry.
func (s *Store) lookup(img *Image, upTo int, p string) (*FileEntry, error) {
	t, _, err := s.stacked(img, upTo, false)
	if err != nil {
		return nil, err
	}
	p = CleanPath(p)
	for hops := 0; ; hops++ {
		n := t.get(p)
		if n == nil {
			return nil, fmt.Errorf("path %q: not in the image at layer %d: %w", p, upTo, errdefs.ErrNotFound)
		}
		if n.entry.Type != TypeSymlink {
			return n.entry, nil
		}
		if hops == 40 {
			return nil, fmt.Errorf("path %q: too many levels of symbolic links: %w", p, errdefs.ErrInvalid)
		}
		target := n.entry.Link
		if !path.IsAbs(target) {
			target = path.Join(path.Dir(p), target)
		}
		p = CleanPath(target) // ".." above the root stays at the root
	}
}

// errFound stops a tar walk once the wanted entry is read.
var errFound = errors.New("found")

// readContent copies the content of regular file e (a hard link reads
// the file it names, in the same layer) to w, streaming its layer.
func (s *Store) readContent(img *Image, e *FileEntry, w io.Writer) error {
	switch e.Type {
	case TypeFile, TypeHardlink:
	default:
		return fmt.Errorf("path %q: is a %s, not a regular file: %w", e.Path, e.Type, errdefs.ErrInvalid)
	}
	want := e.Path
	if e.Type == TypeHardlink {
		want = e.Link
	}
	r, closeR, err := s.openLayer(img.Layers[e.Layer])
	if err != nil {
		return err
	}
	defer closeR()
	err = walkTar(r, func(hdr *tar.Header, name string, tr *tar.Reader) error {
		if "/"+name != want || hdr.Typeflag == tar.TypeLink {
			return nil
		}
		if _, err := io.Copy(w, tr); err != nil {
			return err
		}
		return errFound
	})
	if errors.Is(err, errFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("layer %d (%s): %w", e.Layer, shortDigest(img.Layers[e.Layer].Digest), err)
	}
	return fmt.Errorf("path %q: not found in layer %d: %w", want, e.Layer, errdefs.ErrNotFound)
}

// Cat writes the content of file p as it stands after layer upTo to w.
func (s *Store) Cat(img *Image, upTo int, p string, w io.Writer) error {
	e, err := s.lookup(img, upTo, p)
	if err != nil {
		return err
	}
	return s.readContent(img, e, w)
}

// ExtractLayer writes the files of one layer into dest (created if
// missing; what is there may be replaced, never followed). Whiteouts and
// opaque markers are not files and are skipped; device nodes are refused.
// Every entry is checked as snapshots check them: nothing is written
// outside dest, and an error names the layer and the entry.
func (s *Store) ExtractLayer(img *Image, layer int, dest string) error {
	if err := checkLayer(img, layer); err != nil {
		return err
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	u, err := newUnpacker(dest, modeFiles)
	if err != nil {
		return err
	}
	defer u.Close()
	r, closeR, err := s.openLayer(img.Layers[layer])
	if err != nil {
		return err
	}
	defer closeR()
	err = walkTar(r, func(hdr *tar.Header, name string, tr *tar.Reader) error {
		return u.apply(hdr, name, tr)
	})
	if err != nil {
		return fmt.Errorf("layer %d (%s): %w", layer, shortDigest(img.Layers[layer].Digest), err)
	}
	u.finish()
	return nil
}

// ExtractFile writes the content of file p, as it stands after layer
// upTo, to the host file dest (into it, if dest is a directory).
func (s *Store) ExtractFile(img *Image, upTo int, p, dest string) error {
	e, err := s.lookup(img, upTo, p)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
		dest = filepath.Join(dest, path.Base(e.Path))
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), ".berth-extract-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := s.readContent(img, e, tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(os.FileMode(e.Mode & 0o777)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dest)
}
