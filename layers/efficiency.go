package layers

import (
	"path"
	"sort"
)

// Efficiency is an image's waste as dive reports it, so that thresholds
// written for `dive --ci` (.dive-ci) mean the same here:
//
//   - every path that is a leaf of some layer's own tree (a file, a link, an
//     empty directory, a whiteout) is counted once per layer that has it,
//     with its size; a whiteout counts what it removed if it removed an
//     explicit directory (the sizes of everything under it), else nothing;
//   - a path counted in two or more layers is wasted: all its counted bytes
//     (the surviving copy included) are WastedBytes;
//   - Score is the sum over paths of their smallest count over the sum of
//     all counts (1 when nothing was counted).
//
// Unlike dive, opaque directories are honoured when stacking layers.
type Efficiency struct {
	Score             float64      `json:"efficiency"`
	SizeBytes         int64        `json:"sizeBytes"`     // sum of all entry sizes of all layers
	UserSizeBytes     int64        `json:"userSizeBytes"` // the same without the first (base) layer
	WastedBytes       int64        `json:"wastedBytes"`
	UserWastedPercent float64      `json:"userWastedPercent"` // WastedBytes / UserSizeBytes, a ratio (dive's name)
	Wasted            []WastedPath `json:"inefficiencies"`    // largest first
}

// WastedPath is one path counted in several layers.
type WastedPath struct {
	Path  string `json:"path"`
	Count int    `json:"count"` // layers that have it
	Bytes int64  `json:"bytes"` // all its counted bytes
}

type pathCount struct {
	count    int
	cum, min int64
}

// efficiency accumulates Efficiency over the layers of one image, bottom
// first: add each layer's files before stacking it, then removedSize for
// each whiteout during the stacking.
type efficiency struct {
	paths  map[string]pathCount
	layers int
	size   int64
	user   int64
	// leaves of the layer being added: path -> is a whiteout
	whiteouts map[string]bool
}

// newEfficiency is an empty count for about paths leaf paths (the map is
// made that size at once: growing it left 7 MB of old tables per analysis
// of bench/layers' image).
func newEfficiency(paths int) *efficiency {
	return &efficiency{paths: make(map[string]pathCount, paths)}
}

func (ef *efficiency) count(p string, size int64) {
	pc, ok := ef.paths[p]
	if !ok {
		pc.min = -1
	}
	pc.count++
	pc.cum += size
	if pc.min < 0 || size < pc.min {
		pc.min = size
	}
	ef.paths[p] = pc
}

// addLayer counts the leaves of lf's own tree that are not whiteouts, and
// remembers which whiteouts are leaves, for removedSize.
func (ef *efficiency) addLayer(lf *layerFiles) {
	ef.size += lf.size
	if ef.layers > 0 {
		ef.user += lf.size
	}
	ef.layers++
	inner := map[string]bool{} // paths with children in this layer
	mark := func(p string) {
		for d := path.Dir(p); d != "/" && !inner[d]; d = path.Dir(d) {
			inner[d] = true
		}
	}
	for i := range lf.entries {
		mark(lf.entries[i].Path)
	}
	for _, p := range lf.removed {
		mark(p)
	}
	for _, p := range lf.opaque {
		mark(p)
	}
	for i := range lf.entries {
		e := &lf.entries[i]
		if !inner[e.Path] {
			ef.count(e.Path, e.Size)
		}
	}
	if len(lf.opaque) > 0 {
		hasEntry := make(map[string]bool, len(lf.entries))
		for i := range lf.entries {
			hasEntry[lf.entries[i].Path] = true
		}
		for _, p := range lf.opaque { // dive keeps the directory of an opaque marker as a node
			if !inner[p] && !hasEntry[p] {
				ef.count(p, 0)
			}
		}
	}
	ef.whiteouts = map[string]bool{}
	for _, p := range lf.removed {
		if !inner[p] {
			ef.whiteouts[p] = true
		}
	}
}

// removedSize counts a whiteout of the layer last added.
func (ef *efficiency) removedSize(p string, size int64) {
	if ef.whiteouts[p] {
		ef.count(p, size)
	}
}

func (ef *efficiency) result() Efficiency {
	out := Efficiency{SizeBytes: ef.size, UserSizeBytes: ef.user, Wasted: []WastedPath{}}
	var minSum, cumSum int64
	for p, pc := range ef.paths {
		minSum += pc.min
		cumSum += pc.cum
		if pc.count >= 2 {
			out.Wasted = append(out.Wasted, WastedPath{Path: p, Count: pc.count, Bytes: pc.cum})
			out.WastedBytes += pc.cum
		}
	}
	out.Score = 1
	if cumSum > 0 {
		out.Score = float64(minSum) / float64(cumSum)
	}
	if ef.user > 0 {
		out.UserWastedPercent = float64(out.WastedBytes) / float64(ef.user)
	}
	sort.Slice(out.Wasted, func(i, j int) bool {
		if out.Wasted[i].Bytes != out.Wasted[j].Bytes {
			return out.Wasted[i].Bytes > out.Wasted[j].Bytes
		}
		return out.Wasted[i].Path < out.Wasted[j].Path
	})
	return out
}
