package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/berthdev/berth/tutorials"
)

// startLessons is start with the lessons' progress kept in path.
func startLessons(t *testing.T, f *fakeEngine, w, h int, path string) *harness {
	t.Helper()
	return startOpts(t, f, w, h, Options{LessonProgress: path})
}

// lessonHalfDone opens the namespaces lesson with alpha running: one of
// the first step's checks passes, two do not.
func lessonHalfDone(h *harness) {
	h.f.add("alpha")
	h.waitFor("alpha")
	h.press(h.km.Lessons)
	h.waitFor("new")
	h.press(h.km.Down, h.km.Down, h.km.Open)
	h.waitFor("Namespaces · step 1/6", "✓ alpha is running")
}

// TestFlowLesson goes through the first lesson's steps from engine events
// and opened views, back and forth, and continues where it was left after
// a restart.
func TestFlowLesson(t *testing.T) {
	path := filepath.Join(t.TempDir(), "berth", "lessons.json")
	f := world()
	h := startLessons(t, f, 100, 30, path)
	h.waitFor("batch-with")
	h.press(h.km.Lessons)
	h.waitFor("1 Your first container", "new", "esc closes")
	h.press(h.km.Open)
	s := h.waitFor("Your first container · step 1/6", "Run a container", "$ berth run -d --name first busybox",
		"✗ first is running — no container first")
	if !strings.Contains(s, "each action shows here") {
		t.Errorf("reading a lesson wrote to the command log:\n%s", s)
	}

	h.press(h.km.Help) // ? lists the pane's keys while it is open
	h.waitFor("Lesson pane", "previous step", "zoom the pane")
	h.press(h.km.Help)
	h.waitGone("any key closes")

	f.add("first") // `berth run -d --name first ...` in another terminal: an event
	h.waitFor("✓ step 1 done: Run a container", "step 2/6", "Read its output", "✗ you opened the Logs tab of first — not yet")

	h.press(h.km.Filter) // the list keeps working with the pane open
	h.typeText("first")
	h.tm.Send(keyMsg("enter"))
	h.waitFor("filter: first")
	h.press(h.km.Open) // the Logs tab of first
	h.waitFor("✓ step 2 done: Read its output", "step 3/6", "PID 1")

	h.press(h.km.LessonPrev) // a done step stays, checked, without moving on
	h.waitFor("step 2/6 · done", "✓ you opened the Logs tab of first")
	h.press(h.km.LessonPrev, h.km.LessonNext, h.km.LessonNext)
	h.waitFor("step 3/6", "✗ you opened the Processes tab of first")
	h.press(h.km.LessonNext) // skips step 3: remembered as reached
	h.waitFor("step 4/6", "a command ran in first (exec)")
	h.press(h.km.LessonZoom)
	h.waitFor("`berth exec` starts another process in the running container")
	h.press(h.km.LessonZoom, h.km.Lessons)
	h.waitGone("step 4/6")

	if !eventually(func() bool {
		p, err := tutorials.LoadProgress(path)
		return err == nil && p["first-container"] == 3
	}) {
		b, _ := os.ReadFile(path)
		t.Fatalf("the progress file is %s, want first-container at 3", b)
	}

	h2 := startLessons(t, world(), 100, 30, path)
	h2.press(h2.km.Lessons)
	h2.waitFor("1 Your first container", "step 4/6")
	h2.press(h2.km.Open)
	h2.waitFor("Your first container · step 4/6", "Run a command inside it")
}

// TestFlowLessonRemove finishes a lesson from engine state: the
// remove step passes on the destroy event.
func TestFlowLessonRemove(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lessons.json")
	if err := (tutorials.Progress{"first-container": 5}).Save(path); err != nil {
		t.Fatal(err)
	}
	f := world()
	f.add("first")
	h := startLessons(t, f, 160, 48, path)
	h.press(h.km.Lessons)
	h.waitFor("step 6/6")
	h.press(h.km.Open)
	h.waitFor("Remove it", "✗ container first is removed — it is running")
	h.press(h.km.Filter)
	h.typeText("first")
	h.tm.Send(keyMsg("enter"))
	h.press(h.km.Remove, h.km.Confirm)
	h.waitFor("✓ lesson complete", "$ berth rm -f first")
	h.press(h.km.Lessons, h.km.Lessons)
	h.waitFor("1 Your first container", "✓ done")
}

// TestFlowLessonKeysStayWithFields checks that typing L in a filter is
// text, not the lessons key.
func TestFlowLessonKeysStayWithFields(t *testing.T) {
	h := start(t, world(), 100, 30)
	h.waitFor("batch-with")
	h.press(h.km.Filter)
	h.typeText("L[]Z")
	h.waitFor("filter: L[]Z")
	h.waitGone("── lessons")
}

// TestViewsLessonHint renders a lesson step whose check fails with a hint
// (the first lesson on an empty store: no container first) at 80×24 and
// 160×48, as TestViews does (go test -run TestViewsLessonHint -update).
func TestViewsLessonHint(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("lesson_hint_%dx%d", size[0], size[1]), func(t *testing.T) {
			h := startLessons(t, world(), size[0], size[1], filepath.Join(t.TempDir(), "lessons.json"))
			h.waitFor("web")
			h.waitFor("25.0%") // the first usage reading
			h.press(h.km.Lessons)
			h.waitFor("1 Your first container", "new", "esc closes")
			h.press(h.km.Open)
			h.waitFor("step 1/6", "hint: run the first")
			golden.RequireEqualEscape(t, []byte(h.frame()), true)
		})
	}
}
