package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/berthdev/berth/engine"
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

// TestLayersFlows presses keys through the key map in the Layers view and
// checks what the engine was asked, the screen and the command log.
func TestLayersFlows(t *testing.T) {
	t.Run("open, move through layers, back to a cached one", func(t *testing.T) {
		h := start(t, world(), 160, 48)
		h.openLayers()
		h.waitCall("layers busybox:latest")
		h.waitFor("$ berth layers busybox:latest", "$ berth layers --layer 0 busybox:latest", "pkgcache.bin")
		h.press(h.km.Down)
		h.waitCall("layer changes busybox:latest 1..1")
		h.waitFor("ca-certificates.crt", "$ berth layers --layer 1 busybox:latest")
		h.press(h.km.Up)
		h.waitFor("libc.so.6")
		if n := countCalls(h.f.Calls(), "layer changes busybox:latest 0..0"); n != 1 {
			t.Errorf("layer 0 was read %d times; the cache should answer the second", n)
		}
	})
	t.Run("aggregate, hide unmodified, fold a directory", func(t *testing.T) {
		h := start(t, world(), 160, 48)
		h.openLayers()
		h.press(h.km.Down, h.km.Aggregate)
		h.waitCall("layer tree busybox:latest 1")
		h.waitFor("aggregated up to layer 1", "libc.so.6", "$ berth layers --aggregate --layer 1 busybox:latest")
		h.press(h.km.HideUnmodified)
		h.waitFor("hiding unchanged", "ca-certificates.crt")
		h.waitGone("libc.so.6", "os-release")
		h.press(h.km.HideUnmodified, h.km.NextPane)
		h.waitFor("libc.so.6")
		h.press(h.km.Top, h.km.Down, h.km.Down, h.km.Fold) // bin/, sh, etc/
		h.waitFor("▸ etc/")
		h.waitGone("os-release", "ca-certificates.crt")
		h.press(h.km.Expand)
		h.waitFor("▾ etc/", "os-release")
	})
	t.Run("filter by a path prefix, then clear it", func(t *testing.T) {
		h := start(t, world(), 160, 48)
		h.openLayers()
		h.press(h.km.Aggregate, h.km.Filter)
		h.typeText("/usr")
		h.tm.Send(keyMsg("enter"))
		h.waitFor("filter: /usr", "libc.so.6", `--json busybox:latest | grep -F -- '"path": "/usr'`)
		h.waitGone("os-release", "ca-certificates.crt")
		h.press(h.km.Back)
		h.waitFor("os-release")
	})
	t.Run("a text file's diff, then back to the images", func(t *testing.T) {
		h := start(t, world(), 160, 48)
		h.openLayers()
		h.press(h.km.Bottom)
		h.waitFor("Files · 5 shown")
		h.press(h.km.NextPane, h.km.Down, h.km.FileDiff) // app/, config.yaml
		h.waitCall("layer diff busybox:latest /app/config.yaml 2 3")
		h.waitFor("-log: info", "+log: warn", "$ berth layers diff busybox:latest /app/config.yaml --from 2 --to 3")
		h.press(h.km.Back)
		h.waitFor("Files · 5 shown")
		h.press(h.km.Back)
		h.waitFor("REPOSITORY", "48.3MB")
	})
	t.Run("a binary file's diff says so", func(t *testing.T) {
		h := start(t, world(), 160, 48)
		h.openLayers()
		h.press(h.km.Down)
		h.waitFor("Files · 9 shown")
		h.press(h.km.NextPane, h.km.Bottom, h.km.FileDiff)
		h.waitFor("pkgcache.bin · layer 0 → 1", "binary or large, or not a regular file: no text diff; they differ", "layer 1: 4.42MB sha256:")
	})
	t.Run("a wasted path's diff from the efficiency pane", func(t *testing.T) {
		h := start(t, world(), 80, 24)
		h.openLayers()
		h.press(h.km.Bottom)
		h.waitFor("Files · 5 shown")
		h.press(h.km.NextPane, h.km.NextPane, h.km.Down, h.km.FileDiff) // /etc/passwd
		h.waitFor("/etc/passwd · layer 1 → 2", "+worker:x:1000")
	})
	t.Run("an engine error shows in the status bar", func(t *testing.T) {
		f := world()
		f.fail["layers"] = fmt.Errorf("image %q: reading layer 2: unexpected EOF", "busybox:latest")
		h := start(t, f, 80, 24)
		h.press(h.km.Images)
		h.waitFor("48.3MB")
		h.press(h.km.Layers)
		h.waitFor(`✗ image "busybox:latest": reading layer 2: unexpected EOF`)
	})
	t.Run("the keys are the key map's", func(t *testing.T) {
		km := DefaultKeyMap()
		if err := km.apply(map[string][]string{"layers": {"L"}, "aggregate": {"ctrl+a"}}); err != nil {
			t.Fatal(err)
		}
		h := startWith(t, world(), 100, 30, km)
		h.press(h.km.Images)
		h.waitFor("48.3MB")
		h.press(h.km.Layers, h.km.Aggregate)
		h.waitFor("aggregated up to layer 0")
	})
}

