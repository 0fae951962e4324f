package tui

import (
	"fmt"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/berthdev/berth/engine"
)

// The Layers view: an image's layers (left), the file tree after the
// selected one (right), its efficiency, and one file's diff between the
// layer that last changed it and the version before — `berth layers` as an
// explorer, dive's views.
//
// The engine calls read layers and are slow: each is a command (cmds
// below) whose tree is built off the event loop; trees are cached per
// (image, layer, mode), so going back to a layer is instant. Moving
// through the layers asks the engine only once the cursor rests
// (layerSettle), so holding a key does not queue a read per layer.

// The panes, in focus order.
const (
	paneLayers = iota
	paneTree
	paneEfficiency
	numPanes
	paneDiff // over the tree while a diff is open
)

// layerSettle is how long the layer cursor rests before the engine is asked.
const layerSettle = 120 * time.Millisecond

// layersView is the open Layers view of one image.
type layersView struct {
	c      *Common
	cache  *layersCache
	ref    string // how the CLI names the image
	id     string // the image ID: the cache key
	width  int
	height int

	an     *engine.LayerAnalysis
	layers []int // the rows of an.Layers that are layers, bottom first (not empty history entries)
	err    error // the layer table could not be read
	lwin   window
	ewin   window
	focus  int

	aggregate bool
	filter    treeFilter
	input     lineInput
	want      treeKey    // the layer and mode the cursor asks for
	shown     treeKey    // what tree holds
	tree      *layerTree // nil until the first one is read
	rows      []int32
	twin      window
	settling  int // the layer-settle timer in flight

	diff *diffPane
}

// treeKey names one tree: an image, a layer, a mode.
type treeKey struct {
	id        string
	layer     int
	aggregate bool
}

func newLayersView(c *Common, cache *layersCache, im engine.ImageSummary) *layersView {
	return &layersView{c: c, cache: cache, ref: imageRef(im), id: im.ID,
		filter: treeFilter{collapsed: map[string]bool{}}, input: newLineInput("filter: "), focus: paneLayers}
}

// The view's messages: the App hands every layersMsg to layersUpdate.
type (
	layersMsg interface{ layersView() }
	// layerTableMsg is an image's layer table and efficiency.
	layerTableMsg struct {
		id  string
		an  *engine.LayerAnalysis
		err error
	}
	// layerTreeMsg is one tree read and built.
	layerTreeMsg struct {
		key     treeKey
		tree    *layerTree
		changes []engine.FileEntry // what the layer changes, kept to build its other mode
		err     error
	}
	// layerSettleMsg fires when the layer cursor may have come to rest.
	layerSettleMsg struct{ seq int }
	// fileDiffMsg is one file's history and diff.
	fileDiffMsg struct {
		key diffKey
		d   *diffResult
		err error
	}
)

func (layerTableMsg) layersView()  {}
func (layerTreeMsg) layersView()   {}
func (layerSettleMsg) layersView() {}
func (fileDiffMsg) layersView()    {}

func loadLayerTable(e Engine, id, ref string) tea.Cmd {
	return func() tea.Msg {
		an, err := e.ImageLayers(ref, engine.AnalyzeOptions{})
		return layerTableMsg{id, an, err}
	}
}

// loadLayerTree reads a layer's changes (unless known) and, for the
// aggregated mode, the tree up to it, and builds the view's tree.
func loadLayerTree(e Engine, ref string, k treeKey, changes []engine.FileEntry) tea.Cmd {
	return func() tea.Msg {
		var err error
		if changes == nil {
			if changes, err = e.LayerChanges(ref, k.layer, k.layer, false); err != nil {
				return layerTreeMsg{key: k, err: err}
			}
			if changes == nil {
				changes = []engine.FileEntry{}
			}
		}
		var entries []engine.FileEntry
		if k.aggregate {
			if entries, err = e.LayerTree(ref, k.layer, false); err != nil {
				return layerTreeMsg{key: k, err: err}
			}
		}
		return layerTreeMsg{key: k, tree: buildTree(entries, changes, k.aggregate), changes: changes}
	}
}

// layersCache keeps built trees and layers' change lists, the oldest
// dropped first past maxCachedTrees or maxCachedNodes.
type layersCache struct {
	trees   map[treeKey]*layerTree
	changes map[treeKey][]engine.FileEntry // by key with aggregate false
	order   []treeKey
	nodes   int
	diffs   map[diffKey]*diffResult
}

const (
	maxCachedTrees = 24
	maxCachedNodes = 600_000
	maxCachedDiffs = 64
)

func (c *layersCache) tree(k treeKey) *layerTree { return c.trees[k] }

