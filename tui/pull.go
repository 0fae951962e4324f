package tui

import (
	"charm.land/bubbles/v2/key"
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	units "github.com/docker/go-units"

	"github.com/berthdev/berth/engine"
)

// pullView is `berth pull` (or `berth push`) on the Images tab: a form
// (reference, --platform for a pull, --insecure-registry), then the
// transfer's progress, one line per layer and an overall line. The
// transfer runs as a job; esc or ctrl+c cancels it. On success the view
// closes and the list selects the image; on failure it stays, the error in
// the status bar, and esc goes back to the form.
type pullView struct {
	verb   string // "pull" or "push"
	form   smallForm
	job    *pullJob // nil while the form is shown
	ref    string
	line   string // the command log's berth line of the pull
	order  []string
	layers map[string]engine.TransferProgress
	failed error
}

type (
	pullJob = job[engine.TransferProgress, transferDone]
	pullMsg = jobMsg[engine.TransferProgress, transferDone]
)

// transferDone is how a pull or push ended: the status line, and the
// image the list then selects.
type transferDone struct {
	status, imageID string
}

// The pull form's rows; the push form has pRef and pInsecure only (last).
const (
	pRef = iota
	pPlatform
)

func newPullView() *pullView {
	return &pullView{verb: "pull", form: smallForm{title: "pull an image", fields: []formField{
		{label: "image", hint: "NAME[:TAG|@DIGEST], e.g. 127.0.0.1:5000/busybox"},
		{label: "--platform", hint: "empty: the host's"},
		{label: "--insecure-registry", toggle: true, hint: "reach its registry over plain HTTP"},
	}}}
}

// newPushView is the push form for the image named ref: the name says the
// registry it goes to.
func newPushView(ref string) *pullView {
	return &pullView{verb: "push", form: smallForm{title: "push an image", fields: []formField{
		{label: "image", value: ref, hint: "REGISTRY/NAME[:TAG], e.g. 127.0.0.1:5000/busybox (tag it first with T)"},
		{label: "--insecure-registry", toggle: true, hint: "reach its registry over plain HTTP"},
	}}}
}

// insecure is the --insecure-registry toggle, the form's last row.
func (v *pullView) insecure() bool { return v.form.fields[len(v.form.fields)-1].on }

// registryHost is the registry part of an image reference, by docker's
// rule: a first path component with a dot or a colon, or localhost.
func registryHost(ref string) string {
	first, _, ok := strings.Cut(ref, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first
	}
	return "docker.io"
}

// command is the berth (and docker) line the form says.
func (v *pullView) command() cmdLine {
	f := &v.form
	var flags []string
	if p := f.text(pPlatform); v.verb == "pull" && p != "" {
		flags = append(flags, "--platform", p)
	}
	ref := shellQuote(f.text(pRef))
	if f.text(pRef) == "" {
		ref = "NAME"
	}
	docker := "docker " + v.verb + " " + strings.Join(append(quoteAll(flags), ref), " ")
	if v.insecure() {
		flags = append(flags, "--insecure-registry", registryHost(f.text(pRef)))
	}
	c := cmdLine{Berth: "berth " + v.verb + " " + strings.Join(append(quoteAll(flags), ref), " ")}
	if v.insecure() {
		c.Docker = docker // docker's insecure registries are the daemon's
	}
	return c
}

// options are the engine's options for the form (Progress is the job's).
func (v *pullView) options() engine.RegistryOptions {
	var o engine.RegistryOptions
	if v.verb == "pull" {
		o.Platform = v.form.text(pPlatform)
	}
	if v.insecure() {
		o.Insecure = []string{registryHost(v.form.text(pRef))}
	}
	return o
}

// apply takes one progress event.
func (v *pullView) apply(p engine.TransferProgress) {
	if _, ok := v.layers[p.ID]; !ok {
		v.order = append(v.order, p.ID)
	}
	v.layers[p.ID] = p
}

// transferState is a layer's state in words.
func transferState(p engine.TransferProgress) string {
	switch p.Action {
	case "Waiting":
		return "waiting"
	case "Downloading":
		if p.Total > 0 && p.Current >= p.Total {
			return "verifying" // every byte is in: the digests are checked
		}
		return "downloading"
	case "Download complete", "Pushed":
		return "done"
	case "Already exists", "Layer already exists":
		return "already exists"
	}
	return strings.ToLower(p.Action)
}

// bar is a progress bar of w cells between brackets, docker's way.
func progressBar(done, total int64, w int) string {
	n := 0
	if total > 0 {
		n = int(int64(w) * min(max(done, 0), total) / total)
	}
	s := strings.Repeat("=", n)
	if n < w {
		s += ">" + strings.Repeat(" ", w-n-1)
	}
	return "[" + s + "]"
}

func byteSize(n int64) string { return units.HumanSizeWithPrecision(float64(n), 3) }

