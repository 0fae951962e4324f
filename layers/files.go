package layers

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berthdev/berth/internal/errdefs"
)

// FileType is the kind of a filesystem object.
type FileType string

// The file types of FileEntry.
const (
	TypeFile     FileType = "file"
	TypeDir      FileType = "dir"
	TypeSymlink  FileType = "symlink"
	TypeHardlink FileType = "hardlink"
	TypeChar     FileType = "char"
	TypeBlock    FileType = "block"
	TypeFifo     FileType = "fifo"
)

// ChangeKind says what a layer, a range of layers or a container's
// writable layer did to a path.
type ChangeKind string

// The kinds of change, with docker diff's letters: A, C, D.
const (
	ChangeAdded    ChangeKind = "added"
	ChangeModified ChangeKind = "modified"
	ChangeRemoved  ChangeKind = "removed"
)

// Letter is the kind as `docker diff` prints it: A, C or D.
func (k ChangeKind) Letter() string {
	switch k {
	case ChangeAdded:
		return "A"
	case ChangeModified:
		return "C"
	case ChangeRemoved:
		return "D"
	}
	return "?"
}

// FileEntry is one path of a layer, of a range of layers, of an image's
// aggregated tree, or of a container's writable layer.
type FileEntry struct {
	Path   string     `json:"path"` // as seen in the container: "/etc/passwd"
	Type   FileType   `json:"type"` // empty for a removed path
	Mode   uint32     `json:"mode"` // permission bits with setuid, setgid, sticky (07777)
	UID    int        `json:"uid"`
	GID    int        `json:"gid"`
	Size   int64      `json:"size"`
	Link   string     `json:"link,omitempty"`   // symlink target, or the path a hard link names
	Digest string     `json:"digest,omitempty"` // "sha256:<hex>" of a regular file's content, when computed
	Change ChangeKind `json:"change,omitempty"` // empty in an aggregated tree
	Opaque bool       `json:"opaque,omitempty"` // a directory whose lower contents are hidden
	Layer  int        `json:"layer"`            // the layer (0 = bottom) that last set the path; -1 for a container's
}

// LsMode is the entry's mode as ls -l writes it, ten characters:
// "drwxr-xr-x", "-rwsr-xr-x", "drwxrwxrwt". Go's fs.FileMode.String
// differs for devices, setuid and sticky bits ("Dcrw-rw-rw-", "urwx…"),
// so the ls form is written here.
func (e FileEntry) LsMode() string {
	var b [10]byte
	switch e.Type {
	case TypeDir:
		b[0] = 'd'
	case TypeSymlink:
		b[0] = 'l'
	case TypeChar:
		b[0] = 'c'
	case TypeBlock:
		b[0] = 'b'
	case TypeFifo:
		b[0] = 'p'
	default:
		b[0] = '-'
	}
	const rwx = "rwxrwxrwx"
	for i := range 9 {
		b[1+i] = '-'
		if e.Mode&(1<<(8-i)) != 0 {
			b[1+i] = rwx[i]
		}
	}
	special := func(at int, bit uint32, set, unset byte) {
		if e.Mode&bit == 0 {
			return
		}
		if b[at] == '-' {
			b[at] = unset
		} else {
			b[at] = set
		}
	}
	special(3, 0o4000, 's', 'S')
	special(6, 0o2000, 's', 'S')
	special(9, 0o1000, 't', 'T')
	return string(b[:])
}

// sameContent reports whether two entries describe the same object: type,
// metadata, link and (when both are known) content digest.
func sameContent(a, b *FileEntry) bool {
	return a.Type == b.Type && a.Mode == b.Mode && a.UID == b.UID && a.GID == b.GID &&
		a.Size == b.Size && a.Link == b.Link && (a.Digest == "" || b.Digest == "" || a.Digest == b.Digest)
}

// layerFiles is what one layer tarball says, read in one pass: memory
// grows with the number of paths, never with file sizes.
type layerFiles struct {
	entries []FileEntry // files, directories, links; tar order, no duplicates
	removed []string    // whiteout targets, "/a/b"
	opaque  []string    // directories made opaque, "/a"
	size    int64       // sum of the entries' sizes (dive's layer size)
}

// tarType maps a tar type flag to a FileType.
func tarType(flag byte) FileType {
	switch flag {
	case tar.TypeDir:
		return TypeDir
	case tar.TypeSymlink:
		return TypeSymlink
	case tar.TypeLink:
		return TypeHardlink
	case tar.TypeChar:
		return TypeChar
	case tar.TypeBlock:
		return TypeBlock
	case tar.TypeFifo:
		return TypeFifo
	}
	return TypeFile
}

// openLayer opens a layer blob of the store, uncompressed.
func (s *Store) openLayer(l Layer) (io.Reader, func(), error) {
	dgst, err := v1.NewHash(l.Digest)
	if err != nil {
		return nil, nil, fmt.Errorf("layer %s: %w", l.Digest, errdefs.ErrInvalid)
	}
	f, err := os.Open(s.blobPath(dgst))
	if err != nil {
		return nil, nil, fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	r, closeR, err := s.decompressBounded(f, size)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("layer %s: %w", l.Digest, err)
	}
	return r, func() { closeR(); f.Close() }, nil
}

