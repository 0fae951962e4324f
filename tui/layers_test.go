package tui

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// openLayers opens the Layers view on the first image (busybox:latest,
// the fake's four-layer fixture) and waits for layer 0's changes.
func (h *harness) openLayers() {
	h.t.Helper()
	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Layers)
	h.waitFor("Files · 12 shown")
}

// TestViewsLayers renders the Layers view as TestViews does the others
// (go test -run TestViews -update rewrites testdata/TestViewsLayers).
func TestViewsLayers(t *testing.T) {
	views := []struct {
		name  string
		steps func(h *harness)
		wait  string
	}{
		{"layers_aggregated_top", func(h *harness) {
			h.press(h.km.Bottom, h.km.Aggregate)
		}, "aggregated up to layer 3"},
		{"layers_changed_only", func(h *harness) {
			h.press(h.km.Down, h.km.Down)
		}, "worker"},
		{"layers_filter", func(h *harness) {
			h.press(h.km.Down, h.km.Aggregate, h.km.NextPane, h.km.Filter)
			h.typeText("/etc")
			h.tm.Send(keyMsg("enter"))
		}, "filter: /etc"},
		{"layers_efficiency", func(h *harness) {
			h.press(h.km.NextPane, h.km.NextPane)
		}, "pkgcache.bin"},
		{"layers_file_diff", func(h *harness) {
			h.press(h.km.Down, h.km.Down)
			h.waitFor("Files · 5 shown")
			h.press(h.km.NextPane, h.km.Down, h.km.Down, h.km.Down, h.km.Down, h.km.FileDiff)
		}, "+worker:x:1000"},
	}
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, v := range views {
			t.Run(fmt.Sprintf("%s_%dx%d", v.name, size[0], size[1]), func(t *testing.T) {
				h := start(t, world(), size[0], size[1])
				h.openLayers()
				v.steps(h)
				h.waitFor(v.wait)
				h.waitGone("reading")
				golden.RequireEqualEscape(t, []byte(h.frame()), true)
			})
		}
	}
}
