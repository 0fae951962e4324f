package tui

import (
	"charm.land/bubbles/v2/key"
	"fmt"
	"maps"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/berthdev/berth/tutorials"
)

// lessonsState is the lessons pane (L): a picker of the embedded lessons,
// then one lesson's current step with its checks. The checks run in a
// command on engine events and when the learner opens a view — never on
// a timer — at most one evaluation at a time.
type lessonsState struct {
	all      []*tutorials.Lesson
	err      error              // the embedded lessons did not parse
	path     string             // the progress file; "" keeps progress in memory
	progress tutorials.Progress // nil until read
	picking  bool
	cursor   int
	cur      *tutorials.Lesson // the lesson open in the pane
	step     int               // the step shown; len(Steps) is the end
	results  []tutorials.Result
	checking bool   // an evaluation is running
	again    bool   // something changed while it ran
	note     string // "✓ step 1 done: Run a container"
	zoom     bool   // the pane takes the whole body
	opened   tutorials.Opened
	view     string // the view last recorded in opened
}

// lessonProgressMsg is the progress file, read.
type lessonProgressMsg struct {
	p   tutorials.Progress
	err error
}

// lessonChecksMsg is one evaluation of a lesson's step.
type lessonChecksMsg struct {
	lesson  string
	step    int
	results []tutorials.Result
}

// lessonSavedMsg is the progress file, written.
type lessonSavedMsg struct{ err error }

func newLessonsState(path string) lessonsState {
	all, err := tutorials.All()
	return lessonsState{all: all, err: err, path: path, opened: tutorials.Opened{}}
}

// lessonShown reports whether the picker or a lesson takes screen space.
func (a *App) lessonShown() bool {
	return (a.lessons.picking || a.lessons.cur != nil) && !a.overlays.covering()
}

// typing reports whether a text field or form has the keys.
func (a *App) typing() bool {
	switch a.focused() {
	case focusPrompt, focusRunForm, focusPull, focusBuild:
		return true
	case focusDetail:
		return a.detail.capturing()
	case focusLayers:
		return a.layers.open.input.active
	case focusContainers:
		return a.containers.capturing()
	case focusResources:
		return a.resources().capturing()
	}
	return false
}

// lessonPickerKey handles a key while the picker is open: it has them all.
func (a *App) lessonPickerKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	ls, km := &a.lessons, a.c.KeyMap
	if !ls.picking {
		return nil, false
	}
	switch {
	case key.Matches(k, km.Up):
		ls.cursor = max(ls.cursor-1, 0)
	case key.Matches(k, km.Down):
		ls.cursor = min(ls.cursor+1, max(len(ls.all)-1, 0))
	case key.Matches(k, km.Top):
		ls.cursor = 0
	case key.Matches(k, km.Bottom):
		ls.cursor = max(len(ls.all)-1, 0)
	case key.Matches(k, km.Open):
		if ls.progress == nil || len(ls.all) == 0 {
			return nil, true // the progress is still being read
		}
		return a.startLesson(ls.all[ls.cursor]), true
	case key.Matches(k, km.Back, km.Lessons):
		ls.picking = false
		a.setSize(a.c.Width, a.c.Height)
	case key.Matches(k, km.Quit) && key.Matches(k, km.Abort): // ctrl+c
		return a.quit(), true
	}
	return nil, true
}

// lessonKey handles the lesson keys when no field has the keys: L opens
// the picker or closes the pane, [ and ] go between steps, Z zooms.
func (a *App) lessonKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	ls, km := &a.lessons, a.c.KeyMap
	if a.tab == tabImages && !a.inDetail && key.Matches(k, km.Layers) {
		return nil, false // a key rebound to the Layers view (config.json) is the images tab's
	}
	if key.Matches(k, km.Lessons) {
		if ls.cur != nil {
			ls.cur, ls.results, ls.note, ls.zoom = nil, nil, "", false
			a.setSize(a.c.Width, a.c.Height)
			return nil, true
		}
		ls.picking = true
		a.setSize(a.c.Width, a.c.Height)
		if ls.path == "" {
			if ls.progress == nil {
				ls.progress = tutorials.Progress{} // kept in memory: nothing to read
			}
			return nil, true
		}
		path := ls.path // read each time: `berth lessons check` may have moved on
		return func() tea.Msg {
			p, err := tutorials.LoadProgress(path)
			return lessonProgressMsg{p, err}
		}, true
	}
	if ls.cur == nil {
		return nil, false
	}
	switch {
	case key.Matches(k, km.LessonNext):
		return a.goStep(ls.step + 1), true
	case key.Matches(k, km.LessonPrev):
		return a.goStep(ls.step - 1), true
	case key.Matches(k, km.LessonZoom):
		ls.zoom = !ls.zoom
		a.setSize(a.c.Width, a.c.Height)
		return nil, true
	case key.Matches(k, km.LessonCopy) && ls.step < len(ls.cur.Steps):
		// OSC 52: the terminal puts the commands, whole, on the
		// clipboard, however the pane cut them.
		cmds := ls.cur.Steps[ls.step].Commands
		if len(cmds) == 0 {
			ls.note = "this step has no commands to copy"
			return nil, true
		}
		ls.note = fmt.Sprintf("copied %d command(s) to the clipboard", len(cmds))
		return tea.SetClipboard(strings.Join(cmds, "\n") + "\n"), true
	}
	return nil, false
}

