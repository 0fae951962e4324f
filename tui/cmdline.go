package tui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-shellwords"
)

// commandLine is `:` (k9s's command line): any berth command typed, run
// as the berth binary itself against the same store (Options.Berth), its
// output streamed into a pane; esc stops a command that is still running
// (`events`, `logs -f`) and then closes the pane.
type commandLine struct {
	c       *Common
	argv    []string // the berth binary and its --root
	in      lineInput
	typing  bool
	line    string // the command line shown, as a shell would take it
	out     []string
	running bool
	status  string // how it ended: "exit 0", "exit 1: ...", "stopped"
	scroll  scroller
	cancel  context.CancelFunc
	gen     int
	// What the App lends it: the status bar and the command log.
	setStatus func(msg string, isErr bool)
	logCmd    func(cmdLine)
	closed    bool
}

// maxCmdOutput bounds the lines the pane keeps.
const maxCmdOutput = 10000

// cmdOutMsg is what a running command printed since the last one, or its end.
type cmdOutMsg struct {
	gen   int
	lines []string
	end   bool
	err   error
	next  tea.Cmd
}

func newCommandLine(c *Common, argv []string, setStatus func(string, bool), logCmd func(cmdLine)) *commandLine {
	in := newLineInput(": berth ")
	in.active = true
	return &commandLine{c: c, argv: argv, in: in, typing: true, scroll: scroller{follow: true}, setStatus: setStatus, logCmd: logCmd}
}

// The pane is an overlay in the panel's place (overlay.go); the panels'
// Common sizes it.
func (l *commandLine) Init() tea.Cmd             { return nil }
func (l *commandLine) SetSize(w, h int)          {}
func (l *commandLine) done() bool                { return l.closed }
func (l *commandLine) place() place              { return placePanel }
func (l *commandLine) FullHelp() [][]key.Binding { return [][]key.Binding{l.ShortHelp()} }

// Update takes a key, a paste into the line being typed, or a batch of
// the command's output (whose end goes to the status bar).
func (l *commandLine) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		cmd, closed, err := l.key(msg)
		switch {
		case err != nil:
			l.setStatus(oneLine(err), true)
		case closed:
			l.stop()
			l.closed = true
		case cmd != nil:
			l.logCmd(cmdLine{Berth: l.line})
		}
		return cmd
	case tea.PasteMsg:
		if l.typing {
			l.in.paste(msg)
		}
	case cmdOutMsg:
		cmd := l.update(msg)
		if msg.end && msg.gen == l.gen {
			l.setStatus(l.line+": "+l.status, l.status != "exit 0")
		}
		return cmd
	}
	return nil
}

// ShortHelp is the pane's key hint.
func (l *commandLine) ShortHelp() []key.Binding {
	km := l.c.KeyMap
	if l.typing {
		return []key.Binding{km.Submit, km.Back}
	}
	stop := km.Back
	if l.running {
		stop.SetHelp(km.Back.Help().Key, "stop it")
	} else {
		stop.SetHelp(km.Back.Help().Key, "close")
	}
	return []key.Binding{km.Command, km.Up, km.Down, km.Bottom, stop}
}

// args splits the typed line as a shell would, with nothing expanded; a
// leading "berth" is the binary's own name and is dropped.
func (l *commandLine) args() ([]string, error) {
	p := &shellwords.Parser{}
	v := l.in.Value()
	a, err := p.Parse(v)
	if err == nil && p.Position >= 0 {
		err = fmt.Errorf("%q is a shell operator: the command line runs one berth command, without a shell", strings.TrimSpace(v[p.Position:])[:1])
	}
	if err != nil {
		return nil, err
	}
	if len(a) > 0 && a[0] == "berth" {
		a = a[1:]
	}
	if len(a) == 0 {
		return nil, fmt.Errorf("type a berth command, e.g. ps -a")
	}
	return a, nil
}

