package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/berthdev/berth/engine"
)

// detailTabs are a container's tabs, in order; after Logs each is a page.
var detailTabs = []string{"Logs", "Inspect", "Diff", "Processes", "Namespaces", "Stats", "Crash"}

// pageKinds are the pages behind detailTabs[1:].
var pageKinds = []string{"inspect", "diff", "processes", "namespaces", "stats", "crash"}

// detailPanel is one container's tabs: its log, its inspect document, its
// file changes, its processes and its namespaces.
type detailPanel struct {
	c      *Common
	height int
	ctr    engine.ContainerSummary
	tab    int
	logs   *logsPanel
	pages  []*pagePanel
}

func newDetailPanel(c *Common) *detailPanel {
	d := &detailPanel{c: c, logs: newLogsPanel(c)}
	for _, k := range pageKinds {
		d.pages = append(d.pages, newPagePanel(c, k))
	}
	return d
}

func (p *detailPanel) Init() tea.Cmd { return nil }

func (p *detailPanel) SetSize(w, h int) {
	p.height = h
	p.logs.SetSize(w, h-1)
	for _, pg := range p.pages {
		pg.SetSize(w, h-1)
	}
}

// open shows a container on the given tab and starts its log.
func (p *detailPanel) open(e Engine, c engine.ContainerSummary, tab int) tea.Cmd {
	p.ctr = c
	return tea.Batch(p.logs.open(e, c.ID, name(c)), p.show(e, tab))
}

// show switches to tab, (re)loading it when it is a page.
func (p *detailPanel) show(e Engine, tab int) tea.Cmd {
	p.tab = (tab + len(detailTabs)) % len(detailTabs)
	if p.tab == 0 {
		return nil
	}
	return p.pages[p.tab-1].open(e, p.ctr)
}

// verb is the command-log verb of the current tab.
func (p *detailPanel) verb() string {
	if p.tab == 0 {
		return "logs"
	}
	return pageKinds[p.tab-1]
}

func (p *detailPanel) close() { p.logs.close() }

// capturing reports whether the panel wants every key (typing a search).
func (p *detailPanel) capturing() bool { return p.tab == 0 && p.logs.search.active }

func (p *detailPanel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case containerMsg:
		if msg.id == p.ctr.ID && msg.err == nil && !msg.gone {
			p.ctr = msg.c
		}
		return nil
	case pageMsg:
		for _, pg := range p.pages {
			pg.Update(msg)
		}
		return nil
	case tea.KeyPressMsg:
		return p.key(msg)
	}
	return p.logs.Update(msg)
}

func (p *detailPanel) key(k tea.KeyPressMsg) tea.Cmd {
	if p.tab == 0 {
		return p.logs.key(k)
	}
	p.pages[p.tab-1].key(k)
	return nil
}

func (p *detailPanel) View() string {
	s := p.c.Styles
	head := s.Title.Render(name(p.ctr)) + " " + s.stateStyle(p.ctr.State).Render(p.ctr.State) + "  "
	for i, t := range detailTabs {
		if i == p.tab {
			head += s.TabActive.Render(t) + " "
		} else {
			head += s.TabInactive.Render(t) + " "
		}
	}
	head += s.Dim.Render(" tab switches · esc back")
	body := p.logs.View()
	if p.tab > 0 {
		body = p.pages[p.tab-1].View()
	}
	return cell(head, p.c.Width) + "\n" + body
}
