package tui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// component is the contract every view and form of the workbench keeps,
// as soft-serve's and glow's panels do: it is built over the App's Common
// (size, styles, the one KeyMap), told its size with SetSize, fed messages
// and keys through Update, drawn with View (exactly its size), and names
// its keys as bubbles' help.KeyMap: ShortHelp is the status bar's hint
// while it has the focus, FullHelp the groups `?` lists.
//
// The App only routes: it picks the component in front (focus.go), hands
// it the key, and shows its View and ShortHelp. Prompts, the key help and
// pickers are overlays on a stack above the panels (overlay.go).
type component interface {
	Init() tea.Cmd
	Update(tea.Msg) tea.Cmd
	View() string
	SetSize(width, height int)
	help.KeyMap
}

// The views and forms that keep the contract; the compiler checks it.
var (
	_ component = (*containersPanel)(nil)
	_ component = (*detailPanel)(nil)
	_ component = (*logsPanel)(nil)
	_ component = (*pagePanel)(nil)
	_ component = (*imagesPanel)(nil)
	_ component = (*confirmPrompt)(nil)
	_ component = (*keyHelp)(nil)
	_ component = (*columnChooser)(nil)
	_ component = (*messagesView)(nil)
	_ component = (*commandLine)(nil)
	_ component = (*eventsView)(nil)
	_ component = (*resourcePanel)(nil)
)

// FullHelp of the container list: the list's keys, then its actions.
func (p *containersPanel) FullHelp() [][]key.Binding {
	g := p.c.KeyMap.FullHelp()
	return [][]key.Binding{g[0], g[1]}
}

// FullHelp of a container's tabs: its actions, then the log's keys.
func (p *detailPanel) FullHelp() [][]key.Binding {
	g := p.c.KeyMap.FullHelp()
	return [][]key.Binding{g[1], g[2]}
}

// ShortHelp of the Logs tab: the search field's while it is typed in.
func (p *logsPanel) ShortHelp() []key.Binding {
	km := p.c.KeyMap
	if p.search.active {
		return p.search.ShortHelp(km)
	}
	return []key.Binding{km.Help, km.Search, km.NextMatch, km.Follow, km.Timestamps, km.Wrap, km.Save, km.NextTab, km.Back}
}

// FullHelp of the Logs tab.
func (p *logsPanel) FullHelp() [][]key.Binding {
	return [][]key.Binding{p.c.KeyMap.FullHelp()[2]}
}

// FullHelp of the image list: the list's keys, then the images' own.
func (p *imagesPanel) FullHelp() [][]key.Binding {
	g := p.c.KeyMap.FullHelp()
	return [][]key.Binding{g[0], g[4]}
}

// ShortHelp of a detail page (Inspect, Diff, ...): its scrolling.
func (p *pagePanel) ShortHelp() []key.Binding {
	km := p.c.KeyMap
	return []key.Binding{km.Up, km.Down, km.PageUp, km.PageDown, km.Top, km.Bottom}
}

// FullHelp of a detail page.
func (p *pagePanel) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *resourcePanel) Init() tea.Cmd { return nil }

// FullHelp of the Volumes or Networks tab: the list's keys, then its own.
func (p *resourcePanel) FullHelp() [][]key.Binding {
	return [][]key.Binding{p.c.KeyMap.FullHelp()[0], p.ShortHelp()}
}
