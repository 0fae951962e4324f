package tui

import tea "charm.land/bubbletea/v2"

// paste hands bracketed paste (tea.PasteMsg) to the text input that has
// the focus, the one the keys would go to (the `:` line above any tab);
// with none focused it is dropped.
func (a *App) paste(p tea.PasteMsg) tea.Cmd {
	switch {
	case a.confirm != nil || a.help:
		return nil
	case a.cmdline != nil:
		if a.cmdline.typing {
			a.cmdline.in.paste(p)
		}
	case a.inDetail:
		if a.detail.capturing() {
			a.detail.logs.search.paste(p)
		}
	case a.layersShown():
		if v := a.layers.open; v.input.active {
			v.input.paste(p)
			v.filter.text = v.input.Value()
			keep := ""
			if n, ok := v.selected(); ok {
				keep = n.entry.Path
			}
			v.refilter(keep)
		}
	case a.tab == tabContainers:
		if a.containers.capturing() {
			a.containers.filter.paste(p)
			a.containers.rebuild()
		}
	case a.tab == tabImages && a.runForm != nil:
		a.runForm.paste(p)
	case a.tab == tabImages && a.pull != nil && a.pull.job == nil:
		a.pull.form.paste(p)
	case a.tab == tabImages && a.build != nil && a.build.job == nil:
		a.build.form.paste(p)
		a.build.hintFile()
	default:
		if r := a.resources(); r != nil && r.create.active {
			r.create.paste(p)
		}
	}
	return nil
}
