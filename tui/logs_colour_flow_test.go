package tui

import (
	"strings"
	"testing"

	"github.com/berthdev/berth/engine"
)

// TestFlowLogsKeepColours: the Logs tab draws a container's own colours
// and nothing else it printed (a screen clear, a clipboard write, a title),
// and a search finds the text, not the escapes.
func TestFlowLogsKeepColours(t *testing.T) {
	f := world()
	web := f.byName("web").ID
	f.logs[web] = append(f.logs[web],
		engine.LogEntry{Stream: "stdout", Time: epoch, Log: "\x1b[31mCOLOURED-ERROR\x1b[0m boom\n"},
		engine.LogEntry{Stream: "stdout", Time: epoch, Log: "\x1b[2J\x1b]52;c;cHduZWQ=\x07\x1b]0;pwned\x07HOSTILE-END\n"})
	h := start(t, f, 100, 30)
	h.waitFor("batch-with")
	h.press(h.km.Logs)
	h.waitFor("COLOURED-ERROR boom", "HOSTILE-END")
	s := h.frame()
	if !strings.Contains(s, "\x1b[31mCOLOURED-ERROR") {
		t.Errorf("the line's own colour is not drawn: %q", lineWith(s, "COLOURED-ERROR"))
	}
	for _, bad := range []string{"\x1b[2J", "\x1b]52", "\x1b]0;", "pwned"} {
		if strings.Contains(s, bad) {
			t.Errorf("the frame carries %q from the log: %q", bad, lineWith(s, "HOSTILE-END"))
		}
	}
	h.press(h.km.Search)
	h.typeText("31m") // in the escape, not the text
	h.press(h.km.Submit)
	h.waitFor("no match")
	h.press(h.km.Back, h.km.Search)
	h.typeText("error b")
	h.press(h.km.Submit)
	h.waitFor("match 1/1")
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
