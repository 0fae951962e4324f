package tui

import (
	"strings"
	"testing"
)

// TestFlowUsageIOColumns: at 160 columns the list has docker stats's NET
// I/O and BLOCK I/O (rx / tx, read / written) of each running container,
// blank for the others, and PORTS still whole.
func TestFlowUsageIOColumns(t *testing.T) {
	h := start(t, world(), 160, 30)
	s := h.waitFor("NET I/O", "BLOCK I/O", "2.4kB / 648B", "8.39MB / 8.19kB", "127.0.0.1:8080->8080/tcp")
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "worker") && strings.Contains(line, " / ") {
			t.Errorf("a paused container shows I/O: %q", line)
		}
	}
}

// TestIOColumnsDropFirst: at 120 columns the I/O columns go before PORTS
// and CONTAINER ID do.
func TestIOColumnsDropFirst(t *testing.T) {
	w := layout(containerColumns, 120)
	for i, c := range containerColumns {
		switch c.Title {
		case "NET I/O", "BLOCK I/O":
			if w[i] != 0 {
				t.Errorf("%s shown at 120 columns", c.Title)
			}
		case "PORTS", "CONTAINER ID":
			if w[i] == 0 {
				t.Errorf("%s dropped at 120 columns", c.Title)
			}
		}
	}
}
