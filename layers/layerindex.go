package layers

import (
	"bufio"
	"encoding/gob"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berthdev/berth/internal/atomicfile"
)

// A layer's file list never changes (the layer is named by its content),
// so the first full read of a layer leaves it in layerinfo/<diffID
// hex>.files (with content digests: .dfiles), and later views of the
// layer read that instead of decompressing the blob again. Load lists
// each layer's tarball while it checks and hashes it, so a layer it
// stores is never read again to be viewed (txn.cacheFiles). Build steps
// and commits do not (their lists are made on first view): they would pay
// a list and two fsyncs per layer for views that may never come. It is a cache:
// a missing or unreadable one costs time only. Removing the layer removes
// it (gc in remove.go keeps layerinfo/<hex>.* only for live layers).

// layerIndex is layerFiles in gob's terms.
type layerIndex struct {
	Entries []FileEntry
	Removed []string
	Opaque  []string
	Size    int64
}

func (s *Store) indexFile(l Layer, digests bool) string {
	ext := ".files"
	if digests {
		ext = ".dfiles"
	}
	return filepath.Join(s.layerInfo, strings.TrimPrefix(l.DiffID, "sha256:")+ext)
}

// cachedLayerFiles reads a layer's cached file list, if there is one good
// enough: with digests when asked for.
func (s *Store) cachedLayerFiles(l Layer, index int, digests bool) *layerFiles {
	for _, d := range []bool{true, false} {
		if digests && !d {
			break
		}
		f, err := os.Open(s.indexFile(l, d))
		if err != nil {
			continue
		}
		var li layerIndex
		err = gob.NewDecoder(bufio.NewReaderSize(f, 1<<16)).Decode(&li)
		f.Close()
		if err != nil {
			continue
		}
		for i := range li.Entries {
			li.Entries[i].Layer = index
		}
		return &layerFiles{entries: li.Entries, removed: li.Removed, opaque: li.Opaque, size: li.Size}
	}
	return nil
}

// cacheFiles leaves the file list of a layer the transaction just stored
// (read while its tarball was checked) in layerinfo/, so that its first
// view reads that instead of the blob; rollback takes it back. A list
// already there is kept.
func (t *txn) cacheFiles(diffID v1.Hash, lf *layerFiles) {
	l := Layer{DiffID: diffID.String()}
	p := t.s.indexFile(l, false)
	if exists(p) || exists(t.s.indexFile(l, true)) {
		return
	}
	if t.s.cacheLayerFiles(l, lf, false) == nil {
		t.lists = append(t.lists, p)
	}
}

// cacheLayerFiles writes a layer's file list for next time.
func (s *Store) cacheLayerFiles(l Layer, lf *layerFiles, digests bool) error {
	return atomicfile.Write(s.indexFile(l, digests), 0o644, func(w io.Writer) error {
		return gob.NewEncoder(w).Encode(layerIndex{Entries: lf.entries, Removed: lf.removed, Opaque: lf.opaque, Size: lf.size})
	})
}
