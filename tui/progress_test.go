package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// The views of pull and build for TestViews.

// pullForm opens the pull form with a reference typed.
func pullForm(h *harness) {
	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Pull)
	h.typeText("127.0.0.1:5000/busybox")
}

// pullHalfWay starts a pull that stops half way through its last layer.
func pullHalfWay(h *harness) {
	h.t.Cleanup(h.f.holdPull())
	pullForm(h)
	h.tm.Send(keyMsg("enter"))
}

// buildRunning starts a build that stops in its RUN step, mid-line.
func buildRunning(h *harness) {
	h.t.Cleanup(h.f.holdBuild())
	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Build)
	h.tm.Send(keyMsg("tab"))
	h.tm.Send(keyMsg("tab"))
	h.typeText("demo:latest")
	h.tm.Send(keyMsg("enter"))
}

const pullRef = "127.0.0.1:5000/busybox"

// TestFlowPull pulls to the end: the list refreshes with the new image
// selected, and the command log has the pull.
func TestFlowPull(t *testing.T) {
	h := start(t, world(), 120, 30)
	h.waitFor("batch-with")
	pullForm(h)
	h.waitFor("pull an image", "$ berth pull "+pullRef)
	h.tm.Send(keyMsg("tab"))
	h.tm.Send(keyMsg("tab"))
	h.press(h.km.Mark) // space: --insecure-registry
	h.waitFor("$ berth pull --insecure-registry 127.0.0.1:5000 " + pullRef)
	h.tm.Send(keyMsg("enter"))
	h.waitCall("pull " + pullRef + " platform= insecure=[127.0.0.1:5000]")
	h.waitFor("✓ pulled "+pullRef, "$ berth pull --insecure-registry 127.0.0.1:5000 "+pullRef+"   docker: docker pull "+pullRef, "5.57MB")
	h.press(h.km.Open) // the history of the selected image: the new one
	h.waitFor(pullRef+" · history", "$ berth history "+pullRef)
}

// TestFlowPullCancelled cancels a pull half way with esc and with ctrl+c.
func TestFlowPullCancelled(t *testing.T) {
	for _, k := range []string{"esc", "ctrl+c"} {
		t.Run(k, func(t *testing.T) {
			h := start(t, world(), 120, 30)
			h.waitFor("batch-with")
			pullHalfWay(h)
			h.waitFor("3.87MB / 5.57MB", "c1d2e3f4a5b6  downloading", "a3ed95caeb02  done", "4f4fb700ef54  already exists")
			h.tm.Send(keyMsg(k))
			h.waitFor("✓ pull of "+pullRef+" cancelled", "$ berth pull "+pullRef+"  ✗ cancelled", "48.3MB")
			h.waitGone("LAYER", "5.57MB")
		})
	}
}

// TestFlowPullError shows the engine's error in the status bar, and esc
// goes back to the form to fix the reference.
func TestFlowPullError(t *testing.T) {
	f := world()
	f.fail["pull"] = errors.New(`pulling 127.0.0.1:5000/busybox: manifest unknown`)
	h := start(t, f, 120, 30)
	h.waitFor("batch-with")
	pullForm(h)
	h.tm.Send(keyMsg("enter"))
	h.waitFor("✗ pulling 127.0.0.1:5000/busybox: manifest unknown", "failed · esc back to the form", "✗ failed")
	h.press(h.km.Back)
	h.waitFor("pull an image", "image               "+pullRef)
	h.press(h.km.Back)
	h.waitFor("48.3MB")
}

// TestFlowBuild builds to the end: steps, output and the image ID show,
// and the list behind selects the new tag.
func TestFlowBuild(t *testing.T) {
	h := start(t, world(), 120, 30)
	h.waitFor("batch-with")
	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Build)
	h.waitFor("build an image", "empty: Dockerfile", "$ berth build -f Dockerfile .")
	h.tm.Send(keyMsg("tab"))
	h.tm.Send(keyMsg("tab"))
	h.typeText("demo:latest")
	h.tm.Send(keyMsg("enter"))
	h.waitCall("build . -f Dockerfile -t [demo:latest] target= no-cache=false")
	h.waitFor("Step 2/4 : RUN make", "compiling 3/3", "ok", "Step 3/4 : COPY . /app", " ---> Using cache",
		"Successfully built 5e5e5e5e5e5e", "Successfully tagged demo:latest", "✓ built 5e5e5e5e5e5e as demo:latest",
		"$ berth build -t demo:latest -f Dockerfile .")
	h.press(h.km.Back)
	h.waitFor("48.3MB", "demo")
	h.press(h.km.Open)
	h.waitFor("demo:latest · history")
}

// TestFlowBuildError shows a broken Dockerfile's one-line error.
func TestFlowBuildError(t *testing.T) {
	f := world()
	f.fail["build"] = errors.New("dockerfile Dockerfile:2: unknown instruction: RUNN")
	h := start(t, f, 120, 30)
	h.waitFor("batch-with")
	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Build)
	h.tm.Send(keyMsg("enter"))
	h.waitFor("✗ dockerfile Dockerfile:2: unknown instruction: RUNN", "build . failed", "$ berth build -f Dockerfile .  ✗ failed")
	h.press(h.km.Back)
	h.waitFor("build an image")
}

