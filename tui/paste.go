package tui

import tea "charm.land/bubbletea/v2"

// paste hands bracketed paste (tea.PasteMsg) to the text input that has
// the focus, the one the keys would go to (the `:` line above any tab);
// with none focused it is dropped.
func (a *App) paste(p tea.PasteMsg) tea.Cmd {
	if a.overlays.top() != nil {
		return a.overlays.update(p)
	}
	switch a.focused() {
	case focusDetail:
		if a.detail.capturing() {
			a.detail.logs.search.paste(p)
		}
	case focusLayers:
		if v := a.layers.open; v.input.active {
			v.input.paste(p)
			v.filter.text = v.input.Value()
			keep := ""
			if n, ok := v.selected(); ok {
				keep = n.entry.Path
			}
			v.refilter(keep)
		}
	case focusContainers:
		if a.containers.capturing() {
			a.containers.filter.paste(p)
			a.containers.rebuild()
		}
	case focusRunForm:
		a.runForm.paste(p)
	case focusPull:
		if a.pull.job == nil {
			a.pull.form.paste(p)
		}
	case focusTag:
		a.tag.form.paste(p)
	case focusBuild:
		if a.build.job == nil {
			a.build.form.paste(p)
			a.build.hintFile()
		}
	case focusResources:
		if r := a.resources(); r.create.active {
			r.create.paste(p)
		}
	}
	return nil
}