func countCalls(calls []string, c string) int {
	n := 0
	for _, x := range calls {
		if x == c {
			n++
		}
	}
	return n
}

// TestLayersNoColor checks that without colour a letter marks each change.
func TestLayersNoColor(t *testing.T) {
	f := world()
	an, _ := f.ImageLayers("x", engine.AnalyzeOptions{})
	changes, _ := f.LayerChanges("x", 3, 3, false)
	entries, _ := f.LayerTree("x", 3, false)
	c := &Common{Width: 100, Height: 30, Styles: DefaultStyles(true), KeyMap: DefaultKeyMap()}
	v := newLayersView(c, &layersCache{}, engine.ImageSummary{ID: "sha256:x", RepoTags: []string{"worker:v2"}})
	v.an, v.layers = an, []int{0, 1, 2, 3}
	v.lwin.Cursor, v.aggregate = 3, true
	v.SetSize(100, 30)
	v.show(v.key(), buildTree(entries, changes, true))
	got := ansi.Strip(v.view())
	for _, want := range []string{"M -rw-r--r--     0:0       33B      config.yaml", "D                                     apt",
		"  -rw-r--r--     0:0     8.1MB      worker"} {
		if !strings.Contains(got, want) {
			t.Errorf("view without colour lacks %q:\n%s", want, got)
		}
	}
}

// bigTree is an aggregated tree of n files in nested directories, a tenth
// of them changed by the selected layer.
func bigTree(n int) *layerTree {
	entries := make([]engine.FileEntry, 0, n)
	var changes []engine.FileEntry
	for i := range n {
		e := engine.FileEntry{Path: fmt.Sprintf("/usr/share/d%03d/s%02d/file%06d", i%500, i%37, i), Type: "file", Size: int64(i)}
		entries = append(entries, e)
		if i%10 == 0 {
			e.Change = "modified"
			changes = append(changes, e)
		}
	}
	return buildTree(entries, changes, true)
}

// BenchmarkLayersFrame renders frames of the Layers view over a tree of
// 100,000 files while the cursor moves: only the visible rows cost.
func BenchmarkLayersFrame(b *testing.B) {
	c := &Common{Width: 160, Height: 44, Styles: DefaultStyles(false), KeyMap: DefaultKeyMap()}
	v := newLayersView(c, &layersCache{}, engine.ImageSummary{ID: "sha256:x", RepoTags: []string{"big:1"}})
	f := world()
	v.an, _ = f.ImageLayers("x", engine.AnalyzeOptions{})
	v.layers = []int{0, 1, 2, 3}
	v.aggregate, v.focus = true, paneTree
	v.SetSize(160, 44)
	v.show(v.key(), bigTree(100_000))
	if len(v.rows) < 100_000 {
		b.Fatalf("%d rows", len(v.rows))
	}
	b.ResetTimer()
	for i := range b.N {
		v.twin.Cursor = (i * 997) % len(v.rows)
		v.twin.clamp(len(v.rows))
		_ = v.view()
	}
}

// BenchmarkLayersRefilter is what a filter keystroke or a hide toggle
// costs on a tree of 100,000 files: one pass, not per frame.
func BenchmarkLayersRefilter(b *testing.B) {
	t := bigTree(100_000)
	f := treeFilter{text: "s07", collapsed: map[string]bool{}}
	for b.Loop() {
		t.rows(f)
	}
}

// BenchmarkLayersBuild is building a tree of 100,000 files, done in the
// engine call's command, off the event loop.
func BenchmarkLayersBuild(b *testing.B) {
	for b.Loop() {
		bigTree(100_000)
	}
}
