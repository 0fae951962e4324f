package tui

import (
	"strings"
	"testing"
)

// A container's log keeps its colours and loses every sequence that could
// act on the user's terminal (what a hostile image would print).
func TestLogKeepsColoursOnly(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "GET / 200", "GET / 200"},
		{"colour", "\x1b[31mERROR\x1b[0m boom", "\x1b[31mERROR\x1b[0m boom\x1b[0m"},
		{"256 and truecolour", "\x1b[38;5;208mo\x1b[38:2::1:2:3mk", "\x1b[38;5;208mo\x1b[38:2::1:2:3mk\x1b[0m"},
		{"tab", "a\tb", "a    b"},
		{"clear screen", "\x1b[2J\x1b[Hhi", "hi"},
		{"cursor up and erase", "x\x1b[5A\x1b[Ky", "xy"},
		{"title (OSC 0, BEL)", "\x1b]0;pwned\x07ok", "ok"},
		{"clipboard write (OSC 52, ST)", "\x1b]52;c;ZWNobyBwd25lZA==\x1b\\ok", "ok"},
		{"hyperlink", "\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"DCS", "\x1bP+q544e\x1b\\ok", "ok"},
		{"device attributes query", "\x1b[c\x1b[>cok", "ok"},
		{"private mode (alt screen, mouse)", "\x1b[?1049h\x1b[?1000hok", "ok"},
		{"SGR with a private prefix", "\x1b[>4;2mok", "ok"},
		{"C1 CSI (the introducer dropped, the rest is text)", "\u009b2Jok", "2Jok"},
		{"bare controls", "a\rb\x08c\x00d\x1b", "abcd"},
		{"unicode kept", "héllo 世界", "héllo 世界"},
	} {
		if got := keepColours(tc.in); got != tc.want {
			t.Errorf("%s: keepColours(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

// Nothing a log line holds can make the filter loop or grow without bound.
func TestLogColoursTotal(t *testing.T) {
	in := strings.Repeat("\x1b[", 10000) + strings.Repeat("\x1b]", 10000) + "\xff\xfe"
	if got := keepColours(in); strings.ContainsRune(got, 0x1b) {
		t.Errorf("keepColours kept an escape from junk: %q", got[:min(len(got), 40)])
	}
}
