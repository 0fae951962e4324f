package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// leftClick is a mouse click at column x of screen line y.
func leftClick(x, y int) tea.Msg { return tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft} }

// TestFlowMouseDetailTabs: in a container's detail, clicking a tab's name
// opens that tab and logs its equivalent command, as its key does.
func TestFlowMouseDetailTabs(t *testing.T) {
	h := start(t, world(), 120, 30)
	h.waitFor("batch-with")
	h.press(h.km.Open)
	s := h.waitFor("end of log")
	line := strings.Split(s, "\n")[1]
	for _, c := range []struct{ tab, shows string }{
		{"Stats", "$ berth stats web"},
		{"Inspect", `"Status": "running"`},
		{"Logs", "end of log"},
	} {
		x := strings.Index(line, c.tab)
		if x < 0 {
			t.Fatalf("no %s tab on the detail line %q", c.tab, line)
		}
		h.tm.Send(leftClick(len([]rune(line[:x]))+1, 1))
		h.waitFor(c.shows)
	}
}

// TestFlowMouseColumnHeaders: clicking the container list's NAME header
// sorts by name, A to Z (▲), clicking it again reverses it (▼); a click
// on a column the list cannot sort by (PORTS) changes nothing.
func TestFlowMouseColumnHeaders(t *testing.T) {
	h := start(t, world(), 120, 30)
	s := h.waitFor("batch-with")
	header := strings.Split(s, "\n")[1]
	at := func(col string) int {
		i := strings.Index(header, col)
		if i < 0 {
			t.Fatalf("no %s in the header %q", col, header)
		}
		return len([]rune(header[:i])) + 1
	}
	name, ports := at("NAME"), at("PORTS")
	h.tm.Send(leftClick(name, 1))
	s = h.waitFor("NAME▲")
	if i, j := strings.Index(s, "batch-with"), strings.Index(s, " web "); i < 0 || j < 0 || i > j {
		t.Errorf("sorted by name A to Z, batch-with is not above web:\n%s", s)
	}
	h.tm.Send(leftClick(name, 1))
	s = h.waitFor("NAME▼")
	if i, j := strings.Index(s, "batch-with"), strings.Index(s, " web "); i < 0 || j < 0 || j > i {
		t.Errorf("sorted by name Z to A, web is not above batch-with:\n%s", s)
	}
	h.tm.Send(leftClick(ports, 1))
	h.press(h.km.Reverse) // still sorted by name: the reverse key flips NAME's arrow
	h.waitFor("NAME▲")
}

// TestFlowMouseLayersIgnoresRowClicks: a click in the Layers view does
// not move the image list's cursor hidden behind it: back in the list,
// the Layers key opens the same image again.
func TestFlowMouseLayersIgnoresRowClicks(t *testing.T) {
	h := start(t, world(), 160, 48)
	h.openLayers()
	h.waitFor("busybox:latest · layers", "pkgcache.bin")
	h.tm.Send(leftClick(5, 3)) // the image list's second row, were it shown
	h.press(h.km.Back)
	h.waitFor("REPOSITORY")
	h.press(h.km.Layers)
	h.waitFor("busybox:latest · layers")
}
