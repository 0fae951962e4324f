package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// formField is one row of a small form: a text field (value is what it
// starts with), or a yes/no toggle that space flips.
type formField struct {
	label, hint string
	value       string
	toggle, on  bool
	in          *lineInput
}

// input is the field's text input, made on first use.
func (fl *formField) input() *lineInput {
	if fl.in == nil {
		in := newLineInput("")
		in.SetValue(fl.value)
		in.active = true
		fl.in = &in
	}
	return fl.in
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
func (f *smallForm) text(i int) string { return strings.TrimSpace(f.fields[i].input().Value()) }

// key edits the form; it reports whether the form should submit or close.
func (f *smallForm) key(km *KeyMap, k tea.KeyPressMsg) (submit, cancel bool) {
	if submit, cancel, done := navigate(km, k, &f.focus, len(f.fields)); done {
		return submit, cancel
	}
	fl := &f.fields[f.focus]
	if fl.toggle {
		if key.Matches(k, km.Toggle) {
			fl.on = !fl.on
		}
	} else {
		fl.input().ti, _ = fl.input().ti.Update(k)
	}
	f.err = ""
	return
}

// paste puts pasted text into the focused text field.
func (f *smallForm) paste(p tea.PasteMsg) {
	if fl := &f.fields[f.focus]; !fl.toggle {
		fl.input().paste(p)
		f.err = ""
	}
}

func (f *smallForm) view(c *Common, height int, line string) string {
	s := c.Styles
	w := 0
	for _, fl := range f.fields {
		w = max(w, len(fl.label))
	}
	lines := []string{s.Title.Render(f.title) + s.Dim.Render(" · "+formHelp(c.KeyMap, "starts"))}
	for i := range f.fields {
		fl := &f.fields[i]
		label := fmt.Sprintf("%-*s", w, fl.label)
		var v string
		switch {
		case fl.toggle:
			v = map[bool]string{true: "[x]", false: "[ ]"}[fl.on] + " " + s.Dim.Render(fl.hint)
		case i == f.focus:
			v = fl.input().ti.View()
		default:
			v = fl.input().Value()
		}
		if !fl.toggle && fl.input().Value() == "" {
			v += s.Dim.Render(fl.hint)
		}
		if i == f.focus {
			label = s.Key.Render("> " + label)
		} else {
			label = "  " + label
		}
		lines = append(lines, cell(label+" "+v, c.Width))
	}
	lines = append(lines, "", s.Dim.Render(cell("$ "+line, c.Width)))
	if f.err != "" {
		lines = append(lines, s.Error.Render(cell("✗ "+f.err, c.Width)))
	}
	return pad(lines, height)
}

// formHelp is a form's key hint, from the key map: "tab/↓ next field ·
// space toggles · enter <submit> · esc cancels".
func formHelp(km *KeyMap, submit string) string {
	h := func(b key.Binding, desc string) string { return b.Help().Key + " " + desc }
	return strings.Join([]string{h(km.NextField, "next field"), h(km.Toggle, "toggles"),
		h(km.Submit, submit), h(km.Back, "cancels")}, " · ")
}

// navigate handles the keys every form shares: Back closes it, Submit
// submits it, NextField and PrevField move the focus among n rows. done
// says the key was one of those.
func navigate(km *KeyMap, k tea.KeyPressMsg, focus *int, n int) (submit, cancel, done bool) {
	switch {
	case key.Matches(k, km.Back):
		return false, true, true
	case key.Matches(k, km.Submit):
		return true, false, true
	case key.Matches(k, km.NextField):
		*focus = (*focus + 1) % n
		return false, false, true
	case key.Matches(k, km.PrevField):
		*focus = (*focus + n - 1) % n
		return false, false, true
	}
	return false, false, false
}
