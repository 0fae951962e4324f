package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// TestFlowLogsHorizontalScroll: with wrap off, → shows what lies past the
// width and the mode line says from which column; ← goes back; wrap on
// starts at column 1 again.
func TestFlowLogsHorizontalScroll(t *testing.T) {
	h := start(t, longLogWorld(), 80, 24)
	h.waitFor("batch-with")
	h.press(h.km.Open)
	h.waitFor("end of log", "payload=abc")
	h.waitGone("TAIL-MARK")
	h.press(h.km.ScrollRight)
	h.waitFor("· ← from column 21")
	h.press(h.km.ScrollRight, h.km.ScrollRight, h.km.ScrollRight, h.km.ScrollRight, h.km.ScrollRight, h.km.ScrollRight)
	s := h.waitFor("TAIL-MARK")
	if strings.Contains(s, "payload=") {
		t.Errorf("scrolled right, the line's start still shows:\n%s", s)
	}
	h.press(h.km.ScrollRight, h.km.ScrollRight, h.km.ScrollRight, h.km.ScrollRight)
	h.waitFor("TAIL-MARK") // never scrolls past the longest line
	for range 12 {
		h.press(h.km.ScrollLeft)
	}
	h.waitFor("payload=abc")
	h.waitGone("· ← from column", "TAIL-MARK")
	h.press(h.km.ScrollRight, h.km.Wrap)
	h.waitFor("· wrapped", "payload=abc", "TAIL-MARK")
	h.waitGone("· ← from column")
	h.press(h.km.ScrollRight) // wrapped: nothing to scroll
	h.waitGone("· ← from column")
}

// TestFlowLogsSearchKeepsFollow: a search stops following to show its
// match; n and N move through the matches with a counter; when the
// search ends (esc) the log follows again, as it did before.
func TestFlowLogsSearchKeepsFollow(t *testing.T) {
	h := start(t, world(), 100, 30)
	h.waitFor("batch-with")
	h.press(h.km.Logs)
	h.waitFor("· following", "end of log")
	h.press(h.km.Search)
	h.typeText("request=3")
	h.press(h.km.Submit)
	s := h.waitFor("match 11/11")
	if strings.Contains(s, "· following") {
		t.Errorf("showing a match, the log still follows:\n%s", s)
	}
	h.press(h.km.NextMatch)
	h.waitFor("match 10/11")
	h.press(h.km.NextMatch, h.km.NextMatch)
	h.waitFor("match 8/11")
	h.press(h.km.PrevMatch)
	h.waitFor("match 9/11")
	h.press(h.km.Back)
	h.waitFor("· following")
	h.waitGone("search: request=3", "/11")

	// Not following when the search began: it does not start to.
	h.press(h.km.Top)
	h.waitGone("· following")
	h.press(h.km.Search)
	h.typeText("request=3")
	h.press(h.km.Submit)
	h.waitFor("match 11/11")
	h.press(h.km.Back)
	h.waitGone("/11")
	if s := h.text(); strings.Contains(s, "· following") {
		t.Errorf("the log follows after a search begun while it did not:\n%s", s)
	}
	// A search cancelled while typed follows again too.
	h.press(h.km.Bottom, h.km.Search)
	h.typeText("req")
	h.press(h.km.Back)
	h.waitFor("· following")
}

// TestViewsLogsScroll: a log scrolled right, and a search's counter after
// n, at 80×24 and 160×48.
func TestViewsLogsScroll(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("scrolled_%dx%d", size[0], size[1]), func(t *testing.T) {
			h := start(t, longLogWorld(), size[0], size[1])
			h.waitFor("25.0%")
			h.press(h.km.Open)
			h.waitFor("end of log", "payload=abc")
			h.press(h.km.ScrollRight, h.km.ScrollRight)
			h.waitFor(fmt.Sprintf("· ← from column %d", 2*(size[0]/4)+1))
			golden.RequireEqualEscape(t, []byte(h.frame()), true)
		})
		t.Run(fmt.Sprintf("match_next_%dx%d", size[0], size[1]), func(t *testing.T) {
			h := start(t, world(), size[0], size[1])
			h.waitFor("25.0%")
			h.press(h.km.Open)
			h.waitFor("end of log")
			h.press(h.km.Search)
			h.typeText("request=3")
			h.press(h.km.Submit, h.km.NextMatch, h.km.NextMatch)
			h.waitFor("match 9/11")
			golden.RequireEqualEscape(t, []byte(h.frame()), true)
		})
	}
}
