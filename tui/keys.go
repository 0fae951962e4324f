package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap holds every key the workbench answers to. DefaultKeyMap builds it;
// `?` shows it.
type KeyMap struct {
	// Everywhere.
	Quit, Help, NextTab, PrevTab, Containers, Images, Volumes, Networks, Back, CommandLog, Command, Messages, Events key.Binding
	// Lists.
	Up, Down, PageUp, PageDown, Top, Bottom, Filter, Sort, Reverse, ShowAll, Mark, MarkAll, Open, Columns key.Binding
	// Container actions.
	Start, Stop, Restart, Kill, Pause, Remove, Shell, Attach, Create, Run key.Binding
	// Images.
	Pull, Push, Tag, Build key.Binding
	// Images, volumes and networks.
	Prune key.Binding
	// A container's tabs.
	Logs, Inspect, Diff, Processes, Namespaces, Stats, Crash, Debug key.Binding
	// Logs.
	Follow, Timestamps, Wrap, Search, NextMatch, PrevMatch, Save, ScrollLeft, ScrollRight key.Binding
	// The Events view.
	EventType key.Binding
	// The Layers view (Layers opens it from the images).
	Layers, NextPane, PrevPane, Aggregate, HideAdded, HideModified, HideRemoved, HideUnmodified, Fold, Collapse, Expand, FileDiff key.Binding
	// Lessons (Lessons opens the picker and closes the pane).
	Lessons, LessonPrev, LessonNext, LessonZoom, LessonCopy key.Binding
	// Prompts, forms and text fields.
	Confirm, Cancel, Submit, Toggle, NextField, PrevField, Abort key.Binding
}

// DefaultKeyMap is berth's key map.
func DefaultKeyMap() *KeyMap {
	b := func(help string, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return &KeyMap{
		Quit:       b("q", "quit", "q", "ctrl+c"),
		Help:       b("?", "all keys", "?"),
		NextTab:    b("tab", "next tab", "tab"),
		PrevTab:    b("shift+tab", "prev tab", "shift+tab"),
		Containers: b("1", "containers", "1"),
		Images:     b("2", "images", "2"),
		Volumes:    b("3", "volumes", "3"),
		Networks:   b("4", "networks", "4"),
		Back:       b("esc", "back", "esc"),
		CommandLog: b("c", "command log", "c"),
		Command:    b(":", "berth command", ":"),
		Messages:   b("!", "messages", "!"),
		Events:     b("E", "events (live)", "E"),

		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		PageUp:   b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown: b("pgdn", "page down", "pgdown", "ctrl+f"),
		Top:      b("g/home", "first", "g", "home"),
		Bottom:   b("G/end", "last", "G", "end"),
		Filter:   b("/", "filter", "/"),
		Sort:     b("o", "sort", "o"),
		Reverse:  b("O", "reverse sort", "O"),
		ShowAll:  b("a", "show stopped", "a"),
		Mark:     b("space", "mark", "space"),
		MarkAll:  b("ctrl+a", "mark all", "ctrl+a"),
		Open:     b("enter", "open", "enter"),
		Columns:  b("v", "choose columns", "v"),

		Start:   b("s", "start", "s"),
		Stop:    b("x", "stop", "x"),
		Restart: b("r", "restart", "r"),
		Kill:    b("K", "kill", "K"),
		Pause:   b("p", "pause/unpause", "p"),
		Remove:  b("D", "remove", "D"),
		Shell:   b("e", "shell", "e"),
		Attach:  b("A", "attach", "A"),
		Create:  b("n", "new volume/network", "n"),
		Run:     b("R", "run image (images)", "R"),
		Pull:    b("p", "pull image", "p"),
		Push:    b("P", "push image", "P"),
		Tag:     b("T", "tag image", "T"),
		Build:   b("B", "build image", "B"),
		Prune:   b("X", "prune unused", "X"),
		Logs:    b("l", "logs", "l"),
		Inspect: b("i", "inspect", "i"),

		Diff:       b("d", "file changes", "d"),
		Processes:  b("P", "processes", "P"),
		Namespaces: b("#", "namespaces", "#"),
		Stats:      b("S", "stats graphs", "S"),
		Crash:      b("C", "crash report", "C"),
		Debug:      b("b", "debug (a shell beside it)", "b"),

		Follow:      b("f", "follow", "f"),
		Timestamps:  b("t", "timestamps", "t"),
		Wrap:        b("W", "wrap lines", "W"),
		Search:      b("/", "search", "/"),
		NextMatch:   b("n", "next match", "n"),
		PrevMatch:   b("N", "prev match", "N"),
		Save:        b("w", "save to file", "w"),
		ScrollLeft:  b("←", "scroll left", "left"),
		ScrollRight: b("→", "scroll right", "right"),
		EventType:   b("t", "event type filter", "t"),

		Layers:         b("l", "image layers", "l"),
		NextPane:       b("tab", "next pane", "tab"),
		PrevPane:       b("shift+tab", "prev pane", "shift+tab"),
		Aggregate:      b("a", "changes/all", "a"),
		HideAdded:      b("A", "hide added", "A"),
		HideModified:   b("M", "hide modified", "M"),
		HideRemoved:    b("D", "hide removed", "D"),
		HideUnmodified: b("U", "hide unchanged", "U"),
		Fold:           b("space", "fold/unfold", "space"),
		Collapse:       b("←/h", "fold/to parent", "left", "h"),
		Expand:         b("→/l", "unfold dir", "right", "l"),
		FileDiff:       b("d", "file's diff", "d"),

		Lessons:    b("L", "lessons", "L"),
		LessonPrev: b("[", "previous step", "["),
		LessonNext: b("]", "next step", "]"),
		LessonZoom: b("Z", "zoom the pane", "Z"),
		LessonCopy: b("y", "copy the commands", "y"),

		Confirm: b("y", "yes", "y", "Y"),
		Cancel:  b("n/esc", "no", "n", "N", "esc"),

		Submit:    b("enter", "submit", "enter"),
		Toggle:    b("space", "toggle", "space"),
		NextField: b("tab/↓", "next field", "tab", "down"),
		PrevField: b("shift+tab/↑", "previous field", "shift+tab", "up"),
		Abort:     b("esc/ctrl+c", "cancel", "esc", "ctrl+c"),
	}
}

// ShortHelp is the key hint of the status bar.
func (k *KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.Open, k.Shell, k.Start, k.Stop, k.Filter, k.ShowAll, k.Quit}
}

