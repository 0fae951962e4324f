package tui

import (
	"unicode/utf8"
)

// lineInput is a one-line text field (filter, search). It has no cursor
// blink, so an idle workbench renders nothing.
type lineInput struct {
	prompt string
	value  string
	active bool
}

// key edits the field: enter keeps the value, esc clears it, both leave it.
func (in *lineInput) key(km *KeyMap, k string) {
	switch k {
	case "enter":
		in.active = false
	case "esc":
		in.active, in.value = false, ""
	case "backspace", "ctrl+h":
		if in.value != "" {
			_, n := utf8.DecodeLastRuneInString(in.value)
			in.value = in.value[:len(in.value)-n]
		}
	case "ctrl+u":
		in.value = ""
	case "space":
		in.value += " "
	default:
		if utf8.RuneCountInString(k) == 1 {
			in.value += k
		}
	}
}

func (in *lineInput) view(s *Styles) string {
	v := s.Key.Render(in.prompt) + in.value
	if in.active {
		v += "▏"
	}
	return v
}
