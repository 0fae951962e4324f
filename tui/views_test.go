package tui

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// TestViews renders every view at 80×24 and 160×48 with the 16-colour
// profile and compares it with testdata/TestViews/<view>_<size>.golden
// (go test -run TestViews -update rewrites them).
func TestViews(t *testing.T) {
	views := []struct {
		name  string
		steps func(h *harness)
		wait  string // on screen once the view is complete
	}{
		{"containers", func(h *harness) {}, "batch-with"},
		{"containers_marked", func(h *harness) {
			h.press(h.km.Mark, h.km.Down, h.km.Mark)
		}, "2 marked"},
		{"containers_filter", func(h *harness) {
			h.press(h.km.Filter)
			h.typeText("wor")
		}, "filter: wor"},
		{"containers_sorted_by_name", func(h *harness) {
			h.press(h.km.Sort)
		}, "NAME▲"},
		{"remove_confirm", func(h *harness) {
			h.press(h.km.Remove)
		}, "(y/n)"},
		{"images", func(h *harness) { h.press(h.km.Images) }, "48.3MB"},
		{"image_history", func(h *harness) { h.press(h.km.Images, h.km.Open) }, "bootstrap"},
		{"logs", func(h *harness) { h.press(h.km.Open) }, "end of log"},
		{"logs_timestamps", func(h *harness) {
			h.press(h.km.Open)
			h.waitFor("end of log")
			h.press(h.km.Timestamps)
		}, "· timestamps"},
		{"logs_search", func(h *harness) {
			h.press(h.km.Open)
			h.waitFor("end of log")
			h.press(h.km.Search)
			h.typeText("=3")
			h.tm.Send(keyMsg("enter"))
		}, "match 11/11"},
		{"inspect", func(h *harness) { h.press(h.km.Inspect) }, `"Status": "running"`},
		{"diff", func(h *harness) { h.press(h.km.Diff) }, "/tmp/old"},
		{"processes", func(h *harness) { h.press(h.km.Processes) }, "sleep 1"},
		{"namespaces", func(h *harness) { h.press(h.km.Namespaces) }, "gid_map 0:196608:1000,1000:1000:1"},
		{"stats", func(h *harness) { h.press(h.km.Stats) }, "╌ limit 64MiB"},
		{"crash_report", func(h *harness) {
			h.press(h.km.Down, h.km.Down, h.km.Down, h.km.Crash)
		}, "berth debug)"},
		{"volumes", func(h *harness) { h.press(h.km.Volumes) }, "pgdata"},
		{"networks", func(h *harness) { h.press(h.km.Networks) }, "10.88.0.0/16"},
		{"network_create", func(h *harness) {
			h.press(h.km.Networks)
			h.waitFor("10.88.0.0/16")
			h.press(h.km.Create)
			h.typeText("backend")
		}, "new network name: backend"},
		{"run_form", func(h *harness) {
			h.press(h.km.Images)
			h.waitFor("48.3MB")
			h.press(h.km.Run)
			h.typeText("api")
		}, "--name     api"},
		{"pull_form", pullForm, "$ berth pull 127.0.0.1:5000/busybox"},
		{"pull_progress", pullHalfWay, "3.87MB / 5.57MB"},
		{"build_progress", buildRunning, "compiling 3/3"},
		{"help", func(h *harness) { h.press(h.km.Help) }, "any key closes"},
		{"lessons_picker", func(h *harness) { h.press(h.km.Lessons) }, "4 Cgroups and limits"},
		{"lesson_half_done", lessonHalfDone, "✗ beta is running — no container beta"},
	}
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, v := range views {
			t.Run(fmt.Sprintf("%s_%dx%d", v.name, size[0], size[1]), func(t *testing.T) {
				h := start(t, world(), size[0], size[1])
				h.waitFor("web")
				h.waitFor("25.0%") // the first usage reading
				v.steps(h)
				h.waitFor(v.wait)
				golden.RequireEqualEscape(t, []byte(h.frame()), true)
			})
		}
	}
}
