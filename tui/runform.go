package tui

import (
	"charm.land/bubbles/v2/key"
	"context"
	"fmt"
	"github.com/mattn/go-shellwords"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/berthdev/berth/engine"
)

// runForm is `berth run` for the selected image with the common flags:
// a field per flag, space toggles the yes/no ones, enter runs. The command
// and the list fields are split as a shell splits words (quotes, escapes),
// and the resulting command line shows under the form before it runs.
type runForm struct {
	image  string
	fields []lineInput
	rm, d  bool
	focus  int
	err    string
}

// The form's rows, in order; the last two are toggles.
const (
	fName = iota
	fCmd
	fEnv
	fPorts
	fVolumes
	fNetwork
	fRm
	fDetach
	nFormRows
)

var formLabels = []string{"--name", "command", "-e", "-p", "-v", "--network", "--rm", "-d"}
var formHints = []string{"empty: a generated name", "empty: the image's CMD; quote as in a shell", "KEY=VALUE ...",
	"[IP:]HOSTPORT:PORT ...", "VOLUME:/PATH or /HOST:/PATH ...", "empty: bridge", "space toggles", "space toggles; off runs it on this terminal"}

func newRunForm(image string) *runForm {
	f := &runForm{image: image, d: true}
	for i := range fRm {
		in := newLineInput(formLabels[i] + " ")
		in.active = true
		f.fields = append(f.fields, in)
	}
	return f
}

// words splits a field as a POSIX shell splits a command line into words:
// quotes and backslashes group, and nothing is expanded or run ($VAR,
// backticks and $(...) stay text or are refused). A shell operator (; | &
// < >) outside quotes is an error rather than a silent end of the line.
func (f *runForm) words(i int) ([]string, error) {
	p := &shellwords.Parser{} // ParseEnv and ParseBacktick off: no expansion, no commands run
	v := f.fields[i].Value()
	w, err := p.Parse(v)
	if err == nil && p.Position >= 0 {
		err = fmt.Errorf("%q is a shell operator: quote it", strings.TrimSpace(v[p.Position:])[:1])
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", formLabels[i], strings.TrimSpace(v), err)
	}
	return w, nil
}

// parsed is every split field of the form, by row.
func (f *runForm) parsed() (map[int][]string, error) {
	out := map[int][]string{}
	for _, i := range []int{fCmd, fEnv, fPorts, fVolumes} {
		w, err := f.words(i)
		if err != nil {
			return nil, err
		}
		out[i] = w
	}
	return out, nil
}

// args are the berth run flags and arguments the form says.
func (f *runForm) args() ([]string, error) {
	w, err := f.parsed()
	if err != nil {
		return nil, err
	}
	a := []string{}
	if f.d {
		a = append(a, "-d")
	} else {
		a = append(a, "-it")
	}
	if f.rm {
		a = append(a, "--rm")
	}
	if v := strings.TrimSpace(f.fields[fName].Value()); v != "" {
		a = append(a, "--name", v)
	}
	for _, i := range []int{fEnv, fPorts, fVolumes} {
		for _, v := range w[i] {
			a = append(a, formLabels[i], v)
		}
	}
	if v := strings.TrimSpace(f.fields[fNetwork].Value()); v != "" {
		a = append(a, "--network", v)
	}
	a = append(a, f.image)
	return append(a, w[fCmd]...), nil
}

// line is the shell command line the form runs, each word quoted as a
// shell needs it.
func (f *runForm) line() (string, error) {
	a, err := f.args()
	if err != nil {
		return "", err
	}
	return "berth run " + strings.Join(quoteAll(a), " "), nil
}

// options are the engine's create options for the form; a bad -p says so.
func (f *runForm) options() (engine.CreateOptions, error) {
	w, err := f.parsed()
	if err != nil {
		return engine.CreateOptions{}, err
	}
	o := engine.CreateOptions{
		Name: strings.TrimSpace(f.fields[fName].Value()), Image: f.image, Cmd: w[fCmd],
		Env: w[fEnv], Tty: !f.d, OpenStdin: !f.d,
		Host: engine.HostConfig{AutoRemove: f.rm, Binds: w[fVolumes],
			NetworkMode: strings.TrimSpace(f.fields[fNetwork].Value())},
	}
	for _, p := range w[fPorts] {
		if o.Host.PortBindings == nil {
			o.Host.PortBindings = map[string][]engine.PortBinding{}
		}
		if err := engine.ParsePublish(p, o.Host.PortBindings); err != nil {
			return o, err
		}
	}
	for _, e := range o.Env {
		if !strings.Contains(e, "=") {
			return o, fmt.Errorf("-e %s: give KEY=VALUE (the workbench has no environment of its own to take %s from)", e, e)
		}
	}
	return o, nil
}

