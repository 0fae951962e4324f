package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/berthdev/berth/engine"
)

// TestTreeColumnsNarrow: a narrow tree pane drops UID:GID first, then
// Permission; the size and the tree always show.
func TestTreeColumnsNarrow(t *testing.T) {
	for _, c := range []struct {
		w         int
		perm, ids bool
	}{
		{95, true, true}, {80, true, true}, {50, true, false}, {40, false, false},
	} {
		got := treeColumns(c.w, 3, false)
		if got.perm != c.perm || got.ids != c.ids {
			t.Errorf("treeColumns(%d) = perm %v ids %v, want %v %v", c.w, got.perm, got.ids, c.perm, c.ids)
		}
		if h := got.header(false); !strings.Contains(h, "Size") || !strings.Contains(h, "Filetree") || len(h) > c.w {
			t.Errorf("header at %d columns = %q", c.w, h)
		}
	}
}

// TestTreeColumnsHostileOwner: an image may set any owner; a 10-digit
// UID:GID widens its column for every row so sizes and names stay
// aligned, and nothing spills past the pane.
func TestTreeColumnsHostileOwner(t *testing.T) {
	changes := []engine.FileEntry{
		{Path: "/a", Type: "file", Mode: 0o644, Size: 1, Change: "added"},
		{Path: "/b", Type: "file", Mode: 0o4755, UID: 4294967294, GID: 4294967294, Size: 12345678, Change: "added"},
	}
	c := &Common{Width: 80, Height: 24, Styles: DefaultStyles(true), KeyMap: DefaultKeyMap()}
	v := newLayersView(c, &layersCache{}, engine.ImageSummary{ID: "sha256:x", RepoTags: []string{"evil:1"}})
	v.focus = paneTree
	v.SetSize(80, 24)
	v.show(v.key(), buildTree(nil, changes, false))
	lines := strings.Split(ansi.Strip(v.view()), "\n")
	col := func(sub string) int {
		for _, l := range lines {
			if i := strings.Index(l, sub); i >= 0 && strings.Contains(l, "rw") {
				return ansi.StringWidth(l[:i])
			}
		}
		t.Fatalf("no row with %q:\n%s", sub, strings.Join(lines, "\n"))
		return -1
	}
	if a, b := col(" a"), col(" b"); a != b {
		t.Errorf("names not aligned (a at %d, b at %d):\n%s", a, b, strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		if ansi.StringWidth(l) > 80 {
			t.Errorf("line wider than the pane: %q", l)
		}
	}
	if !strings.Contains(strings.Join(lines, "\n"), "-rwsr-xr-x 4294967294:4294967294") {
		t.Errorf("the setuid file's mode and owner are not shown:\n%s", strings.Join(lines, "\n"))
	}
}

// TestLayerDetailsWrapsTheCommand: the details pane shows a long command
// whole, wrapped at the pane's width, never cut.
func TestLayerDetailsWrapsTheCommand(t *testing.T) {
	f := world()
	an, _ := f.ImageLayers("x", engine.AnalyzeOptions{})
	long := "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends ca-certificates curl git " +
		"openssh-client && rm -rf /var/lib/apt/lists/* && useradd --create-home --uid 1000 worker # end-marker"
	an.Layers[1].CreatedBy = long
	for _, w := range []int{80, 160} {
		c := &Common{Width: w, Height: 40, Styles: DefaultStyles(true), KeyMap: DefaultKeyMap()}
		v := newLayersView(c, &layersCache{}, engine.ImageSummary{ID: "sha256:x", RepoTags: []string{"worker:v2"}})
		v.an, v.layers = an, []int{0, 1, 2, 3}
		v.lwin.Cursor = 1
		v.SetSize(w, 40)
		got := ansi.Strip(v.view())
		var text []string
		in := false
		for _, l := range strings.Split(got, "\n") {
			if w >= wideLayers {
				l = strings.SplitN(l, "│", 2)[0]
			}
			switch {
			case strings.HasPrefix(l, "Command"):
				in = true
			case in && !strings.HasPrefix(l, "         "):
				in = false
			}
			if in {
				text = append(text, strings.TrimSpace(strings.TrimPrefix(l, "Command")))
			}
		}
		if joined := strings.Join(text, " "); joined != long {
			t.Errorf("at %d columns the details pane shows the command as\n%q\nwant\n%q\n%s", w, joined, long, got)
		}
		if !strings.Contains(got, an.Layers[1].Digest) && w < wideLayers {
			t.Errorf("at %d columns the full digest is missing:\n%s", w, got)
		}
	}
}

// TestLayersHostileText: an image's file names, link targets and history
// commands reach the terminal with their control characters shown as
// "?": an ESC in a name cannot clear the screen or retitle the terminal.
func TestLayersHostileText(t *testing.T) {
	f := world()
	an, _ := f.ImageLayers("x", engine.AnalyzeOptions{})
	an.Layers[1].CreatedBy = "/bin/sh -c true \x1b[2J\x1b]0;pwned\x07"
	changes := []engine.FileEntry{
		{Path: "/evil\x1b[2Jname", Type: "file", Mode: 0o644, Change: "added"},
		{Path: "/link", Type: "symlink", Mode: 0o777, Link: "\x1b]0;pwned\x07", Change: "added"},
		{Path: "/c1\u009b31m", Type: "file", Mode: 0o644, Change: "added"},
	}
	for _, w := range []int{80, 160} {
		c := &Common{Width: w, Height: 40, Styles: DefaultStyles(true), KeyMap: DefaultKeyMap()}
		v := newLayersView(c, &layersCache{}, engine.ImageSummary{ID: "sha256:x", RepoTags: []string{"evil:1"}})
		v.an, v.layers = an, []int{0, 1, 2, 3}
		v.lwin.Cursor = 1
		v.SetSize(w, 40)
		v.show(v.key(), buildTree(nil, changes, false))
		got := v.view()
		for _, bad := range []string{"\x1b[2J", "\x1b]0;", "\x07", "\u009b"} {
			if strings.Contains(got, bad) {
				t.Errorf("at %d columns the view passes %q from the image to the terminal", w, bad)
			}
		}
		if !strings.Contains(got, "evil?[2Jname") || !strings.Contains(got, "true ?[2J?]0;pwned?") {
			t.Errorf("at %d columns the hostile name or command is not shown with ? for its controls:\n%s", w, got)
		}
	}
}
