package tui

import (
	"charm.land/bubbles/v2/key"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/berthdev/berth/engine"
)

// maxLogLines bounds what the logs tab keeps; older lines are dropped.
const maxLogLines = 10000

// logTail is how many lines the logs tab starts with.
const logTail = 1000

// logsPanel is a container's log: streamed from the engine (Follow), kept
// at the bottom while following, searchable, with or without timestamps.
type logsPanel struct {
	c          *Common
	height     int
	id, name   string
	lines      []engine.LogEntry
	scroll     scroller // over rows()
	timestamps bool
	wrap       bool     // long lines go on over several rows
	xoff       int      // the first cell shown of each line, while not wrapped
	followWas  bool     // following when the search began: it follows again when the search ends
	rowCache   []logRow // rows(), for rowWidth; nil when stale
	rowWidth   int
	search     lineInput
	match      int // index into lines of the current match, -1 for none
	gen        int
	cancel     context.CancelFunc
	ended      bool
	err        error
}

// logItem is one entry of the stream, or its end.
type logItem struct {
	entry engine.LogEntry
	end   bool
	err   error
}

// logBatchMsg carries what the stream produced since the last batch; gen
// tells batches of an earlier container apart.
type logBatchMsg struct {
	gen     int
	entries []engine.LogEntry
	end     bool
	err     error
}

func newLogsPanel(c *Common) *logsPanel {
	return &logsPanel{c: c, scroll: scroller{follow: true}, match: -1, search: newLineInput("search: ")}
}

func (p *logsPanel) Init() tea.Cmd { return nil }

func (p *logsPanel) SetSize(w, h int) { p.height = h; p.clamp() }

func (p *logsPanel) bodyHeight() int {
	h := p.height - 1 // the mode line
	if p.search.active || p.search.Value() != "" {
		h--
	}
	return max(h, 1)
}

