package tui

import (
	"fmt"
	"strings"
)

// formField is one row of a small form: a text field, or a yes/no toggle
// that space flips.
type formField struct {
	label, hint string
	value       string
	toggle, on  bool
}

// smallForm is the pull and build forms: a title, a few fields, the
// equivalent command line under them and the reason the last try failed.
type smallForm struct {
	title  string
	fields []formField
	focus  int
	err    string
}

// text is a text field's value, trimmed.
func (f *smallForm) text(i int) string { return strings.TrimSpace(f.fields[i].value) }

// key edits the form; it reports whether the form should submit or close.
func (f *smallForm) key(km *KeyMap, k string) (submit, cancel bool) {
	if submit, cancel, done := navigate(k, &f.focus, len(f.fields)); done {
		return submit, cancel
	}
	fl := &f.fields[f.focus]
	if fl.toggle {
		if k == "space" {
			fl.on = !fl.on
		}
	} else {
		in := lineInput{value: fl.value, active: true}
		in.key(km, k)
		fl.value = in.value
	}
	f.err = ""
	return
}

func (f *smallForm) view(c *Common, height int, line string) string {
	s := c.Styles
	w := 0
	for _, fl := range f.fields {
		w = max(w, len(fl.label))
	}
	lines := []string{s.Title.Render(f.title) + s.Dim.Render(" · tab/↓ next field · space toggles · enter starts · esc cancels")}
	for i, fl := range f.fields {
		label := fmt.Sprintf("%-*s", w, fl.label)
		v := fl.value
		if fl.toggle {
			v = map[bool]string{true: "[x]", false: "[ ]"}[fl.on]
		}
		if i == f.focus {
			label = s.Key.Render("> " + label)
			if !fl.toggle {
				v += "▏"
			}
		} else {
			label = "  " + label
		}
		switch {
		case fl.toggle:
			v += " " + s.Dim.Render(fl.hint)
		case v == "" || v == "▏":
			v += s.Dim.Render(fl.hint)
		}
		lines = append(lines, cell(label+" "+v, c.Width))
	}
	lines = append(lines, "", s.Dim.Render(cell("$ "+line, c.Width)))
	if f.err != "" {
		lines = append(lines, s.Error.Render(cell("✗ "+f.err, c.Width)))
	}
	return pad(lines, height)
}

// navigate handles the keys every form shares: esc closes it, enter
// submits it, tab/down and shift+tab/up move the focus among n rows. done
// says the key was one of those.
func navigate(k string, focus *int, n int) (submit, cancel, done bool) {
	switch k {
	case "esc":
		return false, true, true
	case "enter":
		return true, false, true
	case "tab", "down":
		*focus = (*focus + 1) % n
		return false, false, true
	case "shift+tab", "up":
		*focus = (*focus + n - 1) % n
		return false, false, true
	}
	return false, false, false
}
