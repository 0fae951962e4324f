package layers

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/berthdev/berth/internal/errdefs"
)

// LayerSummary is one row of an image's layer table: one per history
// entry, empty layers included (Index -1), or one per layer for an image
// without history.
type LayerSummary struct {
	Index     int       `json:"index"` // 0 = bottom layer; -1 for an empty layer
	Digest    string    `json:"digest,omitempty"`
	DiffID    string    `json:"diffID,omitempty"`
	Size      int64     `json:"size"`  // uncompressed bytes of the layer tarball
	Files     int       `json:"files"` // entries, whiteouts and opaque markers included
	Added     int       `json:"added"`
	Modified  int       `json:"modified"`
	Removed   int       `json:"removed"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"createdBy"`
	Comment   string    `json:"comment,omitempty"`
	Empty     bool      `json:"empty,omitempty"`
}

// Analysis is everything one pass over an image's layers tells.
type Analysis struct {
	Layers     []LayerSummary `json:"layers"`
	Efficiency Efficiency     `json:"efficiency"`
	// Changes are each layer's changes (index = layer index), in path
	// order, when asked for.
	Changes [][]FileEntry `json:"changes,omitempty"`
}

// AnalyzeOptions choose what Analyze computes beyond the layer table and
// the efficiency.
type AnalyzeOptions struct {
	// Digests hashes every regular file's content. The default is not to:
	// sizes and metadata only, as a CI check needs.
	Digests bool
	// Changes keeps every layer's change list. The default is not to.
	Changes bool
}