// open starts streaming a container's log, ending any earlier stream.
func (p *logsPanel) open(e Engine, id, name string) tea.Cmd {
	p.close()
	p.gen++
	p.id, p.name, p.lines, p.ended, p.err, p.match = id, name, nil, false, nil, -1
	p.scroll.offset, p.rowCache = 0, nil
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	ch := make(chan logItem, 256)
	gen := p.gen
	stream := func() tea.Msg {
		err := e.Logs(ctx, id, engine.LogOptions{Follow: true, Tail: logTail}, func(le engine.LogEntry) error {
			select {
			case ch <- logItem{entry: le}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		select {
		case ch <- logItem{end: true, err: err}:
		case <-ctx.Done():
		}
		return nil
	}
	return tea.Batch(stream, nextLogs(ctx, gen, ch))
}

// nextLogs is the re-armed reader: it waits for one entry, then takes
// whatever else is ready, so a burst is one message and one render.
func nextLogs(ctx context.Context, gen int, ch <-chan logItem) tea.Cmd {
	return func() tea.Msg {
		var b logBatchMsg
		b.gen = gen
		select {
		case it := <-ch:
			if it.end {
				return logBatchMsg{gen: gen, end: true, err: it.err}
			}
			b.entries = append(b.entries, it.entry)
		case <-ctx.Done():
			return nil
		}
		for len(b.entries) < 2000 {
			select {
			case it := <-ch:
				if it.end {
					b.end, b.err = true, it.err
					return b
				}
				b.entries = append(b.entries, it.entry)
			default:
				return withRearm(b, ctx, ch)
			}
		}
		return withRearm(b, ctx, ch)
	}
}

// rearmLogs pairs a batch with the command that reads the next one.
type rearmLogs struct {
	logBatchMsg
	next tea.Cmd
}

func withRearm(b logBatchMsg, ctx context.Context, ch <-chan logItem) tea.Msg {
	return rearmLogs{b, nextLogs(ctx, b.gen, ch)}
}

func (p *logsPanel) close() {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
}

func (p *logsPanel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case rearmLogs:
		if msg.gen != p.gen {
			return nil
		}
		p.add(msg.logBatchMsg)
		return msg.next
	case logBatchMsg:
		if msg.gen == p.gen {
			p.add(msg)
		}
	case tea.KeyPressMsg:
		return p.key(msg)
	}
	return nil
}

func (p *logsPanel) add(b logBatchMsg) {
	from := len(p.lines)
	p.lines = append(p.lines, b.entries...)
	if p.rowCache != nil {
		for i := from; i < len(p.lines); i++ {
			p.rowCache = p.appendRows(p.rowCache, i)
		}
	}
	if n := len(p.lines) - maxLogLines; n > 0 {
		p.scroll.offset = max(p.scroll.offset-p.rowOf(n), 0)
		p.lines = append(p.lines[:0:0], p.lines[n:]...)
		p.rowCache = nil
		if p.match >= 0 {
			p.match = max(p.match-n, -1)
		}
	}
	if b.end {
		p.ended, p.err = true, b.err
	}
	p.clamp()
}

func (p *logsPanel) clamp() { p.scroll.clamp(len(p.rows()), p.bodyHeight()) }

// logRow is one screen row of the log: a line, or a part of a wrapped one.
type logRow struct {
	entry int // its index in lines
	text  string
}

// rows are the log's screen rows at the current width, timestamps and
// wrap; kept until one of them changes or old lines are dropped.
func (p *logsPanel) rows() []logRow {
	if p.rowCache == nil || p.rowWidth != p.c.Width {
		p.rowWidth = p.c.Width
		p.rowCache = make([]logRow, 0, len(p.lines))
		for i := range p.lines {
			p.rowCache = p.appendRows(p.rowCache, i)
		}
	}
	return p.rowCache
}

// appendRows adds the rows of line i: one, or with wrap as many as its
// text needs at the width.
func (p *logsPanel) appendRows(rows []logRow, i int) []logRow {
	text := p.show(p.lines[i])
	if !p.wrap || ansi.StringWidth(text) <= p.c.Width {
		return append(rows, logRow{i, text})
	}
	for _, part := range strings.Split(ansi.Hardwrap(text, max(p.c.Width, 1), true), "\n") {
		rows = append(rows, logRow{i, part})
	}
	return rows
}

// rowOf is the first row of line i.
func (p *logsPanel) rowOf(i int) int {
	rows := p.rows()
	r, _ := slices.BinarySearchFunc(rows, i, func(r logRow, i int) int { return r.entry - i })
	return r
}

func (p *logsPanel) key(k tea.KeyPressMsg) tea.Cmd {
	km := p.c.KeyMap
	if p.search.active {
		p.search.key(km, k)
		p.match = -1
		switch {
		case !p.search.active && p.search.Value() != "":
			p.findNext(len(p.lines)-1, -1) // newest match first
		case !p.search.active:
			p.scroll.follow = p.followWas // cancelled
		}
		p.clamp()
		return nil
	}
	switch {
	case p.scroll.key(km, k, p.bodyHeight()):
	case key.Matches(k, km.Follow):
		p.scroll.follow = !p.scroll.follow
	case key.Matches(k, km.Timestamps):
		p.timestamps, p.rowCache = !p.timestamps, nil
	case key.Matches(k, km.Wrap):
		p.keepTop(func() { p.wrap, p.rowCache, p.xoff = !p.wrap, nil, 0 })
	case key.Matches(k, km.ScrollLeft) && !p.wrap:
		p.xoff = max(p.xoff-p.hstep(), 0)
	case key.Matches(k, km.ScrollRight) && !p.wrap:
		p.xoff = min(p.xoff+p.hstep(), p.widest())
	case key.Matches(k, km.Search):
		if p.search.Value() == "" {
			p.followWas = p.scroll.follow
		}
		p.search.start()
	case key.Matches(k, km.NextMatch) && p.search.Value() != "":
		p.findNext(p.match-1, -1)
	case key.Matches(k, km.PrevMatch) && p.search.Value() != "":
		p.findNext(p.match+1, +1)
	case key.Matches(k, km.Save):
		return saveLogs(p.name, p.text())
	}
	p.clamp()
	return nil
}

// endSearch clears the search; the pane follows again if it followed
// when the search began.
func (p *logsPanel) endSearch() {
	p.search.SetValue("")
	p.match = -1
	p.scroll.follow = p.followWas
	p.clamp()
}

// hstep is how far a horizontal scroll key moves: a quarter of the pane.
func (p *logsPanel) hstep() int { return max(p.c.Width/4, 1) }

// widest is the furthest the pane scrolls right: the longest row shown
// starts at the left edge, less one step, so the pane never goes blank.
func (p *logsPanel) widest() int {
	rows := p.rows()
	from, to := p.scroll.visible(len(rows), p.bodyHeight())
	w := 0
	for _, r := range rows[from:to] {
		w = max(w, ansi.StringWidth(r.text))
	}
	return max(w-p.hstep(), 0)
}

// findNext moves to the next line matching the search from line i in
// direction dir (-1: older), and scrolls it into view.
func (p *logsPanel) findNext(i, dir int) {
	q := strings.ToLower(p.search.Value())
	for ; i >= 0 && i < len(p.lines); i += dir {
		if strings.Contains(strings.ToLower(plain(p.lines[i].Log)), q) {
			p.match, p.scroll.follow = i, false
			h, r := p.bodyHeight(), p.rowOf(i)
			if r < p.scroll.offset || r >= p.scroll.offset+h {
				p.scroll.offset = r - h/2
			}
			return
		}
	}
}

// matchCount says where the current match is among the lines matching q,
// counted from the oldest: "match 2/5", "5 matches", or "no match".
func (p *logsPanel) matchCount(q string) string {
	q = strings.ToLower(q)
	n, at := 0, 0
	for i, le := range p.lines {
		if strings.Contains(strings.ToLower(plain(le.Log)), q) {
			n++
			if i == p.match {
				at = n
			}
		}
	}
	switch {
	case n == 0:
		return "no match"
	case at == 0:
		return fmt.Sprintf("%d matches", n)
	}
	return fmt.Sprintf("match %d/%d", at, n)
}

// logTimeLayout is docker's log timestamp layout (jsonmessage's
// RFC3339NanoFixed: always nine fraction digits), as `berth logs -t` prints.
const logTimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// plain is s without its escapes; most lines have none and are s.
func plain(s string) string {
	if strings.IndexByte(s, ansi.ESC) < 0 {
		return s
	}
	return ansi.Strip(s)
}

// render is a log line as text: its escapes stripped (saved, searched).
func (p *logsPanel) render(le engine.LogEntry) string {
	return p.stamp(le, strings.ReplaceAll(ansi.Strip(strings.TrimRight(le.Log, "\r\n")), "\t", "    "))
}

// show is a log line as the pane draws it: the container's own colours
// kept, every other escape dropped (keepColours).
func (p *logsPanel) show(le engine.LogEntry) string {
	return p.stamp(le, keepColours(strings.TrimRight(le.Log, "\r\n")))
}

func (p *logsPanel) stamp(le engine.LogEntry, text string) string {
	if p.timestamps {
		return le.Time.UTC().Format(logTimeLayout) + " " + text
	}
	return text
}

func (p *logsPanel) text() string {
	var b strings.Builder
	for _, le := range p.lines {
		b.WriteString(p.render(le) + "\n")
	}
	return b.String()
}

func (p *logsPanel) View() string {
	s := p.c.Styles
	var lines []string
	mode := fmt.Sprintf("%d lines", len(p.lines))
	if p.scroll.follow {
		mode += " · following"
	}
	if p.timestamps {
		mode += " · timestamps"
	}
	if p.wrap {
		mode += " · wrapped"
	} else if p.xoff > 0 {
		mode += fmt.Sprintf(" · ← from column %d", p.xoff+1)
	}
	if p.ended {
		mode += " · end of log"
	}
	if q := p.search.Value(); q != "" && !p.search.active {
		mode += " · " + p.matchCount(q)
	}
	if p.err != nil {
		mode += " · " + s.Error.Render(oneLine(p.err))
	}
	lines = append(lines, s.Dim.Render(mode))
	if p.search.active || p.search.Value() != "" {
		lines = append(lines, p.search.view(s))
	}
	q := p.search.Value()
	rows := p.rows()
	from, to := p.scroll.visible(len(rows), p.bodyHeight())
	for _, r := range rows[from:to] {
		le := p.lines[r.entry]
		text := r.text
		if p.xoff > 0 && !p.wrap {
			text = ansi.Cut(text, p.xoff, p.xoff+p.c.Width)
		}
		line := cell(text, p.c.Width)
		line = strings.TrimRight(line, " ")
		switch {
		case r.entry == p.match:
			line = s.Cursor.Render(plain(line)) // the line's own resets would end the reverse
		case q != "" && !p.search.active:
			line = highlight(plain(line), q, s)
		case le.Stream == "stderr":
			line = s.Stderr.Render(line)
		}
		lines = append(lines, line)
	}
	return pad(lines, p.height)
}

// highlight marks each case-insensitive occurrence of q in line.
func highlight(line, q string, s *Styles) string {
	lower, lq := strings.ToLower(line), strings.ToLower(q)
	if len(lower) != len(line) || lq == "" {
		return line
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, lq)
		if i < 0 {
			b.WriteString(line)
			return b.String()
		}
		b.WriteString(line[:i] + s.Match.Render(line[i:i+len(q)]))
		line, lower = line[i+len(q):], lower[i+len(q):]
	}
}

// saveLogs writes the log as shown to <name>.log in the working directory.
func saveLogs(name, text string) tea.Cmd {
	return func() tea.Msg {
		path := name + ".log"
		return savedMsg{path, os.WriteFile(path, []byte(text), 0o644)}
	}
}

// keepTop applies change (wrap on or off) keeping the line at the top of
// the pane at the top.
func (p *logsPanel) keepTop(change func()) {
	rows := p.rows()
	top := -1
	if p.scroll.offset < len(rows) {
		top = rows[p.scroll.offset].entry
	}
	change()
	if top >= 0 {
		p.scroll.offset = p.rowOf(top)
	}
}
