package layers

import (
	"sort"
	"strings"
)

// node is one path of a stacked file tree. Its entry is shared with the
// layerFiles it came from and never changed.
type node struct {
	entry    *FileEntry
	implied  bool // a directory no layer named, only implied by its children
	children map[string]*node
}

// fileTree is the union of layers stacked as overlayfs and the OCI image
// spec define it: later entries replace earlier ones, whiteouts remove a
// path and everything under it, an opaque directory hides what lower
// layers had in it.
type fileTree struct{ root *node }

func newFileTree() *fileTree {
	return &fileTree{root: &node{entry: &FileEntry{Path: "/", Type: TypeDir, Mode: 0o755}, children: map[string]*node{}}}
}

// next splits the first component off a relative path: "a/b/c" is "a",
// "b/c".
func next(rest string) (string, string) {
	name, rest, _ := strings.Cut(rest, "/")
	return name, rest
}

func (t *fileTree) get(p string) *node {
	n := t.root
	for rest := strings.Trim(p, "/"); rest != ""; {
		var name string
		name, rest = next(rest)
		if n = n.children[name]; n == nil {
			return nil
		}
	}
	return n
}

// remove deletes p and everything under it, returning what was there.
func (t *fileTree) remove(p string) *node {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	dir, base := "", p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		dir, base = p[:i], p[i+1:]
	}
	parent := t.get(dir)
	if parent == nil {
		return nil
	}
	n := parent.children[base]
	delete(parent.children, base)
	return n
}

// set puts e at its path, creating implied parent directories; anything
// but a directory drops what was under the path.
func (t *fileTree) set(e *FileEntry) {
	n := t.root
	full := strings.Trim(e.Path, "/")
	for rest := full; rest != ""; {
		var name string
		name, rest = next(rest)
		if n.children == nil {
			n.children = map[string]*node{}
		}
		c := n.children[name]
		if c == nil && rest == "" { // e's own node: no implied entry to replace
			c = &node{entry: e}
			n.children[name] = c
		} else if c == nil {
			c = &node{implied: true, entry: &FileEntry{Path: "/" + full[:len(full)-len(rest)-min(len(rest), 1)], Type: TypeDir, Mode: 0o755, Layer: e.Layer}}
			n.children[name] = c
		} else if rest != "" && c.entry.Type != TypeDir { // a file where a directory is now needed
			c.entry, c.implied, c.children = &FileEntry{Path: c.entry.Path, Type: TypeDir, Mode: 0o755, Layer: e.Layer}, true, nil
		}
		n = c
	}
	n.entry, n.implied = e, false
	if e.Type != TypeDir {
		n.children = nil
	}
}

// size is the sum of the entry sizes at and under n.
func (n *node) size() int64 {
	s := n.entry.Size
	for _, c := range n.children {
		s += c.size()
	}
	return s
}

// walk visits every node under n (not n itself) in path order, parents
// before children. fn returning false skips a node's children.
func (n *node) walk(fn func(*node) bool) {
	names := make([]string, 0, len(n.children))
	for name := range n.children {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c := n.children[name]
		if fn(c) {
			c.walk(fn)
		}
	}
}

// sortEntries orders entries as a tree lists them: by path, component by
// component ("/a/b" before "/a-b"), stable.
func sortEntries(es []FileEntry) {
	sort.SliceStable(es, func(i, j int) bool { return pathLess(es[i].Path, es[j].Path) })
}

// pathLess orders paths with "/" below every other byte.
func pathLess(a, b string) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca == '/' {
			return true
		}
		if cb == '/' {
			return false
		}
		return ca < cb
	}
	return len(a) < len(b)
}

// entries lists the tree, in path order.
func (t *fileTree) entries() []FileEntry {
	var out []FileEntry
	t.root.walk(func(n *node) bool { out = append(out, *n.entry); return true })
	return out
}

// stackLayer applies one layer to the tree and returns what it changed,
// each path marked added, modified or removed. Whiteouts and opaque
// directories apply to lower layers only, so they go first. removedSize,
// if not nil, is told the size each whiteout removed as dive counts it:
// everything under an explicit directory, nothing for anything else.
func (t *fileTree) stackLayer(lf *layerFiles, index int, removedSize func(p string, size int64)) []FileEntry {
	return t.stack(lf, index, removedSize, nil)
}

// stack is stackLayer that, given counts, counts the changes by kind
// (added, modified, removed) instead of listing them.
func (t *fileTree) stack(lf *layerFiles, index int, removedSize func(p string, size int64), counts *[3]int) []FileEntry {
	var changes []FileEntry
	add := func(e FileEntry) {
		if counts == nil {
			changes = append(changes, e)
			return
		}
		switch e.Change {
		case ChangeAdded:
			counts[0]++
		case ChangeModified:
			counts[1]++
		default:
			counts[2]++
		}
	}
	existed := make([]bool, len(lf.entries))
	for i := range lf.entries {
		existed[i] = t.get(lf.entries[i].Path) != nil
	}
	for _, p := range lf.removed {
		old := t.remove(p)
		e := FileEntry{Path: p, Change: ChangeRemoved, Layer: index}
		var size int64
		if old != nil {
			e.Type = old.entry.Type
			if old.entry.Type == TypeDir && !old.implied {
				size = old.size()
			}
		}
		if removedSize != nil {
			removedSize(p, size)
		}
		add(e)
	}
	if len(lf.opaque) > 0 {
		here := make(map[string]bool, len(lf.entries))
		for i := range lf.entries {
			here[lf.entries[i].Path] = true
		}
		for _, d := range lf.opaque {
			n := t.get(d)
			if n == nil {
				continue
			}
			n.walk(func(c *node) bool {
				if !here[c.entry.Path] {
					add(FileEntry{Path: c.entry.Path, Type: c.entry.Type, Change: ChangeRemoved, Layer: index})
					return false
				}
				return true // re-added here: what it had below is hidden too
			})
			n.children = nil
		}
	}
	opaque := map[string]bool{}
	for _, d := range lf.opaque {
		opaque[d] = true
	}
	for i := range lf.entries {
		e := &lf.entries[i]
		if opaque[e.Path] {
			e.Opaque = true
		}
		c := FileEntry{Change: ChangeAdded}
		if existed[i] {
			c.Change = ChangeModified
		}
		if counts == nil {
			c = *e
			c.Change = ChangeAdded
			if existed[i] {
				c.Change = ChangeModified
			}
		}
		add(c)
		t.set(e)
	}
	sortEntries(changes)
	return changes
}
