package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/berthdev/berth/engine"
)

const workerRef = "registry.local:5000/team/worker:v2"

// TestFlowTag: T on an image asks for the new name, shows the command as
// it is typed, tags through the engine, logs `berth tag` and lists the new
// name.
func TestFlowTag(t *testing.T) {
	h := start(t, world(), 120, 30)
	h.waitFor("batch-with")
	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Tag)
	h.waitFor("tag busybox:latest", "$ berth tag busybox:latest TARGET_IMAGE[:TAG]")
	h.typeText("127.0.0.1:5000/busybox:v1")
	h.waitFor("$ berth tag busybox:latest 127.0.0.1:5000/busybox:v1")
	h.tm.Send(keyMsg("enter"))
	h.waitCall("tag busybox:latest 127.0.0.1:5000/busybox:v1")
	h.waitFor("✓ tagged busybox:latest as 127.0.0.1:5000/busybox:v1", "REPOSITORY")
	h.press(h.km.Events)
	h.waitFor("image     tag", "127.0.0.1:5000/busybox:v1")
}

// TestFlowTagThenPush: the new tag is a row of its own, as in docker
// images, selected after the tag, so the push form starts with it.
func TestFlowTagThenPush(t *testing.T) {
	h := start(t, world(), 120, 30)
	h.waitFor("batch-with")
	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Tag)
	h.typeText("127.0.0.1:5000/busybox:v1")
	h.tm.Send(keyMsg("enter"))
	h.waitFor("✓ tagged busybox:latest as 127.0.0.1:5000/busybox:v1", "127.0.0.1:5000/busybox   ", "busybox   ")
	h.press(h.km.Push)
	h.waitFor("push an image", "$ berth push 127.0.0.1:5000/busybox:v1")
}

// TestFlowTagEmpty: enter with no name says so and tags nothing; esc
// closes the form.
func TestFlowTagEmpty(t *testing.T) {
	f := world()
	h := start(t, f, 120, 30)
	h.waitFor("batch-with")
	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Tag)
	h.tm.Send(keyMsg("enter"))
	h.waitFor("give the new name")
	h.press(h.km.Back)
	h.waitFor("48.3MB")
	h.waitGone("tag busybox:latest")
	for _, c := range f.Calls() {
		if strings.HasPrefix(c, "tag ") {
			t.Fatalf("an empty name tagged: %v", f.Calls())
		}
	}
}

// pushHalfWay opens the push form on the worker image and starts it, held
// half way.
func pushHalfWay(h *harness, f *fakeEngine) (release func()) {
	release = f.holdPull()
	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Down, h.km.Push)
	h.waitFor("push an image", "$ berth push "+workerRef)
	h.tm.Send(keyMsg("enter"))
	h.waitCall("push " + workerRef + " insecure=[]")
	return release
}

// TestFlowPush: P pushes the selected image to the registry its name
// says, each layer's progress shows as a pull's does, and the end is in
// the status bar with docker push's digest line and in the command log.
func TestFlowPush(t *testing.T) {
	f := world()
	h := start(t, f, 120, 30)
	h.waitFor("batch-with")
	release := pushHalfWay(h, f)
	h.waitFor("push "+workerRef+" · esc cancels", "4f4fb700ef54  already exists", "a3ed95caeb02  pushing", "pushing "+workerRef+"…")
	release()
	h.waitFor("✓ pushed "+workerRef+": digest: "+pushedDigest[:20], "$ berth push "+workerRef)
	h.press(h.km.Messages) // the whole line, as docker push ends
	h.waitFor("size: 528")
	h.waitGone("LAYER")
}

// TestFlowPushError: a failed push says why, marks its command failed,
// and esc goes back to the form.
func TestFlowPushError(t *testing.T) {
	f := world()
	f.fail["push"] = errors.New(`pushing registry.local:5000/team/worker:v2: connection refused`)
	h := start(t, f, 120, 30)
	h.waitFor("batch-with")
	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Down, h.km.Push)
	h.tm.Send(keyMsg("enter"))
	h.waitFor("✗ pushing registry.local:5000/team/worker:v2: connection refused", "failed · esc back to the form", "$ berth push "+workerRef+"  ✗ failed")
	h.press(h.km.Back)
	h.waitFor("push an image")
}

// TestViewsPush renders a push half way and the tag form.
func TestViewsPush(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			f := world()
			h := start(t, f, size[0], size[1])
			h.waitFor("25.0%")
			release := pushHalfWay(h, f)
			defer release()
			h.waitFor("a3ed95caeb02  pushing")
			golden.RequireEqualEscape(t, []byte(h.frame()), true)
		})
	}
}

// TestPerTag: an image with two tags is two rows, each naming its tag
// first; an untagged image stays one row.
func TestPerTag(t *testing.T) {
	in := []engine.ImageSummary{
		{ID: "sha256:a", RepoTags: []string{"busybox:latest", "127.0.0.1:5000/busybox:v1"}},
		{ID: "sha256:b"},
	}
	var got []string
	for _, r := range perTag(in) {
		got = append(got, r.ID+" "+strings.Join(r.RepoTags, ","))
	}
	want := []string{"sha256:a busybox:latest,127.0.0.1:5000/busybox:v1", "sha256:a 127.0.0.1:5000/busybox:v1,busybox:latest", "sha256:b "}
	if !slices.Equal(got, want) {
		t.Errorf("perTag = %q, want %q", got, want)
	}
}
