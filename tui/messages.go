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

// messagesView is `!`: the message history in the panel's place, an
// overlay over the panels' Common (it is as big as a panel).
type messagesView struct {
	c      *Common
	log    *messageLog
	quit   func() tea.Cmd
	closed bool
}

func newMessagesView(c *Common, log *messageLog, quit func() tea.Cmd) *messagesView {
	log.scroll.follow = true
	return &messagesView{c: c, log: log, quit: quit}
}

func (v *messagesView) Init() tea.Cmd    { return nil }
func (v *messagesView) SetSize(w, h int) {} // it draws at its Common's size, the panels'
func (v *messagesView) done() bool       { return v.closed }
func (v *messagesView) place() place     { return placePanel }
func (v *messagesView) View() string     { return v.log.view(v.c) }

func (v *messagesView) ShortHelp() []key.Binding {
	km := v.c.KeyMap
	return []key.Binding{km.Up, km.Down, km.Back}
}
func (v *messagesView) FullHelp() [][]key.Binding { return [][]key.Binding{v.ShortHelp()} }

// Update scrolls the history; Back (or `!` again) closes it, the Quit key
// that is also Abort (ctrl+c) quits.
func (v *messagesView) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	km := v.c.KeyMap
	switch {
	case key.Matches(k, km.Quit) && key.Matches(k, km.Abort):
		return v.quit()
	case key.Matches(k, km.Back, km.Messages):
		v.closed = true
	default:
		v.log.scroll.key(km, k, 11) // a page is 10 lines
	}
	return nil
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
