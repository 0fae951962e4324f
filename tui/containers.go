package tui

import (
	"charm.land/bubbles/v2/key"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	units "github.com/docker/go-units"

	"github.com/berthdev/berth/engine"
)

// containersPanel is the live container list: filtered with `/`, sorted by
// any column, stopped ones shown or hidden, rows marked for bulk actions.
// It learns of changes from engine events, one container at a time.
type containersPanel struct {
	c       *Common
	height  int
	all     map[string]engine.ContainerSummary
	rows    []engine.ContainerSummary // what is shown, filtered and sorted
	items   []listRow                 // rows as the list lays them out, grouped (groups.go)
	folded  map[string]bool           // the groups shown as one row
	win     window
	marks   map[string]bool
	filter  lineInput
	sortBy  int
	asc     bool
	hideOff bool // hide stopped containers
	loaded  bool
	usage   map[string]engine.ContainerStats // of the visible running rows
	hidden  []bool                           // the columns turned off, by index of containerColumns
}

// sortKeys are the orders `o` cycles through; "created" is ps's own.
var sortKeys = []string{"created", "name", "image", "state", "status", "id", "cpu", "mem"}

func newContainersPanel(c *Common) *containersPanel {
	return &containersPanel{c: c, all: map[string]engine.ContainerSummary{}, marks: map[string]bool{}, folded: map[string]bool{}, filter: newLineInput("filter: ")}
}

func (p *containersPanel) Init() tea.Cmd { return nil }

func (p *containersPanel) SetSize(w, h int) {
	p.height = h
	p.win.Height = p.listHeight()
	p.win.clamp(len(p.items))
}

func (p *containersPanel) listHeight() int {
	h := p.height - 1 // header
	if p.filter.active || p.filter.Value() != "" {
		h--
	}
	return max(h, 1)
}

// selected is the container under the cursor (none on a group's row).
func (p *containersPanel) selected() (engine.ContainerSummary, bool) {
	if p.win.Cursor < len(p.items) && p.items[p.win.Cursor].g == nil {
		return p.items[p.win.Cursor].c, true
	}
	return engine.ContainerSummary{}, false
}

// targets are the marked containers, else every container of the group
// under the cursor, else the one under the cursor.
func (p *containersPanel) targets() []engine.ContainerSummary {
	var out []engine.ContainerSummary
	for _, r := range p.rows {
		if p.marks[r.ID] {
			out = append(out, r)
		}
	}
	if g, ok := p.selectedGroup(); ok && len(out) == 0 {
		return slices.Clone(g.all)
	}
	if len(out) == 0 {
		if r, ok := p.selected(); ok {
			out = append(out, r)
		}
	}
	return out
}

func (p *containersPanel) clearMarks() { clear(p.marks) }

// capturing reports whether the panel wants every key (typing a filter).
func (p *containersPanel) capturing() bool { return p.filter.active }

func (p *containersPanel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case containersMsg:
		if msg.err == nil {
			clear(p.all)
			for _, c := range msg.list {
				p.all[c.ID] = c
			}
			p.loaded = true
			p.rebuild()
		}
	case containerMsg:
		if msg.gone {
			delete(p.all, msg.id)
			delete(p.marks, msg.id)
		} else if msg.err == nil {
			p.all[msg.id] = msg.c
		}
		p.rebuild()
	case tea.KeyPressMsg:
		p.key(msg)
	}
	return nil
}

