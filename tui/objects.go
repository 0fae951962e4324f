package tui

import (
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	units "github.com/docker/go-units"
)

// The images, volumes and networks tabs' own actions: inspect (a JSON page
// over the tab), remove and prune (each after the yes/no question of the
// status bar), each one engine call.

// objectView is an image's, volume's or network's inspect document, shown
// over its tab until esc.
type objectView struct {
	title string // "image busybox:latest"
	page  *pagePanel
}

// objectMsg is a loaded inspect document.
type objectMsg struct {
	title string
	lines []string
	err   error
}

// objectActMsg is the end of a remove or prune of images, volumes or
// networks.
type objectActMsg struct {
	kind string // "image", "volume", "network"
	line string // the equivalent command
	done string // what the status bar says on success
	err  error
}

// inspectObject opens the inspect page of kind ("image", "volume",
// "network") ref.
func (a *App) inspectObject(kind, ref string) tea.Cmd {
	title := kind + " " + ref
	a.object = &objectView{title: title, page: newPagePanel(a.pc, "inspect")}
	a.object.page.SetSize(a.pc.Width, a.bodyHeight()-1)
	a.cmdlog.add(cmdLine{Berth: "berth " + kind + " inspect " + shellQuote(ref)})
	e := a.eng
	return func() tea.Msg {
		var doc any
		var err error
		switch kind {
		case "image":
			doc, err = e.ImageInspect(ref)
		case "volume":
			doc, err = e.InspectVolume(ref)
		default:
			doc, err = e.InspectNetwork(ref)
		}
		if err != nil {
			return objectMsg{title: title, err: err}
		}
		b, err := json.MarshalIndent(doc, "", "  ")
		return objectMsg{title: title, lines: strings.Split(string(b), "\n"), err: err}
	}
}

// objectLoaded fills the page when it is still the one open.
func (a *App) objectLoaded(m objectMsg) {
	if o := a.object; o != nil && o.title == m.title {
		o.page.Update(pageMsg{kind: "inspect", id: o.page.id, lines: m.lines, err: m.err})
	}
}

// objectKey handles a key while an inspect page is open: esc closes it,
// the list keys scroll it, a tab key closes it and goes on to switch tabs
// (false); the list under it gets no key.
func (a *App) objectKey(k tea.KeyPressMsg) bool {
	km := a.c.KeyMap
	if key.Matches(k, km.Back) {
		a.object = nil
		return true
	}
	if key.Matches(k, km.Up, km.Down, km.PageUp, km.PageDown, km.Top, km.Bottom) {
		a.object.page.key(k)
		return true
	}
	if key.Matches(k, km.NextTab, km.PrevTab, km.Containers, km.Images, km.Volumes, km.Networks) {
		a.object = nil // and the tab changes
		return false
	}
	return true // not the list's under it
}

func (a *App) objectPageView() string {
	s := a.pc.Styles
	head := s.Title.Render(a.object.title) + s.Dim.Render(" · esc back")
	return cell(head, a.pc.Width) + "\n" + a.object.page.View()
}

// ask puts a yes/no question in the status bar; y runs do.
func (a *App) ask(question string, do func() tea.Cmd) {
	a.overlays.push(&confirmPrompt{c: a.c, question: question, yes: do, no: func() { a.setStatus("cancelled", false) }})
}

// removeObject asks, then removes kind ref (an image, volume or network).
func (a *App) removeObject(kind, ref string) {
	a.ask(fmt.Sprintf("remove %s %s?", kind, ref), func() tea.Cmd {
		line := "berth " + kind + " rm " + shellQuote(ref)
		a.cmdlog.add(cmdLine{Berth: line})
		e := a.eng
		return func() tea.Msg {
			var err error
			switch kind {
			case "image":
				_, err = e.RemoveImage(ref, false)
			case "volume":
				err = e.RemoveVolume(ref, false)
			default:
				err = e.RemoveNetwork(ref)
			}
			return objectActMsg{kind: kind, line: line, done: "removed " + kind + " " + ref, err: err}
		}
	})
}

// pruneObjects asks, then removes the unused images (dangling ones, as
// `image prune`), volumes (anonymous ones, as `volume prune`) or networks.
func (a *App) pruneObjects(kind string) {
	what := map[string]string{"image": "every dangling image no container uses",
		"volume": "every anonymous volume no container uses", "network": "every network no container joins"}[kind]
	a.ask("prune: remove "+what+"?", func() tea.Cmd {
		line := "berth " + kind + " prune -f"
		a.cmdlog.add(cmdLine{Berth: line})
		e := a.eng
		return func() tea.Msg {
			var n int
			var freed int64
			var err error
			switch kind {
			case "image":
				r, perr := e.PruneImages(false)
				if r != nil {
					n, freed = len(r.Images), r.Reclaimed
				}
				err = perr
			case "volume":
				var names []string
				names, freed, err = e.PruneVolumes(false)
				n = len(names)
			default:
				var names []string
				names, err = e.PruneNetworks()
				n = len(names)
			}
			done := fmt.Sprintf("pruned %d %ss", n, kind)
			if kind != "network" {
				done += ", reclaimed " + units.HumanSize(float64(freed))
			}
			return objectActMsg{kind: kind, line: line, done: done, err: err}
		}
	})
}

// objectActed reports a remove or prune and reloads its list.
func (a *App) objectActed(m objectActMsg) tea.Cmd {
	if m.err != nil {
		a.setStatus(oneLine(m.err), true)
		a.cmdlog.fail(m.line, "failed")
	} else {
		a.setStatus(m.done, false)
	}
	if m.kind == "image" {
		return listImages(a.eng)
	}
	return loadResources(a.eng, m.kind)
}

// objectListKey handles inspect, remove and prune on the images, volumes
// and networks lists; it reports whether it took k.
func (a *App) objectListKey(kind, ref string, k tea.KeyPressMsg) (tea.Cmd, bool) {
	km := a.c.KeyMap
	switch {
	case key.Matches(k, km.Prune):
		a.pruneObjects(kind)
		return nil, true
	case ref == "":
		return nil, false
	case key.Matches(k, km.Inspect):
		return a.inspectObject(kind, ref), true
	case key.Matches(k, km.Remove):
		a.removeObject(kind, ref)
		return nil, true
	}
	return nil, false
}
