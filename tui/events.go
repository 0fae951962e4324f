package tui

import (
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/berthdev/berth/engine"
)

// eventLog is the Events view (`berth events`, live): every engine event
// since the workbench started, newest last, following the end until
// scrolled up; the type filter cycles through all, container and image.
type eventLog struct {
	entries []engine.Event
	shown   bool
	kind    string // "" for every type
	win     window
	follow  bool
}

// maxEvents bounds the view's history.
const maxEvents = 1000

// eventKinds are the types the filter cycles through; the engine emits
// container and image events.
var eventKinds = []string{"", "container", "image"}

func (l *eventLog) add(ev engine.Event) {
	l.entries = append(l.entries, ev)
	if len(l.entries) > maxEvents {
		l.entries = slices.Delete(l.entries, 0, len(l.entries)-maxEvents)
	}
}

func (l *eventLog) open() { l.shown, l.follow = true, true }

// shownEvents are the entries the filter lets through.
func (l *eventLog) shownEvents() []engine.Event {
	if l.kind == "" {
		return l.entries
	}
	var out []engine.Event
	for _, ev := range l.entries {
		if ev.Type == l.kind {
			out = append(out, ev)
		}
	}
	return out
}

// command is the berth command that shows what the view shows.
func (l *eventLog) command() cmdLine {
	if l.kind == "" {
		return cmdLine{Berth: "berth events"}
	}
	return cmdLine{Berth: "berth events --filter type=" + l.kind}
}

// key scrolls, filters or closes (Back or the Events key again); it
// reports whether the filter changed.
func (l *eventLog) key(km *KeyMap, k tea.KeyPressMsg) bool {
	n := len(l.shownEvents())
	switch {
	case key.Matches(k, km.Back, km.Events):
		l.shown = false
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
	lines := []string{cell(s.Title.Render("events")+s.Dim.Render(" · "+filter+" · "+km.EventType.Help().Key+" type · "+
		km.Back.Help().Key+" closes · newest last"), c.Width)}
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
		lines = append(lines, s.Dim.Render(cell("no events yet: they come live as containers and images change", c.Width)))
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
		line := joinCells([]string{ev.When().UTC().Format("15:04:05"), ev.Type, ev.Action, nm,
			shortID(ev.Actor.ID), strings.Join(attrs, ", ")}, widths)
		if i == l.win.Cursor && !l.follow {
			line = s.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	return pad(lines, c.Height)
}
