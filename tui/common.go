package tui

import (
	"time"

	"charm.land/lipgloss/v2"
)

// Common is what every panel shares: the size it was given, the styles and
// the key map. The App owns it and passes it in explicitly.
type Common struct {
	Width, Height int
	Styles        *Styles
	KeyMap        *KeyMap
	// Now is the clock the panels render relative times with ("Up 3
	// minutes"); tests fix it.
	Now func() time.Time
}

// Styles are the workbench's looks. DefaultStyles builds them.
type Styles struct {
	App, Title, TabActive, TabInactive, Header, Row, Cursor, Marked lipgloss.Style
	Running, Paused, Exited, Created                                lipgloss.Style
	StatusBar, Error, Info, Dim, Match, Key, Border, JSONKey        lipgloss.Style
	Stderr                                                          lipgloss.Style
}

// DefaultStyles are berth's colours; with noColor (NO_COLOR is set) only
// bold, reverse and faint remain, so every state still reads without colour.
func DefaultStyles(noColor bool) *Styles {
	// The 16 ANSI colours: they look as meant on every terminal and
	// survive any colour profile unchanged.
	c := func(ansi string) lipgloss.Style {
		if noColor {
			return lipgloss.NewStyle()
		}
		return lipgloss.NewStyle().Foreground(lipgloss.Color(ansi))
	}
	s := &Styles{
		Title:       c("12").Bold(true),
		TabActive:   lipgloss.NewStyle().Bold(true).Reverse(true),
		TabInactive: c("8"),
		Header:      c("7").Bold(true),
		Row:         lipgloss.NewStyle(),
		Cursor:      lipgloss.NewStyle().Reverse(true),
		Marked:      c("11").Bold(true),
		Running:     c("10"),
		Paused:      c("11"),
		Exited:      c("9"),
		Created:     c("12"),
		StatusBar:   c("7"),
		Error:       c("9").Bold(true),
		Info:        c("10"),
		Dim:         c("8").Faint(noColor),
		Match:       lipgloss.NewStyle().Reverse(true),
		Key:         c("12").Bold(true),
		Border:      c("8"),
		JSONKey:     c("12"),
		Stderr:      c("3"),
	}
	return s
}

// stateStyle is the style of a container state word.
func (s *Styles) stateStyle(state string) lipgloss.Style {
	switch state {
	case "running":
		return s.Running
	case "paused", "restarting":
		return s.Paused
	case "created":
		return s.Created
	default:
		return s.Exited
	}
}
