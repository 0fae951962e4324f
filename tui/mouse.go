package tui

import tea "charm.land/bubbletea/v2"

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
