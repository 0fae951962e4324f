package tui

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// choosableColumns are the container list's columns the chooser lists, by
// their header names (the mark column is not one).
func choosableColumns() []string {
	var out []string
	for _, c := range containerColumns[1:] {
		out = append(out, c.Title)
	}
	return out
}

// hide turns off the columns named (header names); the rest are on.
func (p *containersPanel) hide(names []string) {
	p.hidden = make([]bool, len(containerColumns))
	for i, c := range containerColumns {
		p.hidden[i] = slices.Contains(names, c.Title)
	}
}

// hiddenNames are the columns turned off, by header name.
func (p *containersPanel) hiddenNames() []string {
	var out []string
	for i, h := range p.hidden {
		if h {
			out = append(out, containerColumns[i].Title)
		}
	}
	return out
}

// columnChooser is the overlay `v` opens over the container list: every
// column with a toggle. Toggle flips the one under the cursor and the list
// under it changes at once; Submit or Back closes it and the choice is
// saved. NAME stays on: a row must say which container it is.
type columnChooser struct {
	c      *Common
	height int
	hidden []bool // shared with the panel: a toggle shows at once
	win    window
	chosen func() tea.Cmd
	closed bool
}

func newColumnChooser(c *Common, hidden []bool, h int, chosen func() tea.Cmd) *columnChooser {
	ch := &columnChooser{c: c, hidden: hidden, chosen: chosen}
	ch.SetSize(c.Width, h)
	return ch
}

func (ch *columnChooser) Init() tea.Cmd { return nil }
func (ch *columnChooser) SetSize(w, h int) {
	ch.height = h
	ch.win.Height = max(h-1, 1)
	ch.win.clamp(len(containerColumns) - 1)
}
func (ch *columnChooser) done() bool { return ch.closed }
func (ch *columnChooser) dismiss() tea.Cmd {
	ch.closed = true
	return ch.chosen()
}
func (ch *columnChooser) place() place { return placeScreen }

func (ch *columnChooser) ShortHelp() []key.Binding {
	km := ch.c.KeyMap
	return []key.Binding{km.Up, km.Down, km.Toggle, km.Submit, km.Back}
}
func (ch *columnChooser) FullHelp() [][]key.Binding { return [][]key.Binding{ch.ShortHelp()} }

func (ch *columnChooser) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	km := ch.c.KeyMap
	n := len(containerColumns) - 1
	switch {
	case key.Matches(k, km.Submit, km.Back, km.Columns):
		ch.closed = true
		return ch.chosen()
	case key.Matches(k, km.Toggle):
		i := ch.win.Cursor + 1
		if containerColumns[i].Title != "NAME" {
			ch.hidden[i] = !ch.hidden[i]
		}
	default:
		ch.win.move(km, k, n)
	}
	return nil
}

func (ch *columnChooser) View() string {
	s := ch.c.Styles
	lines := []string{s.Title.Render("columns") + s.Dim.Render(" · space shows or hides · enter or esc keeps the choice")}
	from, to := ch.win.visible(len(containerColumns) - 1)
	for i := from; i < to; i++ {
		col := containerColumns[i+1]
		box := "[x]"
		if ch.hidden[i+1] {
			box = "[ ]"
		}
		line := fmt.Sprintf(" %s %s", box, col.Title)
		if col.Title == "NAME" {
			line += s.Dim.Render("  (always shown)")
		}
		line = cell(line, ch.c.Width)
		if i == ch.win.Cursor {
			line = s.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	return pad(lines, ch.height)
}

// columnsChosen saves the column choice to the config file, when there is
// one, and logs nothing: no berth command does this.
func (a *App) columnsChosen() tea.Cmd {
	if a.config == "" {
		return nil
	}
	return a.configW.saveHiddenColumns(a.config, a.containers.hiddenNames())
}
