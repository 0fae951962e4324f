package tui

import "testing"

// TestScroller: following keeps the end in view as lines come; up stops
// following and stays put while lines come; bottom follows again; pages
// move by the height less one; the offset never leaves [0, n-h].
func TestScroller(t *testing.T) {
	km := DefaultKeyMap()
	s := scroller{follow: true}
	s.clamp(100, 10)
	if s.offset != 90 {
		t.Fatalf("following 100 lines in 10: offset %d, want 90", s.offset)
	}
	s.key(km, keyPress("up"), 10)
	s.clamp(120, 10) // 20 lines come
	if s.follow || s.offset != 89 {
		t.Fatalf("after up and 20 more lines: offset %d follow %v, want 89 and not following", s.offset, s.follow)
	}
	s.key(km, keyPress("pgup"), 10)
	s.clamp(120, 10)
	if s.offset != 80 {
		t.Fatalf("page up from 89: %d, want 80", s.offset)
	}
	s.key(km, keyPress("g"), 10)
	s.key(km, keyPress("up"), 10)
	s.clamp(120, 10)
	if s.offset != 0 {
		t.Fatalf("up from the top: %d, want 0", s.offset)
	}
	if !s.key(km, keyPress("G"), 10) || s.key(km, keyPress("x"), 10) {
		t.Fatal("G is a scrolling key and x is not")
	}
	s.clamp(130, 10)
	if !s.follow || s.offset != 120 {
		t.Fatalf("after G: offset %d follow %v, want 120 following", s.offset, s.follow)
	}
	s.clamp(5, 10)
	if from, to := s.visible(5, 10); from != 0 || to != 5 {
		t.Fatalf("5 lines in 10: %d-%d", from, to)
	}
}
