package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// keepColours is a container's log line as the workbench may draw it: the
// container's own colours and text styles (SGR sequences, ESC [ params m)
// kept, as a terminal showing `berth logs` would show them, and every
// other escape or control sequence dropped. A log is written by whatever
// runs in the container: a cursor movement, a screen clear, a title or
// clipboard write (OSC 52), a hyperlink, a terminal query or a DCS string
// must never reach the user's terminal. An SGR is kept only in its plain
// 7-bit form with digits, ';' and ':' for parameters; a line that set any
// ends with a reset, so a colour never runs into the workbench's own cells.
func keepColours(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var state byte
	styled := false
	for len(s) > 0 {
		seq, width, n, next := ansi.DecodeSequence(s, state, nil)
		state = next
		switch {
		case n <= 0:
			n = len(s) // never loop on input the decoder cannot step over
		case width > 0:
			b.WriteString(seq)
		case seq == "\t":
			b.WriteString("    ")
		case isPlainSGR(seq):
			b.WriteString(seq)
			styled = true
		}
		s = s[n:]
	}
	if styled {
		b.WriteString("\x1b[0m")
	}
	return b.String()
}

// isPlainSGR is ESC [ {0-9 ; :} m and nothing else.
func isPlainSGR(seq string) bool {
	if len(seq) < 3 || seq[0] != ansi.ESC || seq[1] != '[' || seq[len(seq)-1] != 'm' {
		return false
	}
	for i := 2; i < len(seq)-1; i++ {
		if c := seq[i]; (c < '0' || c > '9') && c != ';' && c != ':' {
			return false
		}
	}
	return true
}