// startLesson opens l at the step the learner got to (a finished lesson
// at its end, from where [ goes back through the steps).
func (a *App) startLesson(l *tutorials.Lesson) tea.Cmd {
	ls := &a.lessons
	ls.picking, ls.cur, ls.note, ls.results = false, l, "", nil
	ls.step = ls.progress.Step(l)
	a.setSize(a.c.Width, a.c.Height)
	return a.lessonRecheck()
}

// goStep shows step n (0..len): going past the furthest step reached
// skips to it, and is remembered.
func (a *App) goStep(n int) tea.Cmd {
	ls := &a.lessons
	n = min(max(n, 0), len(ls.cur.Steps))
	if n == ls.step {
		return nil
	}
	ls.step, ls.results, ls.note = n, nil, ""
	var save tea.Cmd
	if n > ls.progress[ls.cur.Name] {
		ls.progress[ls.cur.Name] = n
		save = a.saveProgress()
	}
	return tea.Batch(save, a.lessonRecheck())
}

// saveProgress writes the open lesson's step into the progress file,
// keeping the other lessons' as the file has them.
func (a *App) saveProgress() tea.Cmd {
	ls := &a.lessons
	name, step, path := ls.cur.Name, ls.progress[ls.cur.Name], ls.path
	if path == "" {
		return nil
	}
	return func() tea.Msg {
		p, err := tutorials.LoadProgress(path)
		if err != nil {
			p = tutorials.Progress{} // unreadable: rewritten with what is known
		}
		p[name] = step
		return lessonSavedMsg{p.Save(path)}
	}
}

// lessonRecheck evaluates the step shown, or notes that it must be
// evaluated again once the running evaluation is back.
func (a *App) lessonRecheck() tea.Cmd {
	ls := &a.lessons
	if ls.cur == nil || ls.step >= len(ls.cur.Steps) {
		return nil
	}
	if ls.checking {
		ls.again = true
		return nil
	}
	ls.checking = true
	l, n, opened, eng, ctx := ls.cur, ls.step, maps.Clone(ls.opened), a.eng, a.ctx
	return func() tea.Msg {
		return lessonChecksMsg{lesson: l.Name, step: n, results: l.Steps[n].Evaluate(ctx, eng, opened)}
	}
}

// lessonNoticed records the view in front (a container's tab, an image's
// Layers view) for "opened" checks, and re-checks when it is new.
func (a *App) lessonNoticed() tea.Cmd {
	var view, target string
	switch {
	case a.inDetail:
		view, target = strings.ToLower(detailTabs[a.detail.tab]), name(a.detail.ctr)
	case a.layersShown():
		view, target = "layers", a.layers.open.ref
	default:
		a.lessons.view = ""
		return nil
	}
	if v := view + " " + target; v != a.lessons.view {
		a.lessons.view = v
		a.lessons.opened.Add(view, target)
		return a.lessonRecheck()
	}
	return nil
}

// lessonsUpdate applies the lessons' messages.
func (a *App) lessonsUpdate(msg tea.Msg) tea.Cmd {
	ls := &a.lessons
	switch msg := msg.(type) {
	case lessonProgressMsg:
		if ls.progress == nil || msg.err == nil {
			ls.progress = msg.p
		}
		if msg.err != nil {
			a.setStatus(oneLine(msg.err)+" (starting the lessons afresh)", true)
		}
	case lessonSavedMsg:
		if msg.err != nil {
			a.setStatus("saving lesson progress: "+oneLine(msg.err), true)
		}
	case lessonChecksMsg:
		ls.checking = false
		if ls.cur != nil && msg.lesson == ls.cur.Name && msg.step == ls.step {
			ls.results = msg.results
			if tutorials.Done(msg.results) && ls.step == ls.progress[ls.cur.Name] {
				return a.stepDone()
			}
		}
		if ls.again {
			ls.again = false
			return a.lessonRecheck()
		}
	}
	return nil
}

// stepDone moves past the step whose checks all passed, and remembers it.
func (a *App) stepDone() tea.Cmd {
	ls := &a.lessons
	ls.note = fmt.Sprintf("✓ step %d done: %s", ls.step+1, ls.cur.Steps[ls.step].Title)
	ls.step++
	ls.progress[ls.cur.Name] = ls.step
	ls.results, ls.again = nil, false
	return tea.Batch(a.saveProgress(), a.lessonRecheck())
}
