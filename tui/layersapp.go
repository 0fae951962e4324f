package tui

import (
	"charm.land/bubbles/v2/key"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"
)

// layersState is the App's part of the Layers view: the open view (over
// the images tab) and the cache that outlives it.
type layersState struct {
	open  *layersView
	cache layersCache
}

// layersShown reports whether the Layers view is in front.
func (a *App) layersShown() bool {
	return a.layers.open != nil && a.tab == tabImages && !a.inDetail && !a.overlays.covering()
}

// openLayers opens the Layers view on the selected image.
func (a *App) openLayers() tea.Cmd {
	im, ok := a.images.selected()
	if !ok {
		return nil
	}
	v := newLayersView(a.pc, &a.layers.cache, im)
	a.layers.open = v
	v.SetSize(a.pc.Width, a.bodyHeight())
	a.cmdlog.add(cmdLine{Berth: "berth layers " + shellQuote(v.ref), Docker: "-"})
	a.status, a.statusKind = "reading the layers of "+v.ref, statusBusy
	return loadLayerTable(a.eng, v.id, v.ref)
}

// layersKey handles a key in the Layers view; it reports false for the
// keys it leaves to the App (quit, help, the command log, the tabs).
func (a *App) layersKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	v, km := a.layers.open, a.c.KeyMap
	if v.input.active {
		v.input.key(km, k)
		v.filter.text = v.input.Value()
		keep := ""
		if n, ok := v.selected(); ok {
			keep = n.entry.Path
		}
		v.refilter(keep)
		if !v.input.active && v.filter.text != "" {
			a.cmdlog.add(v.filterLine())
		}
		return nil, true
	}
	if key.Matches(k, km.Quit, km.Help, km.CommandLog, km.Containers, km.Images, km.Volumes, km.Networks) {
		return nil, false
	}
	a.status = ""
	switch {
	case key.Matches(k, km.Back):
		switch {
		case v.diff != nil:
			v.diff, v.focus = nil, paneTree
		case v.filter.text != "":
			v.input.SetValue("")
			v.filter.text = ""
			v.refilter(v.selectedPath())
		default:
			a.layers.open = nil
		}
		return nil, true
	case key.Matches(k, km.NextPane, km.PrevPane):
		step := 1
		if key.Matches(k, km.PrevPane) {
			step = numPanes - 1
		}
		f := v.focus
		if f == paneDiff {
			f = paneTree
		}
		f = (f + step) % numPanes
		if f == paneTree && v.diff != nil {
			f = paneDiff
		}
		v.focus = f
		v.SetSize(v.width, v.height)
		return nil, true
	case key.Matches(k, km.Filter):
		v.input.active = true
		return nil, true
	case key.Matches(k, km.Aggregate):
		v.aggregate = !v.aggregate
		return a.wantTree(), true
	case key.Matches(k, km.HideAdded, km.HideModified, km.HideRemoved, km.HideUnmodified):
		for kind, b := range map[int]bool{kindAdded: key.Matches(k, km.HideAdded), kindModified: key.Matches(k, km.HideModified),
			kindRemoved: key.Matches(k, km.HideRemoved), kindUnmodified: key.Matches(k, km.HideUnmodified)} {
			if b {
				v.filter.hide[kind] = !v.filter.hide[kind]
			}
		}
		v.refilter(v.selectedPath())
		return nil, true
	}
	switch v.focus {
	case paneLayers:
		before := v.lwin.Cursor
		v.lwin.move(km, k, len(v.layers))
		if v.lwin.Cursor != before {
			return a.layerMoved(), true
		}
	case paneTree:
		return a.treeKey(k), true
	case paneEfficiency:
		if v.an == nil {
			return nil, true
		}
		w := v.an.Efficiency.Wasted
		if key.Matches(k, km.FileDiff) && v.ewin.Cursor < len(w) {
			return a.openDiff(w[v.ewin.Cursor].Path), true
		}
		v.ewin.move(km, k, len(w))
	case paneDiff:
		v.diff.win.move(km, k, len(v.diff.lines))
	}
	return nil, true
}

func (v *layersView) selectedPath() string {
	if n, ok := v.selected(); ok {
		return n.entry.Path
	}
	return ""
}

