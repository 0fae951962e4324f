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
	offset  int // the first screen line shown; follows the end
	follow  bool
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

func (l *messageLog) open() { l.shown, l.follow = true, true }

// key scrolls the history; Back (or `!` again) closes it.
func (l *messageLog) key(km *KeyMap, k tea.KeyPressMsg) {
	switch {
	case key.Matches(k, km.Back, km.Messages):
		l.shown = false
	case key.Matches(k, km.Up):
		l.follow = false
		l.offset--
	case key.Matches(k, km.Down):
		l.offset++
	case key.Matches(k, km.PageUp):
		l.follow = false
		l.offset -= 10
	case key.Matches(k, km.PageDown):
		l.offset += 10
	case key.Matches(k, km.Top):
		l.follow, l.offset = false, 0
	case key.Matches(k, km.Bottom):
		l.follow = true
	}
}

func (l *messageLog) view(c *Common) string {
	s := c.Styles
	h := max(c.Height-1, 1)
	all := l.lines(s, c.Width)
	last := max(len(all)-h, 0)
	if l.follow {
		l.offset = last
	}
	l.offset = min(max(l.offset, 0), last)
	lines := []string{s.Title.Render("messages") + s.Dim.Render(" · newest last · ↑/↓ scroll · esc closes")}
	if len(all) == 0 {
		lines = append(lines, s.Dim.Render("no messages yet"))
	}
	lines = append(lines, all[l.offset:min(l.offset+h, len(all))]...)
	return pad(lines, c.Height)
}
