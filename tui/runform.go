package tui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/berthdev/berth/engine"
)

// runForm is `berth run` for the selected image with the common flags:
// a field per flag, space toggles the yes/no ones, enter runs.
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
var formHints = []string{"empty: a generated name", "empty: the image's CMD", "KEY=VALUE ...",
	"[IP:]HOSTPORT:PORT ...", "VOLUME:/PATH or /HOST:/PATH ...", "empty: bridge", "space toggles", "space toggles; off runs it on this terminal"}

func newRunForm(image string) *runForm {
	f := &runForm{image: image, d: true}
	for i := range fRm {
		f.fields = append(f.fields, lineInput{prompt: formLabels[i] + " ", active: true})
	}
	return f
}

// args are the berth run flags and arguments the form says.
func (f *runForm) args() []string {
	a := []string{}
	if f.d {
		a = append(a, "-d")
	} else {
		a = append(a, "-it")
	}
	if f.rm {
		a = append(a, "--rm")
	}
	if v := strings.TrimSpace(f.fields[fName].value); v != "" {
		a = append(a, "--name", v)
	}
	for _, i := range []int{fEnv, fPorts, fVolumes} {
		for _, v := range strings.Fields(f.fields[i].value) {
			a = append(a, formLabels[i], v)
		}
	}
	if v := strings.TrimSpace(f.fields[fNetwork].value); v != "" {
		a = append(a, "--network", v)
	}
	a = append(a, f.image)
	return append(a, strings.Fields(f.fields[fCmd].value)...)
}

// options are the engine's create options for the form; a bad -p says so.
func (f *runForm) options() (engine.CreateOptions, error) {
	o := engine.CreateOptions{
		Name: strings.TrimSpace(f.fields[fName].value), Image: f.image, Cmd: strings.Fields(f.fields[fCmd].value),
		Env: strings.Fields(f.fields[fEnv].value), Tty: !f.d, OpenStdin: !f.d,
		Host: engine.HostConfig{AutoRemove: f.rm, Binds: strings.Fields(f.fields[fVolumes].value),
			NetworkMode: strings.TrimSpace(f.fields[fNetwork].value)},
	}
	for _, p := range strings.Fields(f.fields[fPorts].value) {
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
func (f *runForm) key(km *KeyMap, k string) (run, cancel bool) {
	if run, cancel, done := navigate(k, &f.focus, nFormRows); done {
		return run, cancel
	}
	switch f.focus {
	case fRm:
		if k == "space" {
			f.rm = !f.rm
		}
	case fDetach:
		if k == "space" {
			f.d = !f.d
		}
	default:
		f.fields[f.focus].key(km, k)
		f.fields[f.focus].active = true
	}
	f.err = ""
	return
}

func (f *runForm) view(c *Common, height int) string {
	s := c.Styles
	lines := []string{s.Title.Render("run "+f.image) + s.Dim.Render(" · tab/↓ next field · space toggles · enter runs · esc cancels")}
	for i := range nFormRows {
		label := fmt.Sprintf("%-10s", formLabels[i])
		var v string
		switch i {
		case fRm:
			v = map[bool]string{true: "[x]", false: "[ ]"}[f.rm]
		case fDetach:
			v = map[bool]string{true: "[x]", false: "[ ]"}[f.d]
		default:
			v = f.fields[i].value
		}
		if i == f.focus {
			label = s.Key.Render("> " + label)
			if i < fRm {
				v += "▏"
			}
		} else {
			label = "  " + label
		}
		if v == "" || v == "▏" {
			v += s.Dim.Render(formHints[i])
		}
		lines = append(lines, cell(label+" "+v, c.Width))
	}
	lines = append(lines, "", s.Dim.Render(cell("$ berth run "+strings.Join(quoteAll(f.args()), " "), c.Width)))
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
func (a *App) formKey(k string) tea.Cmd {
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
		line := "berth run " + strings.Join(quoteAll(f.args()), " ")
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
