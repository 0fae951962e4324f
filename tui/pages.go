package tui

import (
	"charm.land/bubbles/v2/key"
	"encoding/json"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/berthdev/berth/engine"
)

// pagePanel is a read-only, scrollable page about one container: its
// inspect document, its file changes, its processes, its namespaces. Each
// page is loaded by an engine call (a command) when opened.
type pagePanel struct {
	c      *Common
	kind   string // "inspect", "diff", "processes", "namespaces"
	height int
	id     string
	lines  []string
	offset int
	err    error
	loaded bool
}

// pageMsg is a loaded page.
type pageMsg struct {
	kind, id string
	lines    []string
	err      error
}

func newPagePanel(c *Common, kind string) *pagePanel { return &pagePanel{c: c, kind: kind} }

func (p *pagePanel) Init() tea.Cmd { return nil }

func (p *pagePanel) SetSize(w, h int) { p.height = h; p.clamp() }

// open loads the page for container c.
func (p *pagePanel) open(e Engine, c engine.ContainerSummary) tea.Cmd {
	id := c.ID
	if p.id != id {
		p.lines, p.offset, p.loaded = nil, 0, false
	}
	p.id, p.err = id, nil
	kind, width := p.kind, p.c.Width
	return func() tea.Msg {
		lines, err := loadPage(e, kind, c, width)
		return pageMsg{kind, id, lines, err}
	}
}

// loadPage makes a page's lines from the engine.
func loadPage(e Engine, kind string, c engine.ContainerSummary, width int) ([]string, error) {
	id := c.ID
	switch kind {
	case "stats":
		if c.State != engine.StatusRunning {
			return []string{fmt.Sprintf("no readings: %s is %s; the Stats tab graphs a running container's CPU, memory, PIDs and I/O", name(c), c.State)}, nil
		}
		return statsPage(e, id, width)
	case "crash":
		return crashPage(e, id)
	case "inspect":
		doc, err := e.Inspect(id)
		if err != nil {
			return nil, err
		}
		b, err := json.MarshalIndent(doc, "", "  ")
		return strings.Split(string(b), "\n"), err
	case "diff":
		changes, err := e.ContainerChanges(id)
		if err != nil {
			return nil, err
		}
		lines := []string{}
		for _, c := range changes {
			lines = append(lines, c.Kind.Letter()+" "+c.Path)
		}
		if len(lines) == 0 {
			lines = append(lines, "no changes to the image's files")
		}
		return lines, nil
	case "processes":
		tree, err := e.Processes(id)
		if err != nil {
			return nil, err
		}
		lines := []string{fmt.Sprintf("%-8s %-8s %-8s %-10s %s", "PID", "HOST PID", "USER", "STATE", "COMMAND")}
		var walk func(n []engine.ProcessNode, indent string)
		walk = func(ns []engine.ProcessNode, indent string) {
			for _, n := range ns {
				lines = append(lines, fmt.Sprintf("%-8d %-8d %-8s %-10s %s%s", n.ContainerPID, n.PID, n.User, n.State, indent, n.Cmd))
				walk(n.Children, indent+"  ")
			}
		}
		walk(tree, "")
		return lines, nil
	case "namespaces":
		nss, err := e.Namespaces(id)
		if err != nil {
			return nil, err
		}
		lines := []string{fmt.Sprintf("%-18s %-12s %s", "NAMESPACE", "INODE", "WHOSE")}
		for _, n := range nss {
			whose := "its own"
			switch {
			case n.Host:
				whose = "the host's"
			case len(n.SharedWith) > 0:
				whose = "shared with " + strings.Join(n.SharedWith, ", ")
			}
			lines = append(lines, fmt.Sprintf("%-18s %-12d %s", n.Type, n.Inode, whose))
			// A user namespace's maps (CONTAINER:HOST:SIZE), as
			// /proc/PID/uid_map and gid_map have them, under its row.
			for _, m := range []struct {
				name string
				maps []string
			}{{"uid_map", n.UIDMap}, {"gid_map", n.GIDMap}} {
				if len(m.maps) > 0 {
					lines = append(lines, fmt.Sprintf("%-31s %s %s", "", m.name, strings.Join(m.maps, ",")))
				}
			}
		}
		return lines, nil
	}
	return nil, fmt.Errorf("no page %q", kind)
}

func (p *pagePanel) clamp() {
	p.offset = min(max(p.offset, 0), max(len(p.lines)-p.height, 0))
}

func (p *pagePanel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pageMsg:
		if msg.kind != p.kind || msg.id != p.id {
			return nil
		}
		p.err, p.loaded = msg.err, true
		if msg.err == nil {
			p.lines = msg.lines
		}
		p.clamp()
	case tea.KeyPressMsg:
		p.key(msg)
	}
	return nil
}

func (p *pagePanel) key(k tea.KeyPressMsg) {
	km := p.c.KeyMap
	switch {
	case key.Matches(k, km.Up):
		p.offset--
	case key.Matches(k, km.Down):
		p.offset++
	case key.Matches(k, km.PageUp):
		p.offset -= p.height - 1
	case key.Matches(k, km.PageDown):
		p.offset += p.height - 1
	case key.Matches(k, km.Top):
		p.offset = 0
	case key.Matches(k, km.Bottom):
		p.offset = len(p.lines)
	}
	p.clamp()
}

func (p *pagePanel) View() string {
	s := p.c.Styles
	if p.err != nil {
		return pad([]string{s.Error.Render(oneLine(p.err))}, p.height)
	}
	if !p.loaded {
		return pad([]string{s.Dim.Render("loading…")}, p.height)
	}
	var out []string
	for i := p.offset; i < min(p.offset+p.height, len(p.lines)); i++ {
		out = append(out, p.style(i, cell(p.lines[i], p.c.Width)))
	}
	return pad(out, p.height)
}

// style colours one line of the page.
func (p *pagePanel) style(i int, line string) string {
	s := p.c.Styles
	switch p.kind {
	case "inspect":
		return colourJSON(line, s)
	case "diff":
		switch {
		case strings.HasPrefix(line, "A "):
			return s.Running.Render(line)
		case strings.HasPrefix(line, "C "):
			return s.Paused.Render(line)
		case strings.HasPrefix(line, "D "):
			return s.Exited.Render(line)
		}
	case "processes", "namespaces":
		if i == 0 {
			return s.Header.Render(line)
		}
	}
	return strings.TrimRight(line, " ")
}

// colourJSON styles the key of an indented `"key": value` line.
func colourJSON(line string, s *Styles) string {
	t := strings.TrimLeft(line, " ")
	if !strings.HasPrefix(t, `"`) {
		return strings.TrimRight(line, " ")
	}
	end := strings.Index(t[1:], `":`)
	if end < 0 {
		return strings.TrimRight(line, " ")
	}
	indent := line[:len(line)-len(t)]
	return indent + s.JSONKey.Render(t[:end+2]) + strings.TrimRight(t[end+2:], " ")
}
