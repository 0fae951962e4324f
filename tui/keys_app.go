package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/berthdev/berth/engine"
)

// key dispatches one key press: prompts first, then global keys, then the
// panel in front.
func (a *App) key(k tea.KeyPressMsg) tea.Cmd {
	km := a.c.KeyMap
	if a.overlays.top() != nil {
		return a.overlays.update(k)
	}
	if cmd, ok := a.lessonPickerKey(k); ok {
		return cmd
	}
	if !a.typing() {
		if cmd, ok := a.lessonKey(k); ok {
			return cmd
		}
	}
	if a.layersShown() {
		if cmd, ok := a.layersKey(k); ok {
			return cmd
		}
	}
	if a.containers.capturing() && !a.inDetail && a.tab == tabContainers {
		a.containers.key(k)
		if !a.containers.capturing() && a.containers.filter.Value() != "" {
			a.cmdlog.add(equivalent("ps filter", a.containers.filter.Value()))
		}
		return nil
	}
	if a.runForm != nil && a.tab == tabImages && !a.inDetail {
		return a.formKey(k)
	}
	if cmd, ok := a.imageJobKey(k); ok {
		return cmd
	}
	if r := a.resources(); r != nil && r.capturing() {
		return a.resourceKey(r, k)
	}
	if a.inDetail && a.detail.capturing() {
		cmd := a.detail.logs.key(k)
		if l := a.detail.logs; !l.search.active && l.search.Value() != "" {
			a.cmdlog.add(equivalent("search", l.search.Value(), name(a.detail.ctr)))
		}
		return cmd
	}
	a.status = ""
	switch {
	case key.Matches(k, km.Quit):
		return a.quit()
	case key.Matches(k, km.Help):
		a.overlays.push(a.keyHelp())
		return nil
	case key.Matches(k, km.CommandLog):
		a.cmdlog.shown = !a.cmdlog.shown
		a.setSize(a.c.Width, a.c.Height)
		return nil
	case key.Matches(k, km.Messages):
		a.overlays.push(newMessagesView(a.pc, &a.messages, a.quit))
		return nil
	case key.Matches(k, km.Events):
		a.overlays.push(newEventsView(a.pc, &a.evlog, a.cmdlog.add, a.quit))
		return nil
	case key.Matches(k, km.Command):
		if len(a.berth) == 0 {
			a.setStatus("the command line needs the berth binary, and this workbench was started without one", true)
			return nil
		}
		a.overlays.push(newCommandLine(a.pc, a.berth, a.setStatus, func(l cmdLine) {
			a.cmdlog.add(l)
			a.status = ""
		}))
		return nil
	}
	if a.inDetail {
		return a.detailKey(k)
	}
	if a.object != nil && a.objectKey(k) {
		return nil
	}
	switch {
	case key.Matches(k, km.NextTab):
		a.tab = (a.tab + 1) % len(tabNames)
		return a.tabOpened()
	case key.Matches(k, km.PrevTab):
		a.tab = (a.tab + len(tabNames) - 1) % len(tabNames)
		return a.tabOpened()
	case key.Matches(k, km.Volumes):
		a.tab = tabVolumes
		return a.tabOpened()
	case key.Matches(k, km.Networks):
		a.tab = tabNetworks
		return a.tabOpened()
	case key.Matches(k, km.Containers):
		a.tab = tabContainers
		return a.tabOpened()
	case key.Matches(k, km.Images):
		a.tab = tabImages
		return a.tabOpened()
	}
	if r := a.resources(); r != nil {
		return a.resourceKey(r, k)
	}
	if a.tab == tabImages && key.Matches(k, km.Run) && a.images.history == nil {
		if im, ok := a.images.selected(); ok {
			a.runForm = newRunForm(imageRef(im))
		}
		return nil
	}
	if a.tab == tabImages && a.images.history == nil {
		ref := ""
		if im, ok := a.images.selected(); ok {
			ref = imageRef(im)
		}
		if cmd, ok := a.objectListKey("image", ref, k); ok {
			return cmd
		}
	}
	if a.tab == tabImages {
		if key.Matches(k, km.Layers) {
			return a.openLayers()
		}
		if key.Matches(k, km.Open) && a.images.history == nil {
			if ref, ok := a.images.open(); ok {
				a.cmdlog.add(equivalent("history", ref))
				return imageHistory(a.eng, ref)
			}
		}
		a.images.key(k)
		return nil
	}
	return a.containersKey(k)
}

