package tui

import (
	"charm.land/bubbles/v2/key"
)

// The status bar's key hint follows the component in front: each one
// names the few keys that matter there (ShortHelp, as bubbles' help.KeyMap
// has it), from the one KeyMap.

// ShortHelp is the container list's hint; `a` says what it will do next.
func (p *containersPanel) ShortHelp() []key.Binding {
	km := p.c.KeyMap
	showAll := km.ShowAll
	if !p.hideOff {
		showAll.SetHelp(km.ShowAll.Help().Key, "hide stopped")
	}
	if _, ok := p.selectedGroup(); ok {
		open, start, stop, rm := km.Open, km.Start, km.Stop, km.Remove
		open.SetHelp(km.Open.Help().Key, "fold/unfold")
		start.SetHelp(km.Start.Help().Key, "start group")
		stop.SetHelp(km.Stop.Help().Key, "stop group")
		rm.SetHelp(km.Remove.Help().Key, "remove group")
		return []key.Binding{km.Help, open, start, stop, rm, km.Filter, showAll, km.Mark, km.Command, km.Quit}
	}
	return []key.Binding{km.Help, km.Open, km.Shell, km.Start, km.Stop, km.Filter, showAll, km.Mark, km.Command, km.Quit}
}

// ShortHelp is the image list's hint (its history's while one is open).
func (p *imagesPanel) ShortHelp() []key.Binding {
	km := p.c.KeyMap
	if p.history != nil {
		return []key.Binding{km.Help, km.Up, km.Down, km.Back, km.Quit}
	}
	return []key.Binding{km.Help, km.Open, km.Run, km.Layers, km.Inspect, km.Remove, km.Pull, km.Push, km.Tag, km.Build, km.Prune, km.Command, km.Quit}
}

// ShortHelp is the volume or network list's hint.
func (p *resourcePanel) ShortHelp() []key.Binding {
	km := p.c.KeyMap
	return []key.Binding{km.Help, km.Create, km.Remove, km.Inspect, km.Prune, km.Up, km.Down, km.Command, km.Quit}
}

// ShortHelp is a container's detail hint: the Logs tab's own keys, or a
// page's scrolling, then the tabs and the way back.
func (p *detailPanel) ShortHelp() []key.Binding {
	km := p.c.KeyMap
	if p.tab == 0 {
		return p.logs.ShortHelp()
	}
	return []key.Binding{km.Help, km.Up, km.Down, km.NextTab, km.Shell, km.Debug, km.Back}
}

// formShortHelp is the hint of the run, pull and build forms.
func formShortHelp(km *KeyMap) []key.Binding {
	return []key.Binding{km.NextField, km.Toggle, km.Submit, km.Back}
}

// ShortHelp is the hint of a text field being typed in.
func (in *lineInput) ShortHelp(km *KeyMap) []key.Binding {
	return []key.Binding{km.Submit, km.Back}
}

// shortHelp is the hint of what is in front.
func (a *App) shortHelp() []key.Binding {
	km := a.c.KeyMap
	switch a.focused() {
	case focusObject:
		return []key.Binding{km.Up, km.Down, km.PageDown, km.Back, km.Quit}
	case focusPrompt:
		return a.overlays.top().ShortHelp()
	case focusDetail:
		return a.detail.ShortHelp()
	case focusLayers:
		return km.LayersHelp()
	case focusRunForm:
		return formShortHelp(km)
	case focusTag:
		return formShortHelp(km)
	case focusPull, focusBuild:
		if a.pull != nil && a.pull.job == nil || a.build != nil && a.build.job == nil {
			return formShortHelp(km)
		}
		return []key.Binding{km.Abort, km.Up, km.Down}
	case focusImages:
		return a.images.ShortHelp()
	case focusResources:
		if r := a.resources(); r.create.active {
			return r.create.ShortHelp(km)
		}
		return a.resources().ShortHelp()
	case focusContainers:
		if a.containers.capturing() {
			return a.containers.filter.ShortHelp(km)
		}
	}
	return a.containers.ShortHelp()
}
