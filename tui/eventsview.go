package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// eventsView is `E`: the engine's events (the App's eventLog, which keeps
// them while closed too) as an overlay in the panel's place. A filter
// changed is logged as the `berth events` command that shows the same.
type eventsView struct {
	c      *Common
	log    *eventLog
	logCmd func(cmdLine)
	quit   func() tea.Cmd
}

func newEventsView(c *Common, log *eventLog, logCmd func(cmdLine), quit func() tea.Cmd) *eventsView {
	log.open()
	logCmd(log.command())
	return &eventsView{c: c, log: log, logCmd: logCmd, quit: quit}
}

func (v *eventsView) Init() tea.Cmd    { return nil }
func (v *eventsView) SetSize(w, h int) {} // it draws at its Common's size, the panels'
func (v *eventsView) done() bool       { return !v.log.shown }
func (v *eventsView) place() place     { return placePanel }
func (v *eventsView) View() string     { return v.log.view(v.c) }

func (v *eventsView) ShortHelp() []key.Binding {
	km := v.c.KeyMap
	if v.log.text.active {
		return v.log.text.ShortHelp(km)
	}
	return []key.Binding{km.EventType, km.Filter, km.Up, km.Down, km.Bottom, km.Back}
}
func (v *eventsView) FullHelp() [][]key.Binding { return [][]key.Binding{v.ShortHelp()} }

// Update scrolls, filters or closes (eventLog.key); the Quit key that is
// also Abort (ctrl+c) quits; a paste goes to the text filter being typed.
func (v *eventsView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		km := v.c.KeyMap
		if key.Matches(msg, km.Quit) && key.Matches(msg, km.Abort) {
			return v.quit()
		}
		if v.log.key(km, msg) {
			v.logCmd(v.log.command())
		}
	case tea.PasteMsg:
		if v.log.text.active {
			v.log.text.paste(msg)
		}
	}
	return nil
}
