package tui

import (
	"charm.land/bubbles/v2/key"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/berthdev/berth/engine"
)

// resourcePanel is the Volumes or the Networks tab: a list with create
// (a name prompt) and remove (a yes/no question).
type resourcePanel struct {
	c       *Common
	kind    string // "volume" or "network"
	cols    []column
	height  int
	rows    [][]string // cells; the first is the name
	win     window
	loaded  bool
	err     error
	create  lineInput
	confirm string // the name asked about for removal
}

// resourcesMsg is a (re)loaded volume or network list.
type resourcesMsg struct {
	kind string
	rows [][]string
	err  error
}

// resourceActMsg is the end of a create or remove.
type resourceActMsg struct {
	kind, verb, name string
	err              error
}

func newResourcePanel(c *Common, kind string) *resourcePanel {
	p := &resourcePanel{c: c, kind: kind, create: newLineInput("new " + kind + " name: ")}
	switch kind {
	case "volume":
		p.cols = []column{{Title: "VOLUME NAME", Flex: 3, Min: 16}, {Title: "DRIVER", Width: 7}, {Title: "USED BY", Flex: 2, Min: 10},
			{Title: "MOUNTPOINT", Flex: 4, Min: 20, Drop: 1}}
	default:
		p.cols = []column{{Title: "NAME", Flex: 2, Min: 12}, {Title: "NETWORK ID", Width: 12}, {Title: "DRIVER", Width: 7},
			{Title: "SUBNET", Width: 18}, {Title: "CONTAINERS", Flex: 3, Min: 10, Drop: 1}}
	}
	return p
}

func (p *resourcePanel) SetSize(w, h int) {
	p.height = h
	p.win.Height = max(h-2, 1) // header, prompt line
	p.win.clamp(len(p.rows))
}

func (p *resourcePanel) capturing() bool { return p.create.active || p.confirm != "" }

// loadResources lists volumes or networks as rows.
func loadResources(e Engine, kind string) tea.Cmd {
	return func() tea.Msg {
		var rows [][]string
		if kind == "volume" {
			vs, err := e.ListVolumes()
			if err != nil {
				return resourcesMsg{kind, nil, err}
			}
			for _, v := range vs {
				rows = append(rows, []string{v.Name, v.Driver, strings.Join(v.UsedBy, ", "), v.Mountpoint})
			}
		} else {
			ns, err := e.Networks()
			if err != nil {
				return resourcesMsg{kind, nil, err}
			}
			for _, n := range ns {
				var subnet []string
				for _, c := range n.IPAM.Config {
					subnet = append(subnet, c.Subnet)
				}
				var members []string
				for _, m := range n.Containers {
					members = append(members, m.Name)
				}
				slices.Sort(members)
				rows = append(rows, []string{n.Name, shortID(n.ID), n.Driver, strings.Join(subnet, ","), strings.Join(members, ", ")})
			}
		}
		slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
		return resourcesMsg{kind, rows, nil}
	}
}

// resourceAct creates or removes one volume or network.
func resourceAct(e Engine, kind, verb, name string) tea.Cmd {
	return func() tea.Msg {
		var err error
		switch kind + " " + verb {
		case "volume create":
			_, err = e.CreateVolume(engine.VolumeCreateOptions{Name: name, Driver: "local"})
		case "volume rm":
			err = e.RemoveVolume(name, false)
		case "network create":
			_, err = e.CreateNetwork(engine.NetworkCreateOptions{Name: name, Driver: "bridge"})
		case "network rm":
			err = e.RemoveNetwork(name)
		}
		return resourceActMsg{kind, verb, name, err}
	}
}

func (p *resourcePanel) selected() (string, bool) {
	if p.win.Cursor < len(p.rows) {
		return p.rows[p.win.Cursor][0], true
	}
	return "", false
}

// key handles a key on the list; it returns the engine call it starts.
func (a *App) resourceKey(p *resourcePanel, k tea.KeyPressMsg) tea.Cmd {
	km := a.c.KeyMap
	if p.confirm != "" {
		name := p.confirm
		p.confirm = ""
		if key.Matches(k, km.Confirm) {
			a.cmdlog.add(equivalent(p.kind+" rm", name))
			return resourceAct(a.eng, p.kind, "rm", name)
		}
		a.setStatus("cancelled", false)
		return nil
	}
	if p.create.active {
		p.create.key(km, k)
		if !p.create.active && key.Matches(k, km.Submit) && p.create.Value() != "" {
			name := p.create.Value()
			p.create.SetValue("")
			a.cmdlog.add(equivalent(p.kind+" create", name))
			return resourceAct(a.eng, p.kind, "create", name)
		}
		return nil
	}
	if p.win.move(km, k, len(p.rows)) {
		return nil
	}
	switch {
	case key.Matches(k, km.Create):
		p.create.start()
	case key.Matches(k, km.Remove):
		if name, ok := p.selected(); ok {
			p.confirm = name
		}
	case key.Matches(k, km.Prune):
		a.pruneObjects(p.kind)
	case key.Matches(k, km.Inspect):
		if name, ok := p.selected(); ok {
			return a.inspectObject(p.kind, name)
		}
	}
	return nil
}

func (p *resourcePanel) Update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(resourcesMsg); ok && m.kind == p.kind {
		p.err, p.loaded = m.err, true
		if m.err == nil {
			p.rows = m.rows
		}
		p.win.clamp(len(p.rows))
	}
	return nil
}

func (p *resourcePanel) View() string {
	s := p.c.Styles
	widths := layout(p.cols, p.c.Width)
	var lines []string
	switch {
	case p.create.active:
		lines = append(lines, p.create.view(s))
	case p.confirm != "":
		lines = append(lines, s.Error.Render(cell(fmt.Sprintf("remove %s %s? (y/n)", p.kind, p.confirm), p.c.Width)))
	default:
		km := p.c.KeyMap
		lines = append(lines, s.Dim.Render(cell(fmt.Sprintf("%s creates a %s · %s removes it · %s inspects it · %s prunes unused ones",
			km.Create.Help().Key, p.kind, km.Remove.Help().Key, km.Inspect.Help().Key, km.Prune.Help().Key), p.c.Width)))
	}
	head := make([]string, len(p.cols))
	for i, c := range p.cols {
		head[i] = c.Title
	}
	lines = append(lines, s.Header.Render(joinCells(head, widths)))
	switch {
	case p.err != nil:
		lines = append(lines, s.Error.Render(cell("listing "+p.kind+"s: "+oneLine(p.err), p.c.Width)))
	case !p.loaded:
		lines = append(lines, s.Dim.Render("loading…"))
	case len(p.rows) == 0:
		lines = append(lines, s.Dim.Render(cell("no "+p.kind+"s: n creates one", p.c.Width)))
	}
	from, to := p.win.visible(len(p.rows))
	for i := from; i < to; i++ {
		line := joinCells(p.rows[i], widths)
		if i == p.win.Cursor {
			line = s.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	return pad(lines, p.height)
}
