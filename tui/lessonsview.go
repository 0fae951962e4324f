package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/berthdev/berth/tutorials"
)

// sidePaneMin is the width from which the lesson pane sits at the right
// of the panel; narrower, it takes the lower part of the body.
const sidePaneMin = 120

// lessonSide is the lesson pane's width at the side, 0 when it is not
// there.
func (a *App) lessonSide() int {
	if !a.lessonShown() || a.lessons.zoom || a.c.Width < sidePaneMin {
		return 0
	}
	return min(max(a.c.Width*2/5, 48), 72)
}

// lessonRows is the lesson pane's height below the panel, 0 when it is
// not there: the panel keeps a third of the body, five rows at least.
func (a *App) lessonRows() int {
	if !a.lessonShown() || a.lessons.zoom || a.c.Width >= sidePaneMin {
		return 0
	}
	total := a.c.Height - 2 - a.cmdlog.height(a.c.Height)
	return max(total-max(total/3, 5), 0)
}

// withLesson lays the lesson pane out with the panel's view.
func (a *App) withLesson(panel string) string {
	h := a.bodyHeight()
	lines := strings.Split(panel, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	switch {
	case !a.lessonShown():
		return panel
	case a.lessons.zoom:
		return a.lessonPane(a.c.Width, h+a.lessonRows())
	case a.lessonRows() > 0:
		return pad(lines, h) + "\n" + a.lessonPane(a.c.Width, a.lessonRows())
	}
	side := a.lessonSide()
	pane := strings.Split(a.lessonPane(side-2, h), "\n")
	bar := a.c.Styles.Border.Render("│")
	out := make([]string, h)
	for i := range h {
		left := ""
		if i < len(lines) {
			left = lines[i]
		}
		out[i] = cell(left, a.pc.Width) + bar + " " + cell(pane[i], side-2)
	}
	return strings.Join(out, "\n")
}

// lessonPane is the picker or the lesson's step, w×h.
func (a *App) lessonPane(w, h int) string {
	if a.lessons.picking {
		return a.lessonPicker(w, h)
	}
	s, ls := a.c.Styles, &a.lessons
	l := ls.cur
	if ls.step >= len(l.Steps) {
		lines := []string{a.rule(l.Title+" · complete", w), s.Info.Render(cell("✓ lesson complete: every step passed", w)), ""}
		lines = append(lines, wrap(l.Summary, w)...)
		lines = append(lines, "")
		lines = append(lines, s.Dim.Render(cell(keyHint(a.c.KeyMap.LessonPrev)+" goes back · "+keyHint(a.c.KeyMap.Lessons)+" closes", w)))
		return pad(fit(lines, w), h)
	}
	st := l.Steps[ls.step]
	head := fmt.Sprintf("%s · step %d/%d", l.Title, ls.step+1, len(l.Steps))
	if ls.step < ls.progress[l.Name] {
		head += " · done"
	}
	top := []string{a.rule(head, w)}
	if ls.note != "" {
		top = append(top, s.Info.Render(cell(ls.note, w)))
	}
	top = append(top, s.Header.Render(cell(st.Title, w)))
	var cmds []string
	for _, c := range st.Commands {
		// A command is never wrapped: a pasted command must be the one
		// written. One too long is cut with "…"; y copies it whole.
		cmds = append(cmds, s.Key.Render(cell("$ "+ansi.Truncate(c, w-2, "…"), w)))
	}
	if len(cmds) > 0 {
		cmds = append([]string{""}, cmds...)
	}
	checks := []string{""}
	for i, c := range st.Checks {
		checks = append(checks, a.checkLine(c, i, w)...)
	}
	foot := []string{s.Dim.Render(cell(a.lessonKeys(), w))}
	var text []string
	for i, p := range st.Text {
		if i > 0 {
			text = append(text, "")
		}
		text = append(text, wrap(p, w)...)
	}
	room := h - len(top) - len(cmds) - len(checks) - len(foot)
	if room < len(text) && len(cmds) > 0 { // tight (80×24): no blank lines
		cmds, checks, room = cmds[1:], checks[1:], room+2
	}
	if room < len(text) {
		if room > 0 {
			text = append(text[:room-1], s.Dim.Render(cell("… "+keyHint(a.c.KeyMap.LessonZoom)+" shows all the text", w)))
		} else {
			text = nil
		}
	}
	lines := append(append(append(top, text...), cmds...), checks...)
	body := pad(fit(lines, w), max(h-len(foot), 0))
	if h <= len(foot) {
		return body
	}
	return body + "\n" + strings.Join(foot, "\n")
}

// checkLine is check i with its mark: ✓, ✗ and why, or · while unchecked.
func (a *App) checkLine(c tutorials.Check, i, w int) []string {
	s, ls := a.c.Styles, &a.lessons
	mark, style, why := "·", s.Dim, ""
	if i < len(ls.results) {
		switch r := ls.results[i]; r.Status {
		case tutorials.Pass:
			mark, style = "✓", s.Info
		case tutorials.Fail:
			mark, style, why = "✗", s.Error, r.Why
		default:
			mark, why = "?", r.Why
		}
	}
	line := c.Describe()
	if c.Keep {
		line = "still: " + line
	}
	if why != "" {
		line += " — " + why
	}
	if i < len(ls.results) && ls.results[i].Hint != "" {
		line += " · hint: " + ls.results[i].Hint
	}
	var out []string
	for j, l := range strings.Split(ansi.Wrap(line, w-2, " "), "\n") {
		if j == 0 {
			out = append(out, style.Render(mark)+" "+cell(l, w-2))
		} else {
			out = append(out, "  "+cell(l, w-2))
		}
	}
	return out
}

// lessonPicker lists the lessons with how far the learner got.
func (a *App) lessonPicker(w, h int) string {
	s, ls, km := a.c.Styles, &a.lessons, a.c.KeyMap
	lines := []string{a.rule("lessons", w)}
	if ls.err != nil {
		lines = append(lines, s.Error.Render(cell("✗ "+oneLine(ls.err), w)))
	}
	// Two lines a lesson; the list scrolls around the cursor so that the
	// key hint (two lines) always shows.
	room := max((h-len(lines)-2)/2, 1)
	first := min(max(ls.cursor-room+1, 0), max(len(ls.all)-room, 0))
	for i, l := range ls.all {
		if i < first || i >= first+room {
			continue
		}
		state := "…"
		if ls.progress != nil {
			switch n := ls.progress.Step(l); {
			case n == 0:
				state = "new"
			case n == len(l.Steps):
				state = "✓ done"
			default:
				state = fmt.Sprintf("step %d/%d", n+1, len(l.Steps))
			}
		}
		title := fmt.Sprintf("%d %s", i+1, l.Title)
		row := cell(title, max(w-len([]rune(state))-1, 1)) + " " + state
		if i == ls.cursor {
			row = s.Cursor.Render(row)
		}
		lines = append(lines, row, s.Dim.Render(cell("  "+l.Summary, w)))
	}
	hint := keyHint(km.Open) + " starts or continues · " + keyHint(km.Up) + "/" + keyHint(km.Down) + " choose · " + keyHint(km.Back) + " closes"
	lines = append(lines, "", s.Dim.Render(cell(hint, w)))
	return pad(fit(lines, w), h)
}

// lessonKeys is the pane's key hint.
func (a *App) lessonKeys() string {
	km := a.c.KeyMap
	return keyHint(km.LessonPrev) + " prev  " + keyHint(km.LessonNext) + " next  " +
		keyHint(km.LessonZoom) + " zoom  " + keyHint(km.LessonCopy) + " copy  " + keyHint(km.Lessons) + " close"
}

// rule is a pane's title line: "── title ─────".
func (a *App) rule(title string, w int) string {
	t := "── " + title + " "
	return a.c.Styles.Border.Render(cell(t+strings.Repeat("─", max(w-ansi.StringWidth(t), 0)), w))
}

// keyHint is the first key of b as `?` spells it.
func keyHint(b key.Binding) string {
	k := b.Help().Key
	if i := strings.IndexByte(k, '/'); i > 0 && k != "/" {
		return k[:i]
	}
	return k
}

// wrap is s word-wrapped to w columns, one cell-padded line each.
func wrap(s string, w int) []string {
	var out []string
	for _, l := range strings.Split(ansi.Wrap(s, w, " "), "\n") {
		out = append(out, cell(l, w))
	}
	return out
}

// fit cuts or pads every line to w columns.
func fit(lines []string, w int) []string {
	for i, l := range lines {
		lines[i] = cell(l, w)
	}
	return lines
}
