package tui

import (
	"strings"
	"testing"
)

// fakeBerth stands for the berth binary: it prints its arguments, one
// bracketed each, and a line on stderr, and fails; `events` runs until
// stopped.
var fakeBerth = []string{"/bin/sh", "-c",
	`if [ "$3" = events ]; then echo following; exec sleep 60; fi; printf 'argv:'; printf ' [%s]' "$@"; echo; echo oops >&2; exit 3`,
	"berth", "--root", "/tmp/store"}

// TestFlowCommandLine runs a berth command from `:`: split as a shell
// splits it, run as the berth binary on the same store, its output and
// exit in the pane and the command log; a live one stops with esc.
func TestFlowCommandLine(t *testing.T) {
	h := startOpts(t, world(), 120, 30, Options{Berth: fakeBerth})
	h.waitFor("batch-with")
	h.press(h.km.Command)
	h.waitFor(": berth ")
	h.typeText(`berth ps -a --filter 'name=web db' $HOME`)
	h.press(h.km.Submit)
	h.waitFor("argv: [--root] [/tmp/store] [ps] [-a] [--filter] [name=web db] [$HOME]", "oops", "· exit 3",
		`$ berth ps -a --filter 'name=web db' '$HOME'`)

	h.press(h.km.Command)
	h.typeText("events")
	h.press(h.km.Submit)
	h.waitFor("following", "running · esc stops it")
	h.press(h.km.Back)
	h.waitFor("· stopped")
	h.press(h.km.Back)
	h.waitFor("batch-with", "✗ berth events: stopped")
}

// TestFlowCommandLineRefusesOperators guards that `:` runs one berth
// command and no shell: an operator is refused and nothing runs.
func TestFlowCommandLineRefusesOperators(t *testing.T) {
	h := startOpts(t, world(), 120, 30, Options{Berth: fakeBerth})
	h.waitFor("batch-with")
	h.press(h.km.Command)
	h.typeText("ps; rm -rf /")
	h.press(h.km.Submit)
	s := h.waitFor(`✗ ";" is a shell operator`)
	if strings.Contains(s, "argv:") {
		t.Fatal("the line ran")
	}
}

// TestFlowCommandLineWithoutBinary says why `:` cannot run.
func TestFlowCommandLineWithoutBinary(t *testing.T) {
	h := start(t, world(), 120, 30)
	h.waitFor("batch-with")
	h.press(h.km.Command)
	h.waitFor("✗ the command line needs the berth binary")
}