// LayersHelp is the status bar's key hint in the Layers view.
func (k *KeyMap) LayersHelp() []key.Binding {
	return []key.Binding{k.Help, k.NextPane, k.Aggregate, k.Filter, k.FileDiff, k.Back, k.HideUnmodified, k.Fold}
}

// FullHelp is every key, grouped as `?` shows them: lists, containers,
// logs, everywhere, images, the Layers view, the lesson pane.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Filter, k.Sort, k.Reverse, k.ShowAll, k.Mark, k.MarkAll, k.Open, k.Columns, k.Layers},
		{k.Start, k.Stop, k.Restart, k.Kill, k.Pause, k.Remove, k.Shell, k.Attach, k.Create, k.Run, k.Logs, k.Inspect, k.Diff, k.Processes, k.Namespaces, k.Stats, k.Crash, k.Debug},
		{k.Follow, k.Timestamps, k.Wrap, k.ScrollLeft, k.ScrollRight, k.Search, k.NextMatch, k.PrevMatch, k.Save},
		{k.NextTab, k.PrevTab, k.Containers, k.Images, k.Volumes, k.Networks, k.CommandLog, k.Command, k.Messages, k.Events, k.Lessons, k.Back, k.Help, k.Quit},
		{k.Pull, k.Push, k.Tag, k.Build, k.Prune},
		{k.NextPane, k.PrevPane, k.Aggregate, k.HideAdded, k.HideModified, k.HideRemoved, k.HideUnmodified, k.Fold, k.Collapse, k.Expand, k.FileDiff},
		{k.LessonPrev, k.LessonNext, k.LessonZoom, k.LessonCopy, k.Lessons},
	}
}

// keyPress is the key press a terminal sends for the key named k, as
// key.Binding and tea.KeyPressMsg.String spell it ("enter", "ctrl+a",
// "x"): the mouse wheel presses a binding's first key with it.
func keyPress(k string) tea.KeyPressMsg {
	named := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "space": tea.KeySpace,
		"up": tea.KeyUp, "down": tea.KeyDown, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome,
		"end": tea.KeyEnd, "backspace": tea.KeyBackspace, "left": tea.KeyLeft, "right": tea.KeyRight}
	mod := tea.KeyMod(0)
	switch {
	case strings.HasPrefix(k, "ctrl+"):
		mod, k = tea.ModCtrl, strings.TrimPrefix(k, "ctrl+")
	case strings.HasPrefix(k, "shift+"):
		mod, k = tea.ModShift, strings.TrimPrefix(k, "shift+")
	}
	if r, ok := named[k]; ok {
		m := tea.KeyPressMsg{Code: r, Mod: mod}
		if r == tea.KeySpace {
			m.Text = " "
		}
		return m
	}
	r := []rune(k)[0]
	if mod != 0 {
		return tea.KeyPressMsg{Code: r, Mod: mod}
	}
	return tea.KeyPressMsg{Code: r, Text: k}
}
