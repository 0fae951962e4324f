package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/berthdev/berth/engine"
)

// longLogWorld is world() whose web logs, last, one line of 200 cells
// that ends in a marker.
func longLogWorld() *fakeEngine {
	f := world()
	web := f.byName("web").ID
	f.logs[web] = append(f.logs[web], engine.LogEntry{Stream: "stdout", Time: epoch,
		Log: "payload=" + strings.Repeat("abcdefghij", 19) + "TAIL-MARK\n"})
	return f
}

// TestFlowLogsWrap: W wraps a long line over rows so its end shows,
// keeps following the end, and W again cuts it at the width.
func TestFlowLogsWrap(t *testing.T) {
	h := start(t, longLogWorld(), 80, 24)
	h.waitFor("batch-with")
	h.press(h.km.Open)
	h.waitFor("end of log", "payload=abc")
	if s := h.text(); strings.Contains(s, "TAIL-MARK") {
		t.Fatalf("an unwrapped line shows past the width:\n%s", s)
	}
	h.press(h.km.Wrap)
	s := h.waitFor("· wrapped", "TAIL-MARK", "following")
	rows := 0
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "abcdefghij") {
			rows++
		}
	}
	if rows < 3 {
		t.Fatalf("the 200-cell line takes %d rows at 80 columns, want 3:\n%s", rows, s)
	}
	h.press(h.km.Wrap)
	h.waitGone("TAIL-MARK", "· wrapped")
}

// TestLogsWrapKeepsTop: wrapping on and off keeps the line at the top of
// the pane at the top, and search finds a line's first row when wrapped.
func TestLogsWrapKeepsTop(t *testing.T) {
	c := &Common{Styles: DefaultStyles(true), KeyMap: DefaultKeyMap(), Now: time.Now, Width: 20}
	p := newLogsPanel(c)
	p.SetSize(20, 6)
	var entries []engine.LogEntry
	for i := range 30 {
		entries = append(entries, engine.LogEntry{Log: fmt.Sprintf("line-%02d %s\n", i, strings.Repeat("x", 30))})
	}
	p.add(logBatchMsg{entries: entries})
	p.scroll.follow, p.scroll.offset = false, 10
	p.key(keyPress("W"))
	if got := p.rows()[p.scroll.offset]; got.entry != 10 || !strings.HasPrefix(got.text, "line-10") {
		t.Fatalf("after wrap the top row is %+v, want line-10's first", got)
	}
	if n := len(p.rows()); n != 60 {
		t.Fatalf("%d rows for 30 lines of 39 cells at 20 columns, want 60", n)
	}
	p.search.SetValue("line-25")
	p.findNext(len(p.lines)-1, -1)
	if r := p.rows()[p.rowOf(p.match)]; r.entry != 25 || !strings.HasPrefix(r.text, "line-25") {
		t.Fatalf("the match's first row is %+v", r)
	}
	if v := p.View(); !strings.Contains(v, "line-25") {
		t.Fatalf("the match is not on screen:\n%s", v)
	}
	top := p.rows()[p.scroll.offset].entry
	p.key(keyPress("W"))
	if got := p.rows()[p.scroll.offset].entry; got != top || len(p.rows()) != 30 {
		t.Fatalf("unwrapped: %d rows, line %d at the top; want 30 rows, line %d", len(p.rows()), got, top)
	}
}

// TestViewsLogsWrapped renders a wrapped log.
func TestViewsLogsWrapped(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := start(t, longLogWorld(), size[0], size[1])
			h.waitFor("25.0%")
			h.press(h.km.Open)
			h.waitFor("end of log")
			h.press(h.km.Wrap)
			h.waitFor("TAIL-MARK")
			golden.RequireEqualEscape(t, []byte(h.frame()), true)
		})
	}
}