// treeKey handles a key on the file tree.
func (a *App) treeKey(k tea.KeyPressMsg) tea.Cmd {
	v, km := a.layers.open, a.c.KeyMap
	n, ok := v.selected()
	switch {
	case !ok:
	case key.Matches(k, km.FileDiff):
		if n.dir {
			a.setStatus(n.entry.Path+" is a directory: "+km.FileDiff.Help().Key+" shows a file's diff", false)
			return nil
		}
		return a.openDiff(n.entry.Path)
	case key.Matches(k, km.Fold) && n.dir:
		v.filter.collapsed[n.entry.Path] = !v.filter.collapsed[n.entry.Path]
		v.refilter(n.entry.Path)
		return nil
	case key.Matches(k, km.Collapse):
		if n.dir && !v.filter.collapsed[n.entry.Path] {
			v.filter.collapsed[n.entry.Path] = true
		} else if n.parent > 0 {
			v.refilter(v.tree.nodes[n.parent].entry.Path)
			return nil
		}
		v.refilter(n.entry.Path)
		return nil
	case key.Matches(k, km.Expand):
		if n.dir && v.filter.collapsed[n.entry.Path] {
			delete(v.filter.collapsed, n.entry.Path)
			v.refilter(n.entry.Path)
		}
		return nil
	}
	v.twin.move(km, k, len(v.rows))
	return nil
}

// layerMoved follows the layer cursor: a cached tree at once, else a read
// once the cursor rests.
func (a *App) layerMoved() tea.Cmd {
	v := a.layers.open
	if t := v.cache.tree(v.key()); t != nil {
		return a.wantTree()
	}
	v.settling++
	seq := v.settling
	return tea.Tick(layerSettle, func(time.Time) tea.Msg { return layerSettleMsg{seq} })
}

// wantTree shows the tree of the selected layer in the current mode, from
// the cache or the engine, and logs the line that prints it.
func (a *App) wantTree() tea.Cmd {
	v := a.layers.open
	k := v.key()
	if k.layer < 0 {
		return nil
	}
	v.want = k
	a.cmdlog.add(v.layersLine())
	if t := v.cache.tree(k); t != nil {
		v.show(k, t)
		return nil
	}
	a.status, a.statusKind = "reading layer "+strconv.Itoa(k.layer)+" of "+v.ref, statusBusy
	return loadLayerTree(a.eng, v.ref, k, v.cache.changes[treeKey{k.id, k.layer, false}])
}

// openDiff opens the diff pane on path, as it stands at the layer of the
// tree on screen.
func (a *App) openDiff(path string) tea.Cmd {
	v := a.layers.open
	k := diffKey{v.id, path, v.shown.layer}
	v.diff, v.focus = &diffPane{key: k}, paneDiff
	v.SetSize(v.width, v.height)
	if r := v.cache.diffs[k]; r != nil {
		a.diffShown(v, r)
		return nil
	}
	a.status, a.statusKind = "reading the history of "+path, statusBusy
	return loadFileDiff(a.eng, v.ref, k)
}

func (a *App) diffShown(v *layersView, r *diffResult) {
	v.diff.res, v.diff.lines = r, diffLines(r)
	v.SetSize(v.width, v.height)
	a.cmdlog.add(cmdLine{Berth: "berth layers history " + shellQuote(v.ref) + " " + shellQuote(v.diff.key.path), Docker: "-"})
	if r.diff != nil {
		a.cmdlog.add(r.diffLine(v.ref, v.diff.key.path))
	}
}

// layersUpdate applies a message of the Layers view.
func (a *App) layersUpdate(msg layersMsg) tea.Cmd {
	v := a.layers.open
	done := func(err error) {
		if err != nil {
			a.setStatus(oneLine(err), true)
		} else if a.statusKind == statusBusy {
			a.status = ""
		}
	}
	switch msg := msg.(type) {
	case layerTableMsg:
		done(msg.err)
		if v == nil || v.id != msg.id {
			return nil
		}
		v.an, v.err = msg.an, msg.err
		if msg.an != nil {
			v.layers = v.layers[:0]
			for i, l := range msg.an.Layers {
				if !l.Empty && l.Index >= 0 {
					v.layers = append(v.layers, i)
				}
			}
		}
		v.SetSize(v.width, v.height)
		return a.wantTree()
	case layerTreeMsg:
		done(msg.err)
		if msg.err == nil {
			a.layers.cache.put(msg.key, msg.tree, msg.changes)
		}
		if v != nil && v.want == msg.key && msg.err == nil {
			v.show(msg.key, msg.tree)
		}
	case layerSettleMsg:
		if v != nil && msg.seq == v.settling && v.want != v.key() {
			return a.wantTree()
		}
	case fileDiffMsg:
		done(msg.err)
		if msg.err == nil {
			a.layers.cache.putDiff(msg.key, msg.d)
		}
		if v == nil || v.diff == nil || v.diff.key != msg.key {
			return nil
		}
		if msg.err != nil {
			v.diff, v.focus = nil, paneTree
			return nil
		}
		a.diffShown(v, msg.d)
	}
	return nil
}