// key edits the form; it reports whether the form should run or close.
func (f *runForm) key(km *KeyMap, k tea.KeyPressMsg) (run, cancel bool) {
	if run, cancel, done := navigate(km, k, &f.focus, nFormRows); done {
		return run, cancel
	}
	switch f.focus {
	case fRm:
		if key.Matches(k, km.Toggle) {
			f.rm = !f.rm
		}
	case fDetach:
		if key.Matches(k, km.Toggle) {
			f.d = !f.d
		}
	default:
		f.fields[f.focus].ti, _ = f.fields[f.focus].ti.Update(k)
	}
	f.err = ""
	return
}

// paste puts pasted text into the focused field.
func (f *runForm) paste(p tea.PasteMsg) {
	if f.focus < fRm {
		f.fields[f.focus].paste(p)
		f.err = ""
	}
}

func (f *runForm) view(c *Common, height int) string {
	s := c.Styles
	lines := []string{s.Title.Render("run "+f.image) + s.Dim.Render(" · "+formHelp(c.KeyMap, "runs"))}
	for i := range nFormRows {
		label := fmt.Sprintf("%-10s", formLabels[i])
		var v string
		switch {
		case i == fRm:
			v = map[bool]string{true: "[x]", false: "[ ]"}[f.rm]
		case i == fDetach:
			v = map[bool]string{true: "[x]", false: "[ ]"}[f.d]
		case i == f.focus:
			v = f.fields[i].ti.View()
		default:
			v = f.fields[i].Value()
		}
		if i == f.focus {
			label = s.Key.Render("> " + label)
		} else {
			label = "  " + label
		}
		if i < fRm && f.fields[i].Value() == "" {
			v += s.Dim.Render(formHints[i])
		}
		lines = append(lines, cell(label+" "+v, c.Width))
	}
	if line, err := f.line(); err != nil {
		lines = append(lines, "", s.Error.Render(cell("✗ "+oneLine(err), c.Width)))
	} else {
		lines = append(lines, "", s.Dim.Render(cell("$ "+line, c.Width)))
	}
	if f.err != "" {
		lines = append(lines, s.Error.Render(cell("✗ "+f.err, c.Width)))
	}
	return pad(lines, height)
}

// runMsg is the end of creating and starting a container from the form.
type runMsg struct {
	line, ref string
	attach    bool
	err       error
}

// runImage creates and starts the container the form describes.
func runImage(e Engine, f *runForm, line string) tea.Cmd {
	o, err := f.options()
	attach := !f.d
	return func() tea.Msg {
		if err != nil {
			return runMsg{line: line, err: err}
		}
		id, err := e.Create(o)
		if err != nil {
			return runMsg{line: line, err: err}
		}
		ref := o.Name
		if ref == "" {
			ref = id[:min(12, len(id))]
		}
		if err := e.Start(context.Background(), id); err != nil {
			return runMsg{line: line, ref: ref, err: err}
		}
		return runMsg{line: line, ref: ref, attach: attach}
	}
}

// formKey handles a key on the run form.
func (a *App) formKey(k tea.KeyPressMsg) tea.Cmd {
	f := a.runForm
	run, cancel := f.key(a.c.KeyMap, k)
	switch {
	case cancel:
		a.runForm = nil
	case run:
		if _, err := f.options(); err != nil {
			f.err = oneLine(err)
			return nil
		}
		line, _ := f.line() // options parsed it already
		a.cmdlog.add(cmdLine{Berth: line})
		a.status, a.statusKind = "running "+f.image+"…", statusBusy
		return runImage(a.eng, f, line)
	}
	return nil
}

// ran closes the form on success (the new container is on the containers
// tab; without -d the terminal attaches to it) or shows why it failed.
func (a *App) ran(m runMsg) tea.Cmd {
	if m.err != nil {
		a.setStatus(oneLine(m.err), true)
		a.cmdlog.fail(m.line, "failed")
		if a.runForm != nil {
			a.runForm.err = oneLine(m.err)
		}
		return nil
	}
	a.runForm = nil
	a.tab = tabContainers
	a.setStatus("started "+m.ref, false)
	if m.attach {
		return runSession(a.eng, "attach", m.ref)
	}
	return nil
}