func (v *pullView) view(c *Common, height int) string {
	if v.job == nil {
		return v.form.view(c, height, v.command().Berth)
	}
	s := c.Styles
	head := s.Title.Render(v.verb + " " + v.ref)
	title := head + s.Dim.Render(" · esc cancels")
	switch {
	case v.failed != nil:
		title = head + s.Error.Render(" failed") + s.Dim.Render(" · esc back to the form")
	case v.job.cancelled:
		title = head + s.Dim.Render(" · cancelling…")
	}
	var cur, total int64
	done := 0
	for _, id := range v.order {
		p := v.layers[id]
		cur, total = cur+min(p.Current, p.Total), total+p.Total
		if st := transferState(p); st == "done" || st == "already exists" {
			done++
		}
	}
	barW := min(max(c.Width-58, 10), 50)
	overall := fmt.Sprintf("%d of %d layers done · %s / %s", done, len(v.order), byteSize(cur), byteSize(total))
	if len(v.order) == 0 {
		overall = "resolving the manifest…"
		if v.verb == "push" {
			overall = "reading the image…"
		}
	} else if total > 0 {
		overall += fmt.Sprintf("  %s %d%%", progressBar(cur, total, barW), int(100*cur/total))
	}
	lines := []string{cell(title, c.Width)}
	if v.failed == nil || len(v.order) > 0 {
		lines = append(lines, cell(overall, c.Width))
	}
	if v.failed != nil {
		lines = append(lines, s.Error.Render(cell("✗ "+oneLine(v.failed), c.Width)))
	}
	if len(v.order) > 0 {
		lines = append(lines, s.Header.Render(cell(fmt.Sprintf("%-12s  %-14s  PROGRESS", "LAYER", "STATE"), c.Width)))
	}
	for _, id := range v.order {
		p := v.layers[id]
		st := transferState(p)
		line := fmt.Sprintf("%-12s  %-14s  %s  %s / %s", id, st, progressBar(p.Current, p.Total, barW), byteSize(min(p.Current, p.Total)), byteSize(p.Total))
		switch st {
		case "done", "already exists":
			line = s.Info.Render(line)
		case "waiting":
			line = s.Dim.Render(line)
		}
		lines = append(lines, cell(line, c.Width))
	}
	return pad(lines, height)
}

// pullKey handles a key while the pull view is in front; it reports
// whether it took the key (a running pull lets the global keys through).
func (a *App) pullKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	v, km := a.pull, a.c.KeyMap
	if v.job == nil {
		submit, cancel := v.form.key(km, k)
		switch {
		case cancel:
			a.pull = nil
		case submit && v.form.text(pRef) == "":
			v.form.err = "give an image reference"
		case submit:
			return a.startPull(v), true
		}
		return nil, true
	}
	running := v.failed == nil
	switch {
	case running && key.Matches(k, km.Abort):
		a.abortJob(v.job.cancelled, v.job.stop, v.verb+" of "+v.ref, func() { a.pull = nil })
		return nil, true
	case !running && key.Matches(k, km.Back):
		v.job, v.failed = nil, nil
		return nil, true
	}
	return nil, !globalKey(km, k)
}

// globalKey reports whether k is one of the keys that work in front of
// any panel: quit, help, the command log and the tabs.
func globalKey(km *KeyMap, k tea.KeyPressMsg) bool {
	return key.Matches(k, km.Quit, km.Help, km.CommandLog, km.NextTab, km.PrevTab, km.Containers, km.Images, km.Volumes, km.Networks)
}

// startPull starts the pull or push the form says, and logs its command.
func (a *App) startPull(v *pullView) tea.Cmd {
	c := v.command()
	a.cmdlog.add(c)
	v.ref, v.line, v.order, v.layers, v.failed = v.form.text(pRef), c.Berth, nil, map[string]engine.TransferProgress{}, nil
	ref, opts, eng, verb := v.ref, v.options(), a.eng, v.verb
	j, cmd := startJob(a.ctx, func(ctx context.Context, report func(engine.TransferProgress)) (transferDone, error) {
		opts.Progress = report
		if verb == "push" {
			r, err := eng.Push(ctx, ref, opts)
			if err != nil {
				return transferDone{}, err
			}
			return transferDone{status: fmt.Sprintf("pushed %s: digest: %s size: %d", r.Ref, r.Digest, r.Size)}, nil
		}
		r, err := eng.Pull(ctx, ref, opts)
		if err != nil {
			return transferDone{}, err
		}
		if r.UpToDate {
			return transferDone{status: r.Ref + " is up to date", imageID: r.ID}, nil
		}
		return transferDone{status: "pulled " + r.Ref, imageID: r.ID}, nil
	})
	v.job = j
	return a.jobStarted(cmd, v.verb+"ing "+ref+"…")
}

// pulled applies a batch of the pull's progress, and its end.
func (a *App) pulled(m pullMsg) tea.Cmd {
	v := a.pull
	if v == nil {
		return nil // a pull the user left: nothing shows it
	}
	more, ended := m.follow(v.job, v.apply)
	if !ended {
		return more
	}
	j := m.j
	switch {
	case j.err == nil:
		a.pull = nil
		a.pickImage = j.res.imageID
		a.setStatus(j.res.status, false)
		return listImages(a.eng)
	case j.stopped():
		a.pull = nil
		a.jobEnded(j.err, v.verb+" of "+v.ref, v.line, true)
	default:
		v.failed = j.err
		a.jobEnded(j.err, v.verb+" of "+v.ref, v.line, false)
	}
	return nil
}

// pick selects the image with ID id (its first row), or the row of the
// tag id, when the list has it.
func (p *imagesPanel) pick(id string) bool {
	for i, im := range p.list {
		if im.ID == id || len(im.RepoTags) > 0 && im.RepoTags[0] == id {
			p.win.Cursor = i
			p.win.clamp(len(p.list))
			return true
		}
	}
	return false
}
