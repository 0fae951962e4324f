package tui

import (
	"charm.land/bubbles/v2/key"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/berthdev/berth/engine"
)

// buildView is `berth build` on the Images tab: a form (context, -f, -t,
// --target, --no-cache), then the build's event stream as docker's
// classic builder prints it ("Step 2/4 : RUN make", the RUN's output,
// "---> Using cache", the image ID) in a pane that follows the end and
// scrolls back; only its visible lines are rendered. The build runs as a
// job; esc or ctrl+c cancels it. When it ends the pane stays: on success
// the list behind already selects the new image and esc shows it; on
// failure the error is in the status bar and esc goes back to the form.
type buildView struct {
	form    smallForm
	job     *buildJob // nil while the form is shown
	line    string    // the command log's berth line of the build
	name    string    // the -t, or the context
	tag     string    // the -t
	lines   []buildLine
	partial string // a RUN's output line not ended yet
	step    int
	total   int
	built   bool // "Successfully built" is in the pane
	id      string
	failed  error
	pane    scroller // over all() lines
}

type (
	buildJob = job[engine.BuildEvent, string]
	buildMsg = jobMsg[engine.BuildEvent, string]
)

// buildLine is one line of the pane, and how it looks.
type buildLine struct {
	text string
	kind int
}

// What a pane line is.
const (
	blOutput = iota
	blStep
	blInfo
	blError
	blDone
)

// maxBuildLines bounds the pane; older lines are dropped.
const maxBuildLines = 10000

// The build form's rows.
const (
	bContext = iota
	bFile
	bTag
	bTarget
	bNoCache
)

func newBuildView() *buildView {
	v := &buildView{form: smallForm{title: "build an image", fields: []formField{
		{label: "context", value: ".", hint: "the build context: a directory"},
		{label: "-f", hint: ""},
		{label: "-t", hint: "NAME[:TAG]; empty: the image has only its ID"},
		{label: "--target", hint: "empty: the last stage"},
		{label: "--no-cache", toggle: true, hint: "run every step, cached or not"},
	}}}
	v.hintFile()
	return v
}

// hintFile says which Dockerfile an empty -f means.
func (v *buildView) hintFile() {
	v.form.fields[bFile].hint = "empty: " + v.dockerfile()
}

// dockerfile is the Dockerfile the form names: -f, or <context>/Dockerfile.
func (v *buildView) dockerfile() string {
	if f := v.form.text(bFile); f != "" {
		return f
	}
	return filepath.Join(v.form.text(bContext), "Dockerfile")
}

// command is the berth line the form says; docker's is the same.
func (v *buildView) command() cmdLine {
	f := &v.form
	var a []string
	if t := f.text(bTag); t != "" {
		a = append(a, "-t", t)
	}
	a = append(a, "-f", v.dockerfile())
	if t := f.text(bTarget); t != "" {
		a = append(a, "--target", t)
	}
	if f.fields[bNoCache].on {
		a = append(a, "--no-cache")
	}
	ctx := f.text(bContext)
	if ctx == "" {
		ctx = "PATH"
	}
	return cmdLine{Berth: "berth build " + strings.Join(append(quoteAll(a), shellQuote(ctx)), " ")}
}

func (v *buildView) options() engine.BuildOptions {
	f := &v.form
	o := engine.BuildOptions{ContextDir: f.text(bContext), Dockerfile: v.dockerfile(), Target: f.text(bTarget), NoCache: f.fields[bNoCache].on}
	if t := f.text(bTag); t != "" {
		o.Tags = []string{t}
	}
	return o
}

func (v *buildView) add(kind int, text string) {
	v.lines = append(v.lines, buildLine{text: text, kind: kind})
	if n := len(v.lines) - maxBuildLines; n > 0 {
		v.lines = v.lines[n:]
		v.pane.offset = max(v.pane.offset-n, 0)
	}
}

// flush ends a RUN's unfinished output line.
func (v *buildView) flush() {
	if v.partial != "" {
		v.add(blOutput, v.partial)
		v.partial = ""
	}
}

// output adds a RUN's output chunk, line by line; what it shows of a line
// is its text after the last carriage return, without escape codes.
func (v *buildView) output(chunk string) {
	parts := strings.Split(v.partial+chunk, "\n")
	for _, l := range parts[:len(parts)-1] {
		v.add(blOutput, printable(l))
	}
	v.partial = printable(parts[len(parts)-1])
}