// TestFlowBuildCancelled cancels a build in its RUN step.
func TestFlowBuildCancelled(t *testing.T) {
	h := start(t, world(), 120, 30)
	h.waitFor("batch-with")
	buildRunning(h)
	h.waitFor("compiling 3/3", "step 2/4 · esc cancels")
	h.press(h.km.Back)
	h.waitFor("✓ build of demo:latest cancelled", "48.3MB")
}

// TestFlowMouseLists clicks rows of the images, volumes and networks
// lists, scrolls with the wheel, and switches tabs on the tab bar.
func TestFlowMouseLists(t *testing.T) {
	click := func(x, y int) tea.Msg { return tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft} }
	h := start(t, world(), 100, 30)
	h.waitFor("batch-with")

	h.tm.Send(click(22, 0)) // "2 Images"
	h.waitFor("48.3MB", "$ berth images")
	h.tm.Send(click(5, 3)) // the second image
	h.press(h.km.Open)
	h.waitFor("registry.local:5000/team/worker:v2 · history")
	h.press(h.km.Back)
	h.tm.Send(click(5, 2)) // the first again
	h.press(h.km.Open)
	h.waitFor("busybox:latest · history")
	h.tm.Send(click(5, 4)) // the history's second row: the bottom layer
	h.press(h.km.Back)
	h.waitFor("48.3MB")
	h.tm.Send(tea.MouseWheelMsg{X: 5, Y: 5, Button: tea.MouseWheelDown})
	h.press(h.km.Open)
	h.waitFor("registry.local:5000/team/worker:v2 · history")
	h.press(h.km.Back)

	h.tm.Send(click(30, 0)) // "3 Volumes"
	h.waitFor("pgdata", "$ berth volume ls")
	h.press(h.km.Create)
	h.typeText("cache")
	h.tm.Send(keyMsg("enter"))
	h.waitFor("✓ created volume cache", "/var/lib/berth/volumes/cache")
	h.tm.Send(click(5, 4)) // pgdata, under cache
	h.press(h.km.Remove)
	h.waitFor("remove volume pgdata? (y/n)")
	h.press(h.km.Cancel)
	h.tm.Send(click(5, 3)) // cache
	h.press(h.km.Remove)
	h.waitFor("remove volume cache? (y/n)")
	h.press(h.km.Cancel)

	h.tm.Send(click(40, 0)) // "4 Networks"
	h.waitFor("10.88.0.0/16", "$ berth network ls")
	h.press(h.km.Create)
	h.typeText("backend")
	h.tm.Send(keyMsg("enter"))
	h.waitFor("10.89.1.0/24")
	h.tm.Send(click(5, 4)) // bridge, under backend
	h.press(h.km.Remove)
	h.waitFor("remove network bridge? (y/n)")
	h.press(h.km.Cancel)
	h.tm.Send(tea.MouseWheelMsg{X: 5, Y: 5, Button: tea.MouseWheelUp})
	h.press(h.km.Remove)
	h.waitFor("remove network backend? (y/n)")
	h.press(h.km.Cancel)

	h.tm.Send(click(8, 0)) // "1 Containers"
	h.waitFor("batch-with")
}

// TestBuildPaneScrolls checks that the build pane follows its end, that
// scrolling back stops following, and that G follows again.
func TestBuildPaneScrolls(t *testing.T) {
	c := &Common{Width: 40, Height: 12, Styles: DefaultStyles(true), KeyMap: DefaultKeyMap()}
	v := newBuildView()
	v.job, v.pane.follow = &buildJob{}, true
	for i := range 30 {
		v.output(fmt.Sprintf("line %d\n", i))
	}
	v.output("partial")
	tests := []struct {
		key        string
		first, end string // the pane's first and last lines
		follow     bool
	}{
		{"", "line 22", "partial", true},
		{"k", "line 21", "line 29", false},
		{"pgup", "line 13", "line 21", false},
		{"g", "line 0", "line 8", false},
		{"G", "line 22", "partial", true},
	}
	for _, tt := range tests {
		if tt.key != "" {
			v.scroll(c.KeyMap, keyMsg(tt.key), 9)
		}
		lines := strings.Split(ansi.Strip(v.view(c, 10)), "\n")
		if first, end := strings.TrimSpace(lines[1]), strings.TrimSpace(lines[9]); first != tt.first || end != tt.end || v.pane.follow != tt.follow {
			t.Errorf("after %q the pane shows %q to %q, follow %v; want %q to %q, follow %v", tt.key, first, end, v.pane.follow, tt.first, tt.end, tt.follow)
		}
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                     "plain",
		"\x1b[1mbold\x1b[0m text":   "bold text",
		"10%\r50%\r100%":            "100%",
		"a\tb":                      "a    b",
		"bell\a and \x1b]0;title\a": "bell and ",
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}
