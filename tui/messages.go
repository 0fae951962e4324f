package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// messageLog is every message the status bar showed, in full: the bar
// cuts a long error at the screen's width, `!` shows them all wrapped.
type messageLog struct {
	entries []message
	shown   bool
	scroll  scroller // follows the end
}

type message struct {
	at   time.Time
	err  bool
	text string
}

// maxMessages bounds the history.
const maxMessages = 200

func (l *messageLog) add(at time.Time, text string, isErr bool) {
	if text == "" {
		return
	}
	l.entries = append(l.entries, message{at, isErr, text})
	if len(l.entries) > maxMessages {
		l.entries = l.entries[len(l.entries)-maxMessages:]
	}
}

// lines are the messages wrapped to width w, newest last.
func (l *messageLog) lines(s *Styles, w int) []string {
	var out []string
	for _, m := range l.entries {
		mark, st := "✓ ", s.Info
		if m.err {
			mark, st = "✗ ", s.Error
		}
		prefix := m.at.UTC().Format("15:04:05") + " "
		body := ansi.Wrap(mark+m.text, max(w-len(prefix), 10), " /;,")
		for i, part := range strings.Split(body, "\n") {
			p := strings.Repeat(" ", len(prefix))
			if i == 0 {
				p = s.Dim.Render(prefix)
			}
			out = append(out, p+st.Render(part))
		}
	}
	return out
}

func (l *messageLog) open() { l.shown, l.scroll.follow = true, true }

// key scrolls the history; Back (or `!` again) closes it.
func (l *messageLog) key(km *KeyMap, k tea.KeyPressMsg) {
	if key.Matches(k, km.Back, km.Messages) {
		l.shown = false
		return
	}
	l.scroll.key(km, k, 11) // a page is 10 lines
}

func (l *messageLog) view(c *Common) string {
	s := c.Styles
	h := max(c.Height-1, 1)
	all := l.lines(s, c.Width)
	l.scroll.clamp(len(all), h)
	lines := []string{s.Title.Render("messages") + s.Dim.Render(" · newest last · ↑/↓ scroll · esc closes")}
	if len(all) == 0 {
		lines = append(lines, s.Dim.Render("no messages yet"))
	}
	from, to := l.scroll.visible(len(all), h)
	lines = append(lines, all[from:to]...)
	return pad(lines, c.Height)
}