// start runs the typed command; it returns the error of a line that does
// not parse, for the status bar.
func (l *commandLine) start() (tea.Cmd, error) {
	args, err := l.args()
	if err != nil {
		return nil, err
	}
	l.stop()
	l.gen++
	l.typing, l.running, l.out, l.scroll, l.status = false, true, nil, scroller{follow: true}, ""
	l.line = "berth " + strings.Join(quoteAll(args), " ")
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	cmd := exec.CommandContext(ctx, l.argv[0], append(append([]string{}, l.argv[1:]...), args...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	cmd.WaitDelay = 2 * time.Second
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw // stdin stays /dev/null: nothing waits for a terminal
	ch, exit := make(chan cmdOutMsg, 64), make(chan error, 1)
	gen := l.gen
	go func() {
		err := cmd.Start()
		if err == nil {
			// WaitDelay bounds the wait for output from a child that
			// outlives the command and keeps its end of the pipe.
			err = cmd.Wait()
		}
		pw.Close()
		if ctx.Err() != nil {
			err = errStopped
		}
		exit <- err
	}()
	go readCmdOutput(pr, gen, ch, exit)
	return nextCmdOutput(gen, ch), nil
}

// errStopped is the end of a command stopped with esc.
var errStopped = fmt.Errorf("stopped")

// readCmdOutput turns the output into lines on ch, then sends the end.
func readCmdOutput(r io.Reader, gen int, ch chan<- cmdOutMsg, exit <-chan error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		ch <- cmdOutMsg{gen: gen, lines: []string{sc.Text()}}
	}
	io.Copy(io.Discard, r) // a line over 1 MiB: drain, so the command is not blocked
	ch <- cmdOutMsg{gen: gen, end: true, err: <-exit}
	close(ch)
}

// nextCmdOutput is the re-armed reader: it waits for one line, then takes
// whatever else is ready, so a burst is one message and one render.
func nextCmdOutput(gen int, ch <-chan cmdOutMsg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		b := cmdOutMsg{gen: gen, lines: m.lines, end: m.end, err: m.err}
		for !b.end && len(b.lines) < 2000 {
			select {
			case m, ok := <-ch:
				if !ok {
					return b
				}
				b.lines, b.end, b.err = append(b.lines, m.lines...), m.end, m.err
				continue
			default:
			}
			break
		}
		if !b.end {
			b.next = nextCmdOutput(gen, ch)
		}
		return b
	}
}

// stop ends a running command.
func (l *commandLine) stop() {
	if l.cancel != nil {
		l.cancel()
		l.cancel = nil
	}
}

// update takes a batch of output; it returns the reader of the next.
func (l *commandLine) update(m cmdOutMsg) tea.Cmd {
	if m.gen != l.gen {
		return nil
	}
	for _, s := range m.lines {
		l.out = append(l.out, strings.ReplaceAll(ansi.Strip(s), "\t", "    "))
	}
	if n := len(l.out) - maxCmdOutput; n > 0 {
		l.out = append(l.out[:0:0], l.out[n:]...)
	}
	if m.end {
		l.running = false
		var ee *exec.ExitError
		switch {
		case m.err == nil:
			l.status = "exit 0"
		case errors.As(m.err, &ee) && ee.ExitCode() >= 0:
			l.status = fmt.Sprintf("exit %d", ee.ExitCode())
		default:
			l.status = oneLine(m.err)
		}
	}
	l.clamp()
	return m.next
}

func (l *commandLine) bodyHeight() int { return max(l.c.Height-1, 1) }

func (l *commandLine) clamp() { l.scroll.clamp(len(l.out), l.bodyHeight()) }

// key handles a key while the pane is open; close says it closed.
func (l *commandLine) key(k tea.KeyPressMsg) (cmd tea.Cmd, closed bool, err error) {
	km := l.c.KeyMap
	if l.typing {
		switch {
		case key.Matches(k, km.Submit):
			cmd, err := l.start()
			return cmd, false, err
		case key.Matches(k, km.Back):
			l.typing = false
			return nil, l.line == "", nil // nothing run yet: close
		}
		l.in.ti, _ = l.in.ti.Update(k)
		return nil, false, nil
	}
	switch {
	case l.scroll.key(km, k, l.bodyHeight()):
	case key.Matches(k, km.Back):
		if l.running {
			l.stop()
			return nil, false, nil
		}
		return nil, true, nil
	case key.Matches(k, km.Command):
		l.typing = true
		l.in.SetValue("")
	}
	l.clamp()
	return nil, false, nil
}

// View is the pane: the command line (or the field to type one), how it
// is going, and its output.
func (l *commandLine) View() string {
	s := l.c.Styles
	var head string
	switch {
	case l.typing:
		head = s.Key.Render(l.in.prompt) + l.in.ti.View()
	case l.running:
		head = s.Key.Render("$ ") + l.line + s.Dim.Render(" · running · esc stops it")
	default:
		st := s.Info
		if l.status != "exit 0" {
			st = s.Error
		}
		head = s.Key.Render("$ ") + l.line + " " + st.Render("· "+l.status) + s.Dim.Render(" · : runs another · esc closes")
	}
	lines := []string{cell(head, l.c.Width)}
	if len(l.out) == 0 && !l.running && l.line == "" {
		lines = append(lines, s.Dim.Render(cell("any berth command, as in a shell (quotes work, nothing is expanded): ps -a, images, events, logs -f web", l.c.Width)))
	}
	from, to := l.scroll.visible(len(l.out), l.bodyHeight())
	for i := from; i < to; i++ {
		lines = append(lines, strings.TrimRight(cell(l.out[i], l.c.Width), " "))
	}
	return pad(lines, l.c.Height)
}
