package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// scroller is the position of a pane of lines that can follow its end as
// lines come (a log, a command's output, the messages): offset is the
// first line shown. Scrolling up stops following; the Bottom key follows
// again.
type scroller struct {
	offset int
	follow bool
}

// key applies a scrolling key for a pane h lines high; it reports whether
// k was one.
func (s *scroller) key(km *KeyMap, k tea.KeyPressMsg, h int) bool {
	page := max(h-1, 1)
	switch {
	case key.Matches(k, km.Up):
		s.follow = false
		s.offset--
	case key.Matches(k, km.Down):
		s.offset++
	case key.Matches(k, km.PageUp):
		s.follow = false
		s.offset -= page
	case key.Matches(k, km.PageDown):
		s.offset += page
	case key.Matches(k, km.Top):
		s.follow, s.offset = false, 0
	case key.Matches(k, km.Bottom):
		s.follow = true
	default:
		return false
	}
	return true
}

// clamp keeps the offset within n lines shown h at a time, at the end
// while following.
func (s *scroller) clamp(n, h int) {
	last := max(n-h, 0)
	if s.follow {
		s.offset = last
	}
	s.offset = min(max(s.offset, 0), last)
}

// visible is the range of the n lines a pane h high shows.
func (s scroller) visible(n, h int) (from, to int) {
	return min(s.offset, n), min(s.offset+h, n)
}