// printable is a line of a program's output as the pane can show it.
func printable(s string) string {
	s = ansi.Strip(s)
	if i := strings.LastIndex(strings.TrimRight(s, "\r"), "\r"); i >= 0 {
		s = s[i+1:]
	}
	s = strings.ReplaceAll(s, "\t", "    ")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// apply takes one build event.
func (v *buildView) apply(ev engine.BuildEvent) {
	took := func() string { return fmt.Sprintf("%.1fs", ev.Duration.Seconds()) }
	switch ev.Status {
	case "start":
		v.flush()
		v.step, v.total = ev.Step, ev.Total
		v.add(blStep, fmt.Sprintf("Step %d/%d : %s", ev.Step, ev.Total, ev.Text))
	case "output":
		v.output(ev.Output)
	case "cached":
		v.flush()
		v.add(blInfo, " ---> Using cache")
		v.add(blInfo, " ---> "+shortID(ev.ImageID)+"  "+took())
	case "done":
		v.flush()
		v.add(blInfo, " ---> "+shortID(ev.ImageID)+"  "+took())
	case "error":
		v.flush()
		v.add(blError, fmt.Sprintf(" ---> step %d/%d failed: %s", ev.Step, ev.Total, ev.Text))
	case "tag":
		v.builtLine(ev.ImageID)
		v.add(blDone, "Successfully tagged "+ev.Text)
	}
}

func (v *buildView) builtLine(id string) {
	if !v.built {
		v.flush()
		v.add(blDone, "Successfully built "+shortID(id))
		v.built = true
	}
}

// all is the pane's line count, the unfinished one included.
func (v *buildView) all() int {
	if v.partial != "" {
		return len(v.lines) + 1
	}
	return len(v.lines)
}

// scroll applies a scrolling key to the pane of h lines (scroll.go).
func (v *buildView) scroll(km *KeyMap, k tea.KeyPressMsg, h int) bool {
	n := v.all()
	v.pane.clamp(n, h) // from where it shows now
	if !v.pane.key(km, k, h) {
		return false
	}
	v.pane.clamp(n, h)
	return true
}

func (v *buildView) view(c *Common, height int) string {
	if v.job == nil {
		return v.form.view(c, height, v.command().Berth)
	}
	s := c.Styles
	title := s.Title.Render("build "+v.name) + s.Dim.Render(fmt.Sprintf(" · step %d/%d · esc cancels", v.step, v.total))
	switch {
	case v.failed != nil:
		title = s.Title.Render("build "+v.name) + s.Error.Render(" failed") + s.Dim.Render(" · esc back to the form")
	case v.id != "":
		title = s.Title.Render("build "+v.name) + s.Info.Render(" done") + s.Dim.Render(" · esc shows it in the list")
	case v.job.cancelled:
		title = s.Title.Render("build "+v.name) + s.Dim.Render(" · cancelling…")
	}
	if !v.pane.follow {
		title += s.Dim.Render(" · G follows")
	}
	lines := []string{cell(title, c.Width)}
	h := max(height-1, 1)
	n := v.all()
	v.pane.clamp(n, h)
	from, to := v.pane.visible(n, h)
	for i := from; i < to; i++ {
		l := buildLine{text: v.partial}
		if i < len(v.lines) {
			l = v.lines[i]
		}
		text := cell(l.text, c.Width)
		switch l.kind {
		case blStep:
			text = s.Key.Render(text)
		case blInfo:
			text = s.Dim.Render(text)
		case blError:
			text = s.Error.Render(text)
		case blDone:
			text = s.Info.Render(text)
		}
		lines = append(lines, text)
	}
	return pad(lines, height)
}

// buildKey handles a key while the build view is in front; it reports
// whether it took the key (a build lets the global keys through).
func (a *App) buildKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	v, km := a.build, a.c.KeyMap
	if v.job == nil {
		submit, cancel := v.form.key(km, k)
		v.hintFile()
		switch {
		case cancel:
			a.build = nil
		case submit && v.form.text(bContext) == "":
			v.form.err = "give the build context, a directory"
		case submit:
			return a.startBuild(v), true
		}
		return nil, true
	}
	running := v.failed == nil && v.id == ""
	switch {
	case running && key.Matches(k, km.Abort):
		a.abortJob(v.job.cancelled, v.job.stop, "build of "+v.name, func() { a.build = nil })
		return nil, true
	case v.failed != nil && key.Matches(k, km.Back):
		v.job, v.failed = nil, nil
		return nil, true
	case v.id != "" && key.Matches(k, km.Back, km.Open):
		a.build = nil
		return nil, true
	case v.scroll(km, k, max(a.bodyHeight()-1, 1)):
		return nil, true
	}
	return nil, !globalKey(km, k)
}

// startBuild starts the build the form says, and logs its command.
func (a *App) startBuild(v *buildView) tea.Cmd {
	c := v.command()
	a.cmdlog.add(c)
	o := v.options()
	v.line, v.name, v.tag = c.Berth, v.form.text(bContext), v.form.text(bTag)
	if v.tag != "" {
		v.name = v.tag
	}
	v.lines, v.partial, v.step, v.total, v.built, v.id, v.failed, v.pane = nil, "", 0, 0, false, "", nil, scroller{follow: true}
	eng := a.eng
	j, cmd := startJob(a.ctx, func(ctx context.Context, report func(engine.BuildEvent)) (string, error) {
		return eng.Build(ctx, o, report)
	})
	v.job = j
	return a.jobStarted(cmd, "building "+v.name+"…")
}

// builtMsg applies a batch of the build's events, and its end.
func (a *App) builtMsg(m buildMsg) tea.Cmd {
	v := a.build
	if v == nil {
		return nil // a build the user left: nothing shows it
	}
	more, ended := m.follow(v.job, v.apply)
	if !ended {
		return more
	}
	j := m.j
	v.flush()
	switch {
	case j.err == nil:
		v.id = j.res
		v.builtLine(j.res)
		a.pickImage = j.res
		if v.tag != "" {
			a.setStatus("built "+shortID(j.res)+" as "+v.tag, false)
		} else {
			a.setStatus("built "+shortID(j.res), false)
		}
		return listImages(a.eng)
	case j.stopped():
		a.build = nil
		a.jobEnded(j.err, "build of "+v.name, v.line, true)
	default:
		v.failed = j.err
		v.add(blError, "✗ "+oneLine(j.err))
		a.jobEnded(j.err, "build of "+v.name, v.line, false)
	}
	return nil
}