func (a *App) quit() tea.Cmd {
	a.Close()
	return tea.Quit
}

func (a *App) tabOpened() tea.Cmd {
	if r := a.resources(); r != nil {
		a.cmdlog.add(equivalent(r.kind + " ls"))
		return loadResources(a.eng, r.kind)
	}
	if a.tab == tabImages {
		a.cmdlog.add(equivalent("images"))
		return listImages(a.eng)
	}
	a.cmdlog.add(equivalent("ps"))
	return nil
}

// containersKey handles a key on the container list.
func (a *App) containersKey(k tea.KeyPressMsg) tea.Cmd {
	km, p := a.c.KeyMap, a.containers
	sel, ok := p.selected()
	switch {
	case key.Matches(k, km.Start):
		return a.act("start", p.groupTargets("start"))
	case key.Matches(k, km.Stop):
		return a.act("stop", p.groupTargets("stop"))
	case key.Matches(k, km.Restart):
		return a.act("restart", p.targets())
	case key.Matches(k, km.Kill):
		return a.act("kill", p.groupTargets("kill"))
	case key.Matches(k, km.Pause):
		var pause, unpause []engine.ContainerSummary
		for _, t := range p.targets() {
			if t.State == engine.StatusPaused {
				unpause = append(unpause, t)
			} else {
				pause = append(pause, t)
			}
		}
		return tea.Batch(a.act("pause", pause), a.act("unpause", unpause))
	case key.Matches(k, km.Remove):
		a.askRemove(p.targets())
		return nil
	case ok && key.Matches(k, km.Shell, km.Attach):
		verb := "shell"
		if key.Matches(k, km.Attach) {
			verb = "attach"
		}
		a.cmdlog.add(equivalent(verb, name(sel)))
		return runSession(a.eng, verb, name(sel))
	case ok && key.Matches(k, km.Debug):
		a.cmdlog.add(equivalent("debug", name(sel)))
		return runSession(a.eng, "debug", name(sel))
	case ok && key.Matches(k, km.Open, km.Logs, km.Inspect, km.Diff, km.Processes, km.Namespaces, km.Stats, km.Crash):
		return a.openDetail(sel, detailTabFor(km, k))
	case key.Matches(k, km.Columns):
		a.overlays.push(newColumnChooser(a.c, p.hidden, a.c.Height-2, a.columnsChosen))
		return nil
	case key.Matches(k, km.ShowAll):
		p.key(k)
		if p.hideOff {
			a.cmdlog.add(equivalent("ps running"))
		} else {
			a.cmdlog.add(equivalent("ps"))
		}
		return nil
	}
	p.key(k)
	return nil
}

func (a *App) askRemove(targets []engine.ContainerSummary) {
	if len(targets) == 0 {
		return
	}
	verb, running := "rm", 0
	var names []string
	for _, t := range targets {
		names = append(names, name(t))
		if t.State == engine.StatusRunning || t.State == engine.StatusPaused {
			running++
		}
	}
	what := strings.Join(names, " ")
	if len(names) > 3 {
		what = fmt.Sprintf("%d containers", len(names))
	}
	q := "remove " + what + "?"
	if running > 0 {
		verb = "rm -f"
		q = fmt.Sprintf("remove %s (%d running, will be killed)?", what, running)
	}
	a.ask(q, func() tea.Cmd { return a.act(verb, targets) })
}

// detailTabFor is the detail tab a key opens.
func detailTabFor(km *KeyMap, k tea.KeyPressMsg) int {
	for i, b := range []key.Binding{km.Logs, km.Inspect, km.Diff, km.Processes, km.Namespaces, km.Stats, km.Crash} {
		if key.Matches(k, b) {
			return i
		}
	}
	return 0
}

func (a *App) openDetail(c engine.ContainerSummary, tab int) tea.Cmd {
	a.inDetail = true
	a.detail.SetSize(a.c.Width, a.bodyHeight())
	cmd := a.detail.open(a.eng, c, tab)
	a.cmdlog.add(equivalent(a.detail.verb(), name(c)))
	return cmd
}

// showTab switches the detail tabs and logs the equivalent command.
func (a *App) showTab(tab int) tea.Cmd {
	cmd := a.detail.show(a.eng, tab)
	a.cmdlog.add(equivalent(a.detail.verb(), name(a.detail.ctr)))
	return cmd
}