func (c *layersCache) put(k treeKey, t *layerTree, changes []engine.FileEntry) {
	if c.trees == nil {
		c.trees, c.changes = map[treeKey]*layerTree{}, map[treeKey][]engine.FileEntry{}
	}
	if _, ok := c.trees[k]; ok {
		return
	}
	c.trees[k] = t
	c.changes[treeKey{k.id, k.layer, false}] = changes
	c.order = append(c.order, k)
	c.nodes += len(t.nodes)
	for len(c.order) > 1 && (len(c.order) > maxCachedTrees || c.nodes > maxCachedNodes) {
		old := c.order[0]
		c.order = c.order[1:]
		c.nodes -= len(c.trees[old].nodes)
		delete(c.trees, old)
		if _, other := c.trees[treeKey{old.id, old.layer, !old.aggregate}]; !other {
			delete(c.changes, treeKey{old.id, old.layer, false})
		}
	}
}

func (c *layersCache) putDiff(k diffKey, d *diffResult) {
	if c.diffs == nil || len(c.diffs) >= maxCachedDiffs {
		c.diffs = map[diffKey]*diffResult{}
	}
	c.diffs[k] = d
}

func (v *layersView) SetSize(w, h int) {
	v.width, v.height = w, h
	v.fitWindows()
}

// fitWindows sizes the panes' windows to the layout, which changes with
// the size, the focus (narrow: the details show while the layers have
// it) and the selected layer's command.
func (v *layersView) fitWindows() {
	l := v.layout()
	v.lwin.Height = max(l.layersH-1, 1)
	v.twin.Height = max(l.treeH-2, 1) // title, column header
	v.ewin.Height = max(l.effH-3, 1)
	v.lwin.clamp(len(v.layers))
	v.twin.clamp(len(v.rows))
	if v.an != nil {
		v.ewin.clamp(len(v.an.Efficiency.Wasted))
	}
	if v.diff != nil {
		v.diff.win.Height = max(l.treeH-2, 1)
		v.diff.win.clamp(len(v.diff.lines))
	}
}

// layer is the selected layer's index, -1 before the table is read.
func (v *layersView) layer() int {
	if v.lwin.Cursor < len(v.layers) {
		return v.an.Layers[v.layers[v.lwin.Cursor]].Index
	}
	return -1
}

func (v *layersView) key() treeKey { return treeKey{v.id, v.layer(), v.aggregate} }

// selected is the tree node under the cursor.
func (v *layersView) selected() (*treeNode, bool) {
	if v.tree == nil || v.twin.Cursor >= len(v.rows) {
		return nil, false
	}
	return &v.tree.nodes[v.rows[v.twin.Cursor]], true
}

// show puts t in the tree pane, the cursor on the same path if it is
// still there.
func (v *layersView) show(k treeKey, t *layerTree) {
	var path string
	if n, ok := v.selected(); ok {
		path = n.entry.Path
	}
	v.shown, v.tree = k, t
	v.refilter(path)
}

// refilter lists the rows again after the tree or the filter changed.
func (v *layersView) refilter(keep string) {
	if v.tree == nil {
		return
	}
	v.rows = v.tree.rows(v.filter)
	if keep != "" {
		if i, ok := v.tree.byPath[keep]; ok {
			for r, n := range v.rows {
				if n == i {
					v.twin.Cursor = r
					break
				}
			}
		}
	}
	v.twin.clamp(len(v.rows))
}

// layersLine is the `berth layers` line that prints what the view shows.
func (v *layersView) layersLine() cmdLine {
	l := strconv.Itoa(v.layer())
	if v.aggregate {
		return cmdLine{Berth: "berth layers --aggregate --layer " + l + " " + shellQuote(v.ref), Docker: "-"}
	}
	return cmdLine{Berth: "berth layers --layer " + l + " " + shellQuote(v.ref), Docker: "-"}
}

// filterLine is the shell line that narrows the tree as the filter does.
func (v *layersView) filterLine() cmdLine {
	base := "berth layers --layer " + strconv.Itoa(v.layer())
	if v.aggregate {
		base = "berth layers --aggregate --layer " + strconv.Itoa(v.layer())
	}
	base += " --json " + shellQuote(v.ref) + " | grep "
	if t := v.filter.text; len(t) > 0 && t[0] == '/' {
		return cmdLine{Berth: base + "-F -- " + shellQuote(`"path": "`+t), Docker: "-"}
	}
	return cmdLine{Berth: base + `'"path": ' | grep -F -- ` + shellQuote(v.filter.text), Docker: "-"}
}

// digest is the selected layer's, with what it adds, modifies, removes.
func (v *layersView) digest() (string, [3]int, bool) {
	if v.lwin.Cursor >= len(v.layers) {
		return "", [3]int{}, false
	}
	l := v.an.Layers[v.layers[v.lwin.Cursor]]
	return l.Digest, [3]int{l.Added, l.Modified, l.Removed}, true
}

func (v *layersView) title() string {
	mode := "changed in layer"
	if v.aggregate {
		mode = "aggregated up to layer"
	}
	return fmt.Sprintf("%s · %s %d", v.ref, mode, v.layer())
}