func (p *containersPanel) key(k tea.KeyPressMsg) {
	km := p.c.KeyMap
	if p.filter.active {
		p.filter.key(km, k)
		p.rebuild()
		p.SetSize(p.c.Width, p.height)
		return
	}
	if p.win.move(km, k, len(p.items)) {
		return
	}
	if g, ok := p.selectedGroup(); ok {
		switch {
		case key.Matches(k, km.Open):
			p.toggleFold(g)
			return
		case key.Matches(k, km.Mark):
			p.markGroup(g)
			p.win.Cursor++
			p.win.clamp(len(p.items))
			return
		}
	}
	switch {
	case key.Matches(k, km.Filter):
		p.filter.active = true
		p.SetSize(p.c.Width, p.height)
	case key.Matches(k, km.Back) && p.filter.Value() != "":
		p.filter.SetValue("")
		p.rebuild()
		p.SetSize(p.c.Width, p.height)
	case key.Matches(k, km.Sort):
		p.sortBy = (p.sortBy + 1) % len(sortKeys)
		// Newest, busiest and biggest first; names and the rest A to Z.
		p.asc = !slices.Contains([]string{"created", "cpu", "mem"}, sortKeys[p.sortBy])
		p.rebuild()
	case key.Matches(k, km.Reverse):
		p.asc = !p.asc
		p.rebuild()
	case key.Matches(k, km.ShowAll):
		p.hideOff = !p.hideOff
		p.rebuild()
	case key.Matches(k, km.Mark):
		if r, ok := p.selected(); ok {
			if p.marks[r.ID] {
				delete(p.marks, r.ID)
			} else {
				p.marks[r.ID] = true
			}
			p.win.Cursor++
			p.win.clamp(len(p.items))
		}
	case key.Matches(k, km.MarkAll):
		all := true
		for _, r := range p.rows {
			all = all && p.marks[r.ID]
		}
		clear(p.marks)
		if !all {
			for _, r := range p.rows {
				p.marks[r.ID] = true
			}
		}
	}
}

// rebuild recomputes the shown rows, keeping the cursor on the same
// container when it is still there.
func (p *containersPanel) rebuild() {
	cur := ""
	if p.win.Cursor < len(p.items) {
		cur = p.items[p.win.Cursor].rowKey()
	}
	p.rows = p.rows[:0]
	f := strings.ToLower(p.filter.Value())
	for _, c := range p.all {
		if p.hideOff && c.State != engine.StatusRunning && c.State != engine.StatusPaused {
			continue
		}
		if f != "" && !strings.Contains(strings.ToLower(strings.Join([]string{name(c), imageText(c), c.State, c.ID[:min(12, len(c.ID))], c.Command, c.Labels[labelProject], c.Labels[labelPod]}, " ")), f) {
			continue
		}
		p.rows = append(p.rows, c)
	}
	by := sortKeys[p.sortBy]
	now := p.c.Now()
	slices.SortStableFunc(p.rows, func(a, b engine.ContainerSummary) int {
		var r int
		switch by {
		case "name":
			r = strings.Compare(name(a), name(b))
		case "image":
			r = strings.Compare(imageText(a), imageText(b))
		case "state":
			r = strings.Compare(a.State, b.State)
		case "status":
			r = strings.Compare(statusText(a, now), statusText(b, now))
		case "id":
			r = strings.Compare(a.ID, b.ID)
		case "cpu":
			r = cmp.Compare(p.usage[a.ID].CPUPercent, p.usage[b.ID].CPUPercent)
		case "mem":
			r = cmp.Compare(p.usage[a.ID].MemoryWorkingSet, p.usage[b.ID].MemoryWorkingSet)
		}
		if r == 0 {
			r = a.Created.Compare(b.Created)
			if r == 0 {
				r = strings.Compare(a.ID, b.ID)
			}
		}
		if !p.asc {
			r = -r
		}
		return r
	})
	p.group()
	if cur != "" {
		if i := slices.IndexFunc(p.items, func(r listRow) bool { return r.rowKey() == cur }); i >= 0 {
			p.win.Cursor = i
		}
	}
	p.win.clamp(len(p.items))
}

var containerColumns = []column{
	{Title: " ", Width: 1},
	{Title: "NAME", Flex: 2, Min: 10},
	{Title: "IMAGE", Flex: 2, Min: 10},
	{Title: "STATE", Width: 9},
	{Title: "STATUS", Width: 27},
	{Title: "CPU %", Width: 6},
	{Title: "MEM", Width: 8},
	{Title: "NET I/O", Width: 15, Drop: 3}, // docker stats's, rx / tx
	{Title: "BLOCK I/O", Width: 15, Drop: 4},
	{Title: "PORTS", Flex: 3, Min: 20, Drop: 1}, // "0.0.0.0:8080->80/tcp" whole; kept over the ID
	{Title: "CONTAINER ID", Width: 13, Drop: 2},
	{Title: "CREATED", Flex: 2, Min: 14, Drop: 6},
	{Title: "COMMAND", Flex: 3, Min: 16, Drop: 5},
}

// sortColumn is the column each sort key marks in the header.
var sortColumn = map[string]int{"name": 1, "image": 2, "state": 3, "status": 4, "cpu": 5, "mem": 6, "id": 10, "created": 11}

