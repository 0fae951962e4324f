package tui

import (
	"slices"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// clickTab switches to the tab under column x of the tab bar ("berth  1
// Containers 2 Images ...": the names start at column 7). It leaves a
// container's detail and drops a pending yes/no question; a form stays
// open on its tab for when the user comes back.
func (a *App) clickTab(x int) tea.Cmd {
	at := 7
	for i, t := range tabNames {
		if x >= at && x < at+len(t) {
			if a.inDetail {
				a.closeDetail()
			}
			saved := a.overlays.dismiss()
			a.status, a.object = "", nil
			a.tab = i
			return tea.Batch(saved, a.tabOpened())
		}
		at += len(t) + 1
	}
	return nil
}

// clickRow selects the row shown at screen line y in the list in front.
func (a *App) clickRow(y int) {
	switch a.tab {
	case tabContainers:
		p := a.containers
		top := 2 // tab bar, header
		if p.filter.active || p.filter.Value() != "" {
			top++
		}
		p.win.click(y, top, len(p.items))
	case tabImages:
		if a.runForm != nil || a.pull != nil || a.build != nil {
			return
		}
		if h := a.images.history; h != nil {
			h.win.click(y, 3, len(h.rows)) // tab bar, title, header
			return
		}
		a.images.win.click(y, 2, len(a.images.list))
	case tabVolumes:
		a.volumes.win.click(y, 3, len(a.volumes.rows)) // tab bar, prompt line, header
	case tabNetworks:
		a.networks.win.click(y, 3, len(a.networks.rows))
	}
}

// click moves the cursor to the row shown at screen line y, for a list
// of n rows whose first visible row is at line top; it reports whether
// y was on a row.
func (w *window) click(y, top, n int) bool {
	row := w.Offset + y - top
	if y < top || y >= top+w.Height || row >= n {
		return false
	}
	w.Cursor = row
	w.clamp(n)
	return true
}

// click handles a left click at (x, y): the tab bar, a container's
// detail tabs, the container list's column headers, or a row.
func (a *App) click(x, y int) tea.Cmd {
	if y == 0 {
		return a.clickTab(x)
	}
	switch {
	case a.overlays.covering():
		return nil
	case a.inDetail:
		if y == 1 {
			return a.clickDetailTab(x)
		}
		return nil
	case x >= a.pc.Width: // a lesson pane at the side
		return nil
	case a.layersShown(): // its rows are not the image list's
		return nil
	case a.tab == tabContainers && a.containers.headerLine() == y:
		return a.clickHeader(x)
	}
	a.clickRow(y)
	return nil
}

// clickDetailTab shows the detail tab under column x of the detail's
// first line ("web running  Logs Inspect Diff ..."), as its number key
// would.
func (a *App) clickDetailTab(x int) tea.Cmd {
	s, p := a.c.Styles, a.detail
	at := lipgloss.Width(s.Title.Render(name(p.ctr))+" "+s.stateStyle(p.ctr.State).Render(p.ctr.State)) + 2
	for i, t := range detailTabs {
		w := lipgloss.Width(t)
		if x >= at && x < at+w {
			if i == p.tab {
				return nil
			}
			return a.showTab(i)
		}
		at += w + 1
	}
	return nil
}

// headerLine is the screen line of the container list's column titles:
// under the tab bar, and under the filter line while there is one.
func (p *containersPanel) headerLine() int {
	if p.filter.active || p.filter.Value() != "" {
		return 2
	}
	return 1
}

// clickHeader sorts the container list by the column under x, as the
// sort key would (newest, busiest and biggest first; the rest A to Z); a
// click on the column already sorted on reverses the order. Columns the
// list cannot sort by do nothing.
func (a *App) clickHeader(x int) tea.Cmd {
	p, km := a.containers, a.c.KeyMap
	widths := layoutShown(containerColumns, p.c.Width, p.hidden)
	col, at := -1, 0
	for i, w := range widths {
		if w == 0 {
			continue
		}
		if x >= at && x < at+w {
			col = i
			break
		}
		at += w + 1
	}
	for k, c := range sortColumn {
		if c != col || col < 0 {
			continue
		}
		i := slices.Index(sortKeys, k)
		if i == p.sortBy {
			return a.key(keyPress(km.Reverse.Keys()[0]))
		}
		// The sort key moves to the next order and sets its direction:
		// stand just before the one clicked and press it.
		p.sortBy = (i - 1 + len(sortKeys)) % len(sortKeys)
		return a.key(keyPress(km.Sort.Keys()[0]))
	}
	return nil
}