// walkTar reads a layer tarball entry by entry, checking each as
// extraction does (checkEntry) and refusing duplicate entries (a
// directory may repeat). fn sees each entry with its cleaned relative name
// and may read its content from tr. Errors name the entry.
func walkTar(r io.Reader, fn func(hdr *tar.Header, name string, tr *tar.Reader) error) error {
	tr := tar.NewReader(r)
	seen := newEntrySet()
	last := ""
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if last != "" {
				return fmt.Errorf("tar entry %q: %w", last, invalidIfCorrupt(err))
			}
			return invalidIfCorrupt(err)
		}
		last = hdr.Name
		name, err := checkEntry(hdr, seen)
		if err != nil {
			return err
		}
		if name == "" || name == "." {
			continue
		}
		if err := fn(hdr, name, tr); err != nil {
			if errors.Is(err, errFound) {
				return err
			}
			return fmt.Errorf("tar entry %q: %w", hdr.Name, invalidIfCorrupt(err))
		}
	}
}

// readLayerFiles reads the file list of one layer; with digests, regular
// files' contents are hashed on the way (and otherwise skipped).
func (s *Store) readLayerFiles(l Layer, index int, digests bool) (*layerFiles, error) {
	if lf := s.cachedLayerFiles(l, index, digests); lf != nil {
		return lf, nil
	}
	lf, err := s.scanLayerFiles(l, index, digests)
	if err == nil {
		s.cacheLayerFiles(l, lf, digests)
	}
	return lf, err
}

// scanLayerFiles reads a layer's file list from its blob.
func (s *Store) scanLayerFiles(l Layer, index int, digests bool) (*layerFiles, error) {
	r, closeR, err := s.openLayer(l)
	if err != nil {
		return nil, err
	}
	defer closeR()
	fl := newFileLister(index, digests)
	if err := walkTar(r, fl.add); err != nil {
		return nil, fmt.Errorf("layer %d (%s): %w", index, shortDigest(l.Digest), err)
	}
	return fl.files(), nil
}

// fileLister builds a layer's file list entry by entry, from a tar stream
// read once: by scanLayerFiles from a stored blob, and by the writers of
// layer blobs (indexTar) while they check and hash the same stream, so
// that a layer just stored needs no second read to be viewed.
//
// Entries are gathered in chunks of listChunk and copied once into a
// slice of the exact size: append's growth by 1.25x reallocated a
// 30,000-entry list about 20 times (43 MB allocated per load of bench/layers'
// image against 6.8 MB of entries kept).
type fileLister struct {
	lf       *layerFiles // all but the entries, until files()
	chunks   [][]FileEntry
	n        int
	dirIndex map[string]int // a directory's place in the entries
	index    int
	digests  bool
}

const listChunk = 4096

func newFileLister(index int, digests bool) *fileLister {
	return &fileLister{lf: &layerFiles{}, dirIndex: map[string]int{}, index: index, digests: digests}
}

// files is the list, once every entry was added.
func (fl *fileLister) files() *layerFiles {
	if fl.chunks != nil {
		fl.lf.entries = make([]FileEntry, 0, fl.n)
		for _, c := range fl.chunks {
			fl.lf.entries = append(fl.lf.entries, c...)
		}
		fl.chunks = nil
	}
	return fl.lf
}

// add lists one checked entry (name is checkEntry's, cleaned and
// relative); with digests, a regular file's content is hashed from tr.
func (fl *fileLister) add(hdr *tar.Header, name string, tr *tar.Reader) error {
	lf := fl.lf
	p := "/" + name
	base := path.Base(name)
	switch {
	case base == whiteoutOpaque:
		lf.opaque = append(lf.opaque, path.Dir(p))
		return nil
	case strings.HasPrefix(base, whiteoutMeta):
		return nil
	case strings.HasPrefix(base, whiteoutPrefix):
		lf.removed = append(lf.removed, path.Join(path.Dir(p), strings.TrimPrefix(base, whiteoutPrefix)))
		return nil
	}
	e := FileEntry{Path: p, Type: tarType(hdr.Typeflag), Mode: uint32(hdr.Mode) & 0o7777,
		UID: hdr.Uid, GID: hdr.Gid, Size: hdr.Size, Layer: fl.index}
	switch hdr.Typeflag {
	case tar.TypeSymlink:
		e.Link = hdr.Linkname
	case tar.TypeLink:
		target, _ := cleanName(hdr.Linkname)
		e.Link, e.Size = "/"+target, 0
	case tar.TypeReg, tar.TypeRegA:
		if fl.digests {
			h := sha256.New()
			if _, err := io.Copy(h, tr); err != nil {
				return err
			}
			e.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
		}
	default:
		e.Size = 0
	}
	lf.size += e.Size
	if i, ok := fl.dirIndex[p]; ok { // a repeated directory: the last one wins
		fl.chunks[i/listChunk][i%listChunk] = e
		return nil
	}
	if e.Type == TypeDir {
		fl.dirIndex[p] = fl.n
	}
	if fl.n%listChunk == 0 {
		fl.chunks = append(fl.chunks, make([]FileEntry, 0, listChunk))
	}
	last := len(fl.chunks) - 1
	fl.chunks[last] = append(fl.chunks[last], e)
	fl.n++
	return nil
}

// shortDigest is a digest cut to 12 hex digits, for messages.
func shortDigest(d string) string {
	hex := strings.TrimPrefix(d, "sha256:")
	if len(hex) > 12 {
		hex = hex[:12]
	}
	return hex
}
