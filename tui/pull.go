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

// pullView is `berth pull` on the Images tab: a form (reference,
// --platform, --insecure-registry), then the pull's progress, one line per
// layer and an overall line. The pull runs as a job; esc or ctrl+c cancels
// it. On success the view closes and the list selects the new image; on
// failure it stays, the error in the status bar, and esc goes back to the
// form.
type pullView struct {
	form   smallForm
	job    *pullJob // nil while the form is shown
	ref    string
	line   string // the command log's berth line of the pull
	order  []string
	layers map[string]engine.TransferProgress
	failed error
}

type (
	pullJob = job[engine.TransferProgress, *engine.PullResult]
	pullMsg = jobMsg[engine.TransferProgress, *engine.PullResult]
)

// The pull form's rows.
const (
	pRef = iota
	pPlatform
	pInsecure
)

func newPullView() *pullView {
	return &pullView{form: smallForm{title: "pull an image", fields: []formField{
		{label: "image", hint: "NAME[:TAG|@DIGEST], e.g. 127.0.0.1:5000/busybox"},
		{label: "--platform", hint: "empty: the host's"},
		{label: "--insecure-registry", toggle: true, hint: "reach its registry over plain HTTP"},
	}}}
}

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
	if p := f.text(pPlatform); p != "" {
		flags = append(flags, "--platform", p)
	}
	ref := shellQuote(f.text(pRef))
	if f.text(pRef) == "" {
		ref = "NAME"
	}
	docker := "docker pull " + strings.Join(append(quoteAll(flags), ref), " ")
	if f.fields[pInsecure].on {
		flags = append(flags, "--insecure-registry", registryHost(f.text(pRef)))
	}
	c := cmdLine{Berth: "berth pull " + strings.Join(append(quoteAll(flags), ref), " ")}
	if f.fields[pInsecure].on {
		c.Docker = docker // docker's insecure registries are the daemon's
	}
	return c
}

// options are the engine's options for the form (Progress is the job's).
func (v *pullView) options() engine.RegistryOptions {
	o := engine.RegistryOptions{Platform: v.form.text(pPlatform)}
	if v.form.fields[pInsecure].on {
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
	case "Download complete":
		return "done"
	case "Already exists":
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
	title := s.Title.Render("pull "+v.ref) + s.Dim.Render(" · esc cancels")
	switch {
	case v.failed != nil:
		title = s.Title.Render("pull "+v.ref) + s.Error.Render(" failed") + s.Dim.Render(" · esc back to the form")
	case v.job.cancelled:
		title = s.Title.Render("pull "+v.ref) + s.Dim.Render(" · cancelling…")
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
		if v.job.cancelled { // asked before: leave it to end on its own
			a.pull = nil
			a.setStatus("pull of "+v.ref+" cancelled", false)
			return nil, true
		}
		v.job.stop()
		a.status, a.statusKind = "cancelling the pull of "+v.ref+"…", statusBusy
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

// startPull starts the pull the form says, and logs its command.
func (a *App) startPull(v *pullView) tea.Cmd {
	c := v.command()
	a.cmdlog.add(c)
	v.ref, v.line, v.order, v.layers, v.failed = v.form.text(pRef), c.Berth, nil, map[string]engine.TransferProgress{}, nil
	ref, opts, eng := v.ref, v.options(), a.eng
	j, cmd := startJob(a.ctx, func(ctx context.Context, report func(engine.TransferProgress)) (*engine.PullResult, error) {
		opts.Progress = report
		return eng.Pull(ctx, ref, opts)
	})
	v.job = j
	a.pickImage = ""
	a.status, a.statusKind = "pulling "+ref+"…", statusBusy
	return cmd
}

// pulled applies a batch of the pull's progress, and its end.
func (a *App) pulled(m pullMsg) tea.Cmd {
	v := a.pull
	if v == nil || v.job != m.j {
		return nil // a pull the user left: nothing shows it
	}
	if more := m.apply(v.apply); more != nil {
		return more
	}
	j := m.j
	switch {
	case j.err == nil:
		a.pull = nil
		a.pickImage = j.res.ID
		if j.res.UpToDate {
			a.setStatus(j.res.Ref+" is up to date", false)
		} else {
			a.setStatus("pulled "+j.res.Ref, false)
		}
		return listImages(a.eng)
	case j.stopped():
		a.pull = nil
		a.setStatus("pull of "+v.ref+" cancelled", false)
		a.cmdlog.fail(v.line, "cancelled")
	default:
		v.failed = j.err
		a.setStatus(oneLine(j.err), true)
		a.cmdlog.fail(v.line, "failed")
	}
	return nil
}

// pick selects the image with ID id, when the list has it.
func (p *imagesPanel) pick(id string) bool {
	for i, im := range p.list {
		if im.ID == id {
			p.win.Cursor = i
			p.win.clamp(len(p.list))
			return true
		}
	}
	return false
}

// imageJobKey opens the pull and build forms (p, B on the images list)
// and hands keys to the one in front; it reports whether it took the key.
func (a *App) imageJobKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	if a.tab != tabImages || a.inDetail || a.help {
		return nil, false
	}
	switch {
	case a.pull != nil:
		return a.pullKey(k)
	case a.build != nil:
		return a.buildKey(k)
	case a.images.history != nil:
		return nil, false
	case key.Matches(k, a.c.KeyMap.Pull):
		a.pull = newPullView()
		return nil, true
	case key.Matches(k, a.c.KeyMap.Build):
		a.build = newBuildView()
		return nil, true
	}
	return nil, false
}
