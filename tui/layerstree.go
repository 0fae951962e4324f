package tui

import (
	"path"
	"slices"
	"strings"

	"github.com/berthdev/berth/engine"
)

// What a layer did to a tree node, as the Layers view colours it.
const (
	kindNone       = iota // a directory only implied by what is under it
	kindUnmodified        // in the tree, untouched by the selected layer
	kindAdded
	kindModified
	kindRemoved
	numKinds
)

// kindOf is the kind of a change.
func kindOf(c engine.ChangeKind) int {
	switch c {
	case "added":
		return kindAdded
	case "modified":
		return kindModified
	case "removed":
		return kindRemoved
	}
	return kindUnmodified
}

// treeNode is one path of a layerTree.
type treeNode struct {
	name     string
	entry    engine.FileEntry
	kind     int
	dir      bool
	size     int64 // a file's size; a directory's is everything under it
	depth    int32
	parent   int32
	children []int32
}

// layerTree is the file tree the Layers view shows for one layer in one
// mode, built once off the event loop (in the engine call's command).
// Parents always come before their children in nodes; node 0 is "/".
type layerTree struct {
	nodes  []treeNode
	byPath map[string]int32
	idW    int // the widest UID:GID, for the tree's column
}

// buildTree makes the tree of one layer: with aggregate, every entry of
// the image up to it (entries), each marked with what the layer did
// (changes), the paths it removed included; else the changes alone.
func buildTree(entries, changes []engine.FileEntry, aggregate bool) *layerTree {
	t := &layerTree{byPath: make(map[string]int32, len(entries)+len(changes)+1)}
	t.nodes = append(t.nodes, treeNode{name: "/", entry: engine.FileEntry{Path: "/", Type: "dir"}, dir: true, parent: -1})
	t.byPath["/"] = 0
	if aggregate {
		for _, e := range entries {
			t.put(e, kindUnmodified)
		}
	}
	for _, c := range changes {
		t.put(c, kindOf(c.Change))
	}
	for i := range t.nodes {
		n := &t.nodes[i]
		if len(n.children) > 1 {
			slices.SortFunc(n.children, func(a, b int32) int { return strings.Compare(t.nodes[a].name, t.nodes[b].name) })
		}
	}
	for i := len(t.nodes) - 1; i > 0; i-- { // children after parents: sizes add up
		n := &t.nodes[i]
		if n.kind != kindRemoved {
			t.nodes[n.parent].size += n.size
		}
	}
	t.idW = t.idWidth()
	return t
}

// put sets e at its path, creating the directories above it.
func (t *layerTree) put(e engine.FileEntry, kind int) {
	p := path.Clean("/" + e.Path)
	i, ok := t.byPath[p]
	if !ok {
		i = t.ensure(p)
	}
	n := &t.nodes[i]
	n.entry, n.kind = e, kind
	n.dir = e.Type == "dir"
	if !n.dir && e.Type != "" {
		n.size = e.Size
	}
}

// ensure returns the node of p, creating it and its parents as implied
// directories.
func (t *layerTree) ensure(p string) int32 {
	if i, ok := t.byPath[p]; ok {
		return i
	}
	parent := t.ensure(path.Dir(p))
	i := int32(len(t.nodes))
	t.nodes = append(t.nodes, treeNode{name: path.Base(p), entry: engine.FileEntry{Path: p, Type: "dir"}, dir: true,
		parent: parent, depth: t.nodes[parent].depth + 1})
	t.nodes[parent].children = append(t.nodes[parent].children, i)
	t.byPath[p] = i
	return i
}

// treeFilter is what the view narrows the tree to.
type treeFilter struct {
	hide      [numKinds]bool // kinds hidden
	text      string         // a path prefix ("/etc") or a substring
	collapsed map[string]bool
}

func (f treeFilter) match(p string) bool {
	switch {
	case f.text == "":
		return true
	case strings.HasPrefix(f.text, "/"):
		return strings.HasPrefix(p, f.text)
	}
	return strings.Contains(p, f.text)
}

// rows is the tree as the view lists it: the nodes shown, in order. A
// node shows when its kind is not hidden and its path matches, or when
// something under it shows; a collapsed directory hides what is under it.
// It costs one pass over the tree, done when the tree or the filter
// changes, never per frame.
func (t *layerTree) rows(f treeFilter) []int32 {
	keep := make([]bool, len(t.nodes))
	for i := len(t.nodes) - 1; i > 0; i-- {
		n := &t.nodes[i]
		if n.kind != kindNone && !f.hide[n.kind] && f.match(n.entry.Path) {
			keep[i] = true
		}
		if keep[i] {
			keep[n.parent] = true
		}
	}
	var out []int32
	stack := slices.Clone(t.nodes[0].children)
	slices.Reverse(stack)
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !keep[i] {
			continue
		}
		out = append(out, i)
		n := &t.nodes[i]
		if f.collapsed[n.entry.Path] {
			continue
		}
		for j := len(n.children) - 1; j >= 0; j-- {
			stack = append(stack, n.children[j])
		}
	}
	return out
}

// counts is how many nodes of each kind the tree has.
func (t *layerTree) counts() [numKinds]int {
	var c [numKinds]int
	for i := 1; i < len(t.nodes); i++ {
		c[t.nodes[i].kind]++
	}
	return c
}