// readLayers reads the file lists of img's layers 0..upTo, several at a time.
func (s *Store) readLayers(img *Image, upTo int, digests bool) ([]*layerFiles, error) {
	out := make([]*layerFiles, upTo+1)
	errs := make([]error, upTo+1)
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for i := 0; i <= upTo; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = s.readLayerFiles(img.Layers[i], i, digests)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkLayer validates a layer index of img.
func checkLayer(img *Image, i int) error {
	if i < 0 || i >= len(img.Layers) {
		return fmt.Errorf("layer %d: image has %d layers (0 to %d): %w", i, len(img.Layers), len(img.Layers)-1, errdefs.ErrNotFound)
	}
	return nil
}

// Analyze reads every layer of img once (several at a time, streaming)
// and returns the layer table, dive's efficiency and, if asked, each
// layer's changes.
func (s *Store) Analyze(img *Image, opts AnalyzeOptions) (*Analysis, error) {
	files, err := s.readLayers(img, len(img.Layers)-1, opts.Digests)
	if err != nil {
		return nil, err
	}
	a := &Analysis{}
	leaves := 0
	for _, lf := range files {
		leaves += len(lf.entries) + len(lf.removed)
	}
	t, ef := newFileTree(), newEfficiency(leaves)
	rows := make([]LayerSummary, len(img.Layers))
	for i, lf := range files {
		ef.addLayer(lf)
		l := img.Layers[i]
		rows[i] = LayerSummary{Index: i, Digest: l.Digest, DiffID: l.DiffID, Size: l.DiffSize,
			Files: len(lf.entries) + len(lf.removed) + len(lf.opaque)}
		var changes []FileEntry
		if opts.Changes {
			changes = t.stackLayer(lf, i, ef.removedSize)
			for _, c := range changes {
				switch c.Change {
				case ChangeAdded:
					rows[i].Added++
				case ChangeModified:
					rows[i].Modified++
				case ChangeRemoved:
					rows[i].Removed++
				}
			}
		} else {
			var n [3]int
			t.stack(lf, i, ef.removedSize, &n)
			rows[i].Added, rows[i].Modified, rows[i].Removed = n[0], n[1], n[2]
		}
		if opts.Changes {
			a.Changes = append(a.Changes, changes)
		}
	}
	a.Efficiency = ef.result()
	a.Layers = withHistory(img, rows)
	return a, nil
}

// withHistory interleaves the layer rows with the image's history: each
// history entry that made a layer names the next one; empty ones get a
// row of their own. Without a usable history the rows are the layers.
func withHistory(img *Image, rows []LayerSummary) []LayerSummary {
	nonEmpty := 0
	for _, h := range img.History {
		if !h.EmptyLayer {
			nonEmpty++
		}
	}
	if nonEmpty != len(rows) {
		return rows
	}
	var out []LayerSummary
	i := 0
	for _, h := range img.History {
		r := LayerSummary{Index: -1, Empty: true}
		if !h.EmptyLayer {
			r = rows[i]
			i++
		}
		r.Created, r.CreatedBy, r.Comment = h.Created, h.CreatedBy, h.Comment
		out = append(out, r)
	}
	return out
}

// Tree is img's file system as it stands after layer upTo (the bottom
// layer is 0): every path, each marked with the layer that last set it.
func (s *Store) Tree(img *Image, upTo int, digests bool) ([]FileEntry, error) {
	t, _, err := s.stacked(img, upTo, digests)
	if err != nil {
		return nil, err
	}
	return t.entries(), nil
}

// stacked reads layers 0..upTo and stacks them.
func (s *Store) stacked(img *Image, upTo int, digests bool) (*fileTree, []*layerFiles, error) {
	if err := checkLayer(img, upTo); err != nil {
		return nil, nil, err
	}
	files, err := s.readLayers(img, upTo, digests)
	if err != nil {
		return nil, nil, err
	}
	t := newFileTree()
	for i, lf := range files {
		t.stackLayer(lf, i, nil)
	}
	return t, files, nil
}

// Changes is the change set of layers from..to taken as one: what a
// container on layer to sees added, modified and removed compared with
// one on layer from-1 (nothing, for from = 0). A removed directory is
// listed once, not with everything under it.
func (s *Store) Changes(img *Image, from, to int, digests bool) ([]FileEntry, error) {
	if err := checkLayer(img, from); err != nil {
		return nil, err
	}
	if err := checkLayer(img, to); err != nil {
		return nil, err
	}
	if from > to {
		return nil, fmt.Errorf("layer range %d..%d: the first layer is above the last: %w", from, to, errdefs.ErrInvalid)
	}
	files, err := s.readLayers(img, to, digests)
	if err != nil {
		return nil, err
	}
	t := newFileTree()
	for i := 0; i < from; i++ {
		t.stackLayer(files[i], i, nil)
	}
	base := map[string]*FileEntry{}
	t.root.walk(func(n *node) bool { base[n.entry.Path] = n.entry; return true })
	for i := from; i <= to; i++ {
		t.stackLayer(files[i], i, nil)
	}
	var out []FileEntry
	head := map[string]bool{}
	t.root.walk(func(n *node) bool {
		head[n.entry.Path] = true
		e := *n.entry
		switch old, ok := base[e.Path]; {
		case !ok:
			e.Change = ChangeAdded
		case old != n.entry && e.Layer >= from:
			e.Change = ChangeModified
		default:
			return true
		}
		out = append(out, e)
		return true
	})
	var gone []FileEntry
	for p, e := range base {
		if !head[p] {
			gone = append(gone, FileEntry{Path: p, Type: e.Type, Change: ChangeRemoved, Layer: to})
		}
	}
	return mergeRemoved(out, gone), nil
}

// mergeRemoved adds the removed entries whose parent is still there to
// the path-ordered list out, keeping it ordered.
func mergeRemoved(out, gone []FileEntry) []FileEntry {
	removed := map[string]bool{}
	for _, g := range gone {
		removed[g.Path] = true
	}
	for _, g := range gone {
		if !removed[parentOf(g.Path)] {
			out = append(out, g)
		}
	}
	sortEntries(out)
	return out
}

func parentOf(p string) string {
	i := strings.LastIndex(p, "/")
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// LayerChanges is what layer i itself changes, as its tarball says: each
// entry added or modified, each whiteout a removal, each path an opaque
// directory hides a removal (the directory itself marked Opaque).
func (s *Store) LayerChanges(img *Image, i int, digests bool) ([]FileEntry, error) {
	if err := checkLayer(img, i); err != nil {
		return nil, err
	}
	files, err := s.readLayers(img, i, digests)
	if err != nil {
		return nil, err
	}
	t := newFileTree()
	for j := 0; j < i; j++ {
		t.stackLayer(files[j], j, nil)
	}
	return t.stackLayer(files[i], i, nil), nil
}
