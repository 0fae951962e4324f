package tui

import (
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/berthdev/berth/engine"
)

// eventLog is the Events view (`berth events`, live): every engine event
// since the workbench started, newest last, following the end until
// scrolled up; the type filter cycles through all, container, image,
// volume and network, and a text filter (`/`) on top of it keeps the
// events whose line holds the text.
type eventLog struct {
	entries []engine.Event
	shown   bool
	kind    string // "" for every type
	text    lineInput
	win     window
	follow  bool
}

// maxEvents bounds the view's history.
const maxEvents = 1000

// eventKinds are the types the filter cycles through: docker's, as the
// engine emits them (a volume's and a network's create, destroy and
// prune, a network's connect and disconnect).
var eventKinds = []string{"", "container", "image", "volume", "network"}

func (l *eventLog) add(ev engine.Event) {
	l.entries = append(l.entries, ev)
	if len(l.entries) > maxEvents {
		l.entries = slices.Delete(l.entries, 0, len(l.entries)-maxEvents)
	}
}

func (l *eventLog) open() {
	l.shown, l.follow = true, true
	if l.text.prompt == "" {
		l.text = newLineInput("/")
	}
}

// shownEvents are the entries the filters let through.
func (l *eventLog) shownEvents() []engine.Event {
	text := strings.ToLower(l.text.Value())
	if l.kind == "" && text == "" {
		return l.entries
	}
	var out []engine.Event
	for _, ev := range l.entries {
		if (l.kind == "" || ev.Type == l.kind) && (text == "" || strings.Contains(strings.ToLower(eventText(ev)), text)) {
			out = append(out, ev)
		}
	}
	return out
}

// eventText is an event as `berth events` prints it after the time, which
// the text filter searches: type action id (attributes).
func eventText(ev engine.Event) string {
	var attrs []string
	for _, k := range slices.Sorted(maps.Keys(ev.Actor.Attributes)) {
		attrs = append(attrs, k+"="+ev.Actor.Attributes[k])
	}
	return ev.Type + " " + ev.Action + " " + ev.Actor.ID + " (" + strings.Join(attrs, ", ") + ")"
}

// command is the berth command that shows what the view shows.
func (l *eventLog) command() cmdLine {
	c := "berth events"
	if l.kind != "" {
		c += " --filter type=" + l.kind
	}
	if t := l.text.Value(); t != "" {
		c += " | grep -iF " + shellQuote(t)
	}
	return cmdLine{Berth: c}
}

// key scrolls, filters or closes (Back or the Events key again); it
// reports whether a filter changed. While the text filter is typed it
// takes every key; enter keeps it, esc clears it.
func (l *eventLog) key(km *KeyMap, k tea.KeyPressMsg) bool {
	if l.text.active {
		before := l.text.Value()
		l.text.key(km, k)
		l.follow = true
		return !l.text.active && (l.text.Value() != "" || before != "")
	}
	n := len(l.shownEvents())
	switch {
	case key.Matches(k, km.Back) && l.text.Value() != "":
		l.text.SetValue("")
		l.follow = true
		return true
	case key.Matches(k, km.Back, km.Events):
		l.shown = false
	case key.Matches(k, km.Filter):
		l.text.start()
		l.text.active = true
	case key.Matches(k, km.EventType):
		i := slices.Index(eventKinds, l.kind)
		l.kind = eventKinds[(i+1)%len(eventKinds)]
		l.follow = true
		return true
	case key.Matches(k, km.Bottom):
		l.follow = true
	case l.win.move(km, k, n):
		l.follow = l.win.Cursor == n-1
	}
	return false
}

// eventsTitle is the title line: what is shown (the filters), then as
// many of the hints, most useful first, as fit whole in w. A hint is
// never cut in the middle and never pushes the filter off the line.
func eventsTitle(title string, w int, s *Styles, hints ...string) string {
	room, more := w-lipgloss.Width(title), ""
	for _, h := range hints {
		if lipgloss.Width(more+" · "+h) > room {
			break
		}
		more += " · " + h
	}
	if more != "" {
		title += s.Dim.Render(more)
	}
	return cell(title, w)
}

var eventColumns = []column{
	{Title: "TIME", Width: 8},
	{Title: "TYPE", Width: 9},
	{Title: "ACTION", Flex: 2, Min: 10},
	{Title: "NAME", Flex: 2, Min: 10},
	{Title: "ID", Width: 12, Drop: 1},
	{Title: "ATTRIBUTES", Flex: 3, Min: 16, Drop: 2},
}

func (l *eventLog) view(c *Common) string {
	s := c.Styles
	evs := l.shownEvents()
	filter := "all types"
	if l.kind != "" {
		filter = "type=" + l.kind
	}
	km := c.KeyMap
	title := s.Title.Render("events") + s.Dim.Render(" · "+filter)
	if l.text.active || l.text.Value() != "" {
		title += s.Dim.Render(" · ") + l.text.view(s)
	}
	lines := []string{eventsTitle(title, c.Width, s, km.EventType.Help().Key+" type", km.Filter.Help().Key+" text",
		km.Back.Help().Key+" closes", "newest last")}
	widths := layout(eventColumns, c.Width)
	head := make([]string, len(eventColumns))
	for i, col := range eventColumns {
		head[i] = col.Title
	}
	lines = append(lines, s.Header.Render(joinCells(head, widths)))
	l.win.Height = max(c.Height-2, 1)
	if l.follow {
		l.win.Cursor = len(evs) - 1
	}
	l.win.clamp(len(evs))
	if len(evs) == 0 {
		msg := "no events yet: they come live as containers, images, volumes and networks change"
		if len(l.entries) > 0 {
			msg = "no event matches the filter"
		}
		lines = append(lines, s.Dim.Render(cell(msg, c.Width)))
	}
	from, to := l.win.visible(len(evs))
	for i := from; i < to; i++ {
		ev := evs[i]
		var attrs []string
		for _, k := range slices.Sorted(maps.Keys(ev.Actor.Attributes)) {
			if k != "name" {
				attrs = append(attrs, k+"="+ev.Actor.Attributes[k])
			}
		}
		nm := ev.Actor.Attributes["name"]
		if nm == "" && ev.Type == "volume" {
			nm = ev.Actor.ID // a volume's ID is its name
		}
		line := joinCells([]string{ev.When().UTC().Format("15:04:05"), ev.Type, ev.Action, nm,
			shortID(ev.Actor.ID), strings.Join(attrs, ", ")}, widths)
		if i == l.win.Cursor && !l.follow {
			line = s.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	return pad(lines, c.Height)
}
