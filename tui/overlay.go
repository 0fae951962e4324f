package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// overlay is a component shown above the panels until it is done: a yes/no
// question, the key help, a picker. The newest one gets every key; the
// App pops it once it says it is done.
type overlay interface {
	component
	// done reports whether the overlay has had its answer and goes.
	done() bool
	// place is where its View goes.
	place() place
}

// place is where an overlay is drawn.
type place int

const (
	placeStatus place = iota // the status bar's line (a question); the panel stays in view
	placePanel               // the panel's place; the command log and a lesson pane stay
	placeScreen              // all between the tab bar and the status bar
)

// overlays is the stack of overlays, the newest last.
type overlays []overlay

func (s *overlays) push(o overlay) { *s = append(*s, o) }

// top is the overlay in front, nil when there is none.
func (s overlays) top() overlay {
	if len(s) == 0 {
		return nil
	}
	return s[len(s)-1]
}

// at is the newest overlay drawn at p, nil when there is none.
func (s overlays) at(p place) overlay {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i].place() == p {
			return s[i]
		}
	}
	return nil
}

// covering reports whether an overlay hides the panels and the panes.
func (s overlays) covering() bool { return s.at(placeScreen) != nil }

// prompt is the pending question, nil when none is asked.
func (s overlays) prompt() *confirmPrompt {
	for i := len(s) - 1; i >= 0; i-- {
		if p, ok := s[i].(*confirmPrompt); ok {
			return p
		}
	}
	return nil
}

// commandLine is the `:` pane when it is open.
func (s overlays) commandLine() *commandLine {
	for _, o := range s {
		if l, ok := o.(*commandLine); ok {
			return l
		}
	}
	return nil
}

// update hands msg to the overlay in front and pops it once done.
func (s *overlays) update(msg tea.Msg) tea.Cmd {
	o := s.top()
	if o == nil {
		return nil
	}
	cmd := o.Update(msg)
	if o.done() {
		*s = (*s)[:len(*s)-1]
	}
	return cmd
}

// dismiss drops the overlays over the panel (a click on a tab): a
// question counts as not answered, a chooser keeps what was chosen (its
// dismiss); one in the panel's place (the messages) stays.
func (s *overlays) dismiss() tea.Cmd {
	var cmds []tea.Cmd
	kept := (*s)[:0]
	for _, o := range *s {
		if o.place() == placePanel {
			kept = append(kept, o)
			continue
		}
		if d, ok := o.(interface{ dismiss() tea.Cmd }); ok {
			cmds = append(cmds, d.dismiss())
		}
	}
	*s = kept
	return tea.Batch(cmds...)
}

func (s overlays) setSize(w, h int) {
	for _, o := range s {
		o.SetSize(w, h)
	}
}

// confirmPrompt is a yes/no question before a destructive action, asked in
// the status bar: Confirm runs yes, any other key runs no.
type confirmPrompt struct {
	c        *Common
	question string
	yes      func() tea.Cmd
	no       func()
	answered bool
}

func (p *confirmPrompt) Init() tea.Cmd    { return nil }
func (p *confirmPrompt) SetSize(w, h int) {}
func (p *confirmPrompt) done() bool       { return p.answered }
func (p *confirmPrompt) place() place     { return placeStatus }
func (p *confirmPrompt) ShortHelp() []key.Binding {
	return []key.Binding{p.c.KeyMap.Confirm, p.c.KeyMap.Cancel}
}
func (p *confirmPrompt) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *confirmPrompt) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	p.answered = true
	if key.Matches(k, p.c.KeyMap.Confirm) {
		return p.yes()
	}
	if p.no != nil {
		p.no()
	}
	return nil
}

// View is the status bar's line: the question and its keys.
func (p *confirmPrompt) View() string {
	return cell(p.c.Styles.Error.Render(p.question+" (y/n)"), p.c.Width)
}

// keyHelp is `?`: every key, in three columns of FullHelp's groups; any
// key closes it, the Quit key that is also Abort (ctrl+c) quits.
type keyHelp struct {
	c             *Common
	height        int
	groups        [][]key.Binding
	titles        []string
	left, mid, rt []int // the groups of each column
	quit          func() tea.Cmd
	closed        bool
}

// helpTitles name FullHelp's groups, in its order.
var helpTitles = []string{"Lists", "Containers", "Logs", "Everywhere", "Images", "Layers view", "Lesson pane"}

func newKeyHelp(c *Common, h int, quit func() tea.Cmd) *keyHelp {
	return &keyHelp{c: c, height: h, groups: c.KeyMap.FullHelp(), titles: helpTitles,
		left: []int{0, 4}, mid: []int{1}, rt: []int{2, 3}, quit: quit}
}

func (k *keyHelp) Init() tea.Cmd    { return nil }
func (k *keyHelp) SetSize(w, h int) { k.height = h }
func (k *keyHelp) done() bool       { return k.closed }
func (k *keyHelp) place() place     { return placeScreen }

// ShortHelp: the help is in front, so the hint is how it goes.
func (k *keyHelp) ShortHelp() []key.Binding {
	b := k.c.KeyMap.Back
	b.SetHelp(b.Help().Key, "close (any key)")
	return []key.Binding{b}
}
func (k *keyHelp) FullHelp() [][]key.Binding { return k.groups }

func (k *keyHelp) Update(msg tea.Msg) tea.Cmd {
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k.closed = true
	if km := k.c.KeyMap; key.Matches(m, km.Quit) && key.Matches(m, km.Abort) {
		return k.quit()
	}
	return nil
}

func (k *keyHelp) View() string {
	s := k.c.Styles
	col := func(idx []int) string {
		var lines []string
		for _, g := range idx {
			lines = append(lines, s.Header.Render(k.titles[g]))
			for _, b := range k.groups[g] {
				hp := b.Help()
				lines = append(lines, s.Key.Render(cell(hp.Key, 10))+" "+hp.Desc)
			}
			lines = append(lines, "")
		}
		return strings.Join(lines, "\n")
	}
	w := k.c.Width / 3
	body := lipgloss.JoinHorizontal(lipgloss.Top,
		lipgloss.NewStyle().Width(w).Render(col(k.left)),
		lipgloss.NewStyle().Width(w).Render(col(k.mid)),
		lipgloss.NewStyle().Width(k.c.Width-2*w).Render(col(k.rt)))
	lines := strings.Split(body, "\n")
	lines = append([]string{s.Title.Render("keys") + s.Dim.Render(" · any key closes")}, lines...)
	for i := range lines {
		lines[i] = cell(lines[i], k.c.Width)
	}
	return pad(lines, k.height)
}