// detailKey handles a key on a container's detail tabs.
func (a *App) detailKey(k tea.KeyPressMsg) tea.Cmd {
	km, d := a.c.KeyMap, a.detail
	ref := name(d.ctr)
	switch {
	case key.Matches(k, km.Back):
		if d.tab == 0 && d.logs.search.Value() != "" {
			d.logs.endSearch()
			return nil
		}
		a.closeDetail()
		return nil
	case key.Matches(k, km.NextTab):
		return a.showTab(d.tab + 1)
	case key.Matches(k, km.PrevTab):
		return a.showTab(d.tab - 1)
	case key.Matches(k, km.Logs, km.Inspect, km.Diff, km.Processes, km.Namespaces, km.Stats, km.Crash):
		return a.showTab(detailTabFor(km, k))
	case key.Matches(k, km.Shell, km.Attach):
		verb := "shell"
		if key.Matches(k, km.Attach) {
			verb = "attach"
		}
		a.cmdlog.add(equivalent(verb, ref))
		return runSession(a.eng, verb, ref)
	case key.Matches(k, km.Debug):
		a.cmdlog.add(equivalent("debug", ref))
		return runSession(a.eng, "debug", ref)
	case key.Matches(k, km.Start):
		return tea.Batch(a.act("start", []engine.ContainerSummary{d.ctr}), d.logs.open(a.eng, d.ctr.ID, ref))
	case key.Matches(k, km.Stop):
		return a.act("stop", []engine.ContainerSummary{d.ctr})
	case key.Matches(k, km.Restart):
		return a.act("restart", []engine.ContainerSummary{d.ctr})
	case key.Matches(k, km.Kill):
		return a.act("kill", []engine.ContainerSummary{d.ctr})
	case key.Matches(k, km.Pause):
		if d.ctr.State == engine.StatusPaused {
			return a.act("unpause", []engine.ContainerSummary{d.ctr})
		}
		return a.act("pause", []engine.ContainerSummary{d.ctr})
	case key.Matches(k, km.Remove):
		a.askRemove([]engine.ContainerSummary{d.ctr})
		return nil
	case key.Matches(k, km.Containers, km.Images, km.Volumes, km.Networks):
		a.closeDetail()
		for i, b := range []key.Binding{km.Containers, km.Images, km.Volumes, km.Networks} {
			if key.Matches(k, b) {
				a.tab = i
			}
		}
		return a.tabOpened()
	}
	if d.tab == 0 {
		switch {
		case key.Matches(k, km.Timestamps):
			if !d.logs.timestamps {
				a.cmdlog.add(equivalent("logs -t", ref))
			}
		case key.Matches(k, km.Save):
			verb := "save"
			if d.logs.timestamps {
				verb = "save -t"
			}
			a.cmdlog.add(equivalent(verb, ref, ref+".log"))
		}
	}
	return d.key(k)
}

// keyHelp is `?` over what is in front: the Layers view's keys in the
// middle while it is open, the lesson pane's instead of the log's while a
// lesson is.
func (a *App) keyHelp() *keyHelp {
	k := newKeyHelp(a.c, a.c.Height-2, a.quit)
	if a.layers.open != nil && a.tab == tabImages && !a.inDetail {
		k.mid, k.rt = []int{5}, []int{3}
	}
	if a.lessons.cur != nil && k.rt[0] == 2 {
		k.rt = []int{6, 3} // the lesson pane's keys instead of the log's
	}
	return k
}

func lipglossWidth(s string) int { return lipgloss.Width(s) }

// oneLine is an error as the one line the status bar shows.
func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

// mouse handles clicks (tabs, rows) and the wheel.
func (a *App) mouse(m tea.Mouse) tea.Cmd {
	km := a.c.KeyMap
	switch m.Button {
	case tea.MouseWheelUp:
		return a.key(keyPress(km.Up.Keys()[0]))
	case tea.MouseWheelDown:
		return a.key(keyPress(km.Down.Keys()[0]))
	case tea.MouseLeft:
	default:
		return nil
	}
	return a.click(m.X, m.Y)
}

// resources is the Volumes or Networks panel when one is shown.
func (a *App) resources() *resourcePanel {
	switch {
	case a.inDetail || a.overlays.covering():
		return nil
	case a.tab == tabVolumes:
		return a.volumes
	case a.tab == tabNetworks:
		return a.networks
	}
	return nil
}
