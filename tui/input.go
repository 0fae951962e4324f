package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// lineInput is a one-line text field (a filter, a search, a form's field,
// the command line): bubbles' textinput, so paste, cursor movement and
// word deletion work as in every other Bubble Tea program. Its cursor does
// not blink, so an idle workbench renders nothing.
type lineInput struct {
	prompt string
	active bool
	ti     textinput.Model
}

func newLineInput(prompt string) lineInput {
	ti := textinput.New()
	ti.Prompt = ""
	// Paste comes as the terminal's bracketed paste (tea.PasteMsg); ctrl+v
	// would run xclip or xsel from PATH.
	ti.KeyMap.Paste.SetEnabled(false)
	st := ti.Styles()
	st.Cursor.Blink, st.Cursor.Color = false, nil // reverse video only: readable under NO_COLOR
	st.Focused.Text, st.Blurred.Text = st.Focused.Text.UnsetForeground(), st.Blurred.Text.UnsetForeground()
	ti.SetStyles(st)
	ti.Focus()
	return lineInput{prompt: prompt, ti: ti}
}

// Value is the text typed.
func (in *lineInput) Value() string { return in.ti.Value() }

// SetValue replaces the text, the cursor at its end.
func (in *lineInput) SetValue(s string) { in.ti.SetValue(s); in.ti.CursorEnd() }

// start opens the field empty for typing.
func (in *lineInput) start() { in.active = true; in.SetValue("") }

// key edits the field: Submit (enter) keeps the value, Back (esc) clears
// it, both leave it; any other key is the textinput's.
func (in *lineInput) key(km *KeyMap, k tea.KeyPressMsg) {
	switch {
	case key.Matches(k, km.Submit):
		in.active = false
	case key.Matches(k, km.Back):
		in.active = false
		in.SetValue("")
	default:
		in.ti, _ = in.ti.Update(k)
	}
}

// paste inserts pasted text at the cursor; a field keeps one line, so line
// breaks become spaces.
func (in *lineInput) paste(p tea.PasteMsg) {
	in.ti, _ = in.ti.Update(p)
}

func (in *lineInput) view(s *Styles) string {
	if in.active {
		return s.Key.Render(in.prompt) + in.ti.View()
	}
	return s.Key.Render(in.prompt) + in.Value()
}