func (p *containersPanel) View() string {
	s := p.c.Styles
	widths := layoutShown(containerColumns, p.c.Width, p.hidden)
	var lines []string
	if p.filter.active || p.filter.Value() != "" {
		lines = append(lines, p.filter.view(s))
	}
	head := make([]string, len(containerColumns))
	for i, col := range containerColumns {
		head[i] = col.Title
		if i == sortColumn[sortKeys[p.sortBy]] {
			head[i] += map[bool]string{true: "▲", false: "▼"}[p.asc]
		}
	}
	lines = append(lines, s.Header.Render(joinCells(head, widths)))
	if len(p.rows) == 0 {
		msg := "no containers: start one with `berth run -d busybox top`"
		switch {
		case !p.loaded:
			msg = "loading…"
		case len(p.all) > 0:
			msg = "no container matches (esc clears the filter, a shows stopped ones)"
		}
		lines = append(lines, s.Dim.Render(cell(msg, p.c.Width)))
	}
	now := p.c.Now()
	from, to := p.win.visible(len(p.items))
	for i := from; i < to; i++ {
		if g := p.items[i].g; g != nil {
			line := joinCells(groupCells(g, p.folded[g.key()], len(containerColumns)), widths)
			if i == p.win.Cursor {
				line = s.Cursor.Render(line)
			} else {
				line = s.Title.Render(line)
			}
			lines = append(lines, line)
			continue
		}
		r := p.items[i].c
		mark := " "
		if p.marks[r.ID] {
			mark = "*"
		}
		nm := name(r)
		if p.items[i].member {
			nm = "  " + nm
		}
		st, ok := p.usage[r.ID]
		ok = ok && r.State == engine.StatusRunning
		cells := []string{mark, nm, imageText(r), stateText(r), statusText(r, now), cpuText(st, ok), memText(st, ok), ioText(st.NetRx, st.NetTx, ok), ioText(st.BlockRead, st.BlockWrite, ok),
			portsText(r.Ports), r.ID[:min(12, len(r.ID))], ago(r.Created, now), quoteCmd(r.Command)}
		line := joinCells(cells, widths)
		switch {
		case i == p.win.Cursor:
			line = s.Cursor.Render(line)
		default:
			// Colour the state word only; the rest stays plain.
			cells[3] = s.stateStyle(r.State).Render(cell(stateText(r), widths[3]))
			if p.marks[r.ID] {
				cells[0], cells[1] = s.Marked.Render("*"), s.Marked.Render(cell(nm, widths[1]))
			}
			line = joinCells(cells, widths)
		}
		lines = append(lines, line)
	}
	return pad(lines, p.height)
}

// counts is "3 running · 5 total" for the tab bar.
func (p *containersPanel) counts() string {
	run := 0
	for _, c := range p.all {
		if c.State == engine.StatusRunning {
			run++
		}
	}
	marked := ""
	if n := len(p.marks); n > 0 {
		marked = fmt.Sprintf(" · %d marked", n)
	}
	return fmt.Sprintf("%d running · %d total%s", run, len(p.all), marked)
}

func name(c engine.ContainerSummary) string {
	if len(c.Names) > 0 {
		return c.Names[0]
	}
	return c.ID[:min(12, len(c.ID))]
}

// statusText is docker's STATUS column, computed at render time so that
// uptimes stay current without re-reading the container.
func statusText(c engine.ContainerSummary, now time.Time) string { return c.StatusAt(now) }

// stateText is the STATE column: docker's state, except that a container
// the OOM killer ended says so (docker leaves that to inspect's
// State.OOMKilled, whose name this is), in the column's 9 cells.
func stateText(c engine.ContainerSummary) string {
	if c.OOMKilled && c.State == engine.StatusExited {
		return "OOMKilled"
	}
	return c.State
}

func ago(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	return units.HumanDuration(now.Sub(t)) + " ago"
}

func quoteCmd(s string) string { return `"` + s + `"` }

// imageText is a container's IMAGE as docker ps prints it: the name it
// was created from, or, once that name is gone or means another image,
// the short ID the engine's full "sha256:…" Image stands for.
func imageText(c engine.ContainerSummary) string {
	if strings.HasPrefix(c.Image, "sha256:") {
		return shortID(c.Image)
	}
	return c.Image
}
