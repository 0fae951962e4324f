package tui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	units "github.com/docker/go-units"

	"github.com/berthdev/berth/engine"
)

// A file's diff in the Layers view: which layers touched the path
// (PathHistory), and how it differs between the newest of them at or
// below the selected layer and the version before (LayerDiff).

// diffKey names one diff: an image, a path, the layer it is seen from.
type diffKey struct {
	id, path string
	layer    int
}

// diffResult is what the engine said about one path.
type diffResult struct {
	events   []engine.PathEvent
	from, to int
	diff     *engine.FileDiff // nil when there is no earlier version
	note     string           // why there is no diff
}

// diffPane shows a diffResult, scrollable.
type diffPane struct {
	key   diffKey
	res   *diffResult // nil while reading
	lines []string
	win   window
}

// loadFileDiff reads a path's history and diffs its version at layer
// against the one before.
func loadFileDiff(e Engine, ref string, k diffKey) tea.Cmd {
	return func() tea.Msg {
		evs, err := e.PathHistory(ref, k.path)
		if err != nil {
			return fileDiffMsg{key: k, err: err}
		}
		at := -1
		for i, ev := range evs {
			if ev.Layer <= k.layer {
				at = i
			}
		}
		if at < 0 {
			return fileDiffMsg{key: k, err: fmt.Errorf("path %q: no layer up to %d has it", k.path, k.layer)}
		}
		r := &diffResult{events: evs, to: evs[at].Layer}
		switch {
		case at > 0:
			r.from = evs[at-1].Layer
		case r.to > 0:
			r.from = r.to - 1 // absent there: all of it is new
		default:
			r.from = 0
			r.note = "added by layer 0, the bottom one: there is no earlier version"
			return fileDiffMsg{key: k, d: r}
		}
		if r.diff, err = e.LayerDiff(ref, k.path, r.from, r.to); err != nil {
			return fileDiffMsg{key: k, err: err}
		}
		return fileDiffMsg{key: k, d: r}
	}
}

// diffLines are the lines the pane shows for r.
func diffLines(r *diffResult) []string {
	var touched []string
	for _, ev := range r.events {
		touched = append(touched, fmt.Sprintf("%d %s", ev.Layer, changeLetter(kindOf(ev.Change))))
	}
	lines := []string{"layers that touched it: " + strings.Join(touched, ", ")}
	d := r.diff
	switch {
	case r.note != "":
		lines = append(lines, r.note)
	case d.Binary && (d.Old == nil || d.New == nil):
		only, e := d.To, d.New
		if d.New == nil {
			only, e = d.From, d.Old
		}
		lines = append(lines, fmt.Sprintf("binary or large: only in layer %d: %s", only, describeEntry(e)))
	case d.Binary:
		same := "they differ"
		if d.Old.Digest == d.New.Digest && d.Old.Link == d.New.Link {
			same = "the same content"
		}
		lines = append(lines, "binary or large, or not a regular file: no text diff; "+same,
			fmt.Sprintf("layer %d: %s", d.From, describeEntry(d.Old)),
			fmt.Sprintf("layer %d: %s", d.To, describeEntry(d.New)))
	case d.Unified == "" && (d.Old == nil || d.New == nil):
		lines = append(lines, "an empty file, in only one of the two layers")
	case d.Unified == "":
		lines = append(lines, fmt.Sprintf("same content in layer %d and layer %d (the change is in metadata)", d.From, d.To))
	default:
		lines = append(lines, strings.Split(strings.TrimSuffix(d.Unified, "\n"), "\n")...)
	}
	return lines
}

// describeEntry is a file that has no text diff: its kind, size, digest
// or link.
func describeEntry(e *engine.FileEntry) string {
	switch {
	case e.Link != "":
		return fmt.Sprintf("%s → %s", e.Type, e.Link)
	case e.Type != "file":
		return string(e.Type)
	}
	return strings.TrimSpace(units.HumanSize(float64(e.Size)) + " " + shortDigest(e.Digest))
}

func shortDigest(d string) string {
	if d == "" {
		return ""
	}
	return "sha256:" + shortID(d)
}

// diffLine is the command line that prints the same diff.
func (r *diffResult) diffLine(ref, path string) cmdLine {
	return cmdLine{Berth: "berth layers diff " + shellQuote(ref) + " " + shellQuote(path) +
		" --from " + strconv.Itoa(r.from) + " --to " + strconv.Itoa(r.to), Docker: "-"}
}

// view renders the pane in w×h cells.
func (p *diffPane) view(s *Styles, focused bool, w, h int) []string {
	title := visible(p.key.path)
	if p.res != nil {
		title += fmt.Sprintf(" · layer %d → %d", p.res.from, p.res.to)
		if p.res.note != "" {
			title += fmt.Sprintf(" · layer %d", p.res.to)
		}
	}
	lines := []string{paneTitle(s, focused, title+" · esc closes", w)}
	if p.res == nil {
		return append(lines, s.Dim.Render("reading…"))
	}
	from, to := p.win.visible(len(p.lines))
	for i := from; i < to; i++ {
		l := p.lines[i]
		st := s.Row
		switch {
		case i == 0:
			st = s.Dim
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			st = s.Header
		case strings.HasPrefix(l, "@@"):
			st = s.JSONKey
		case strings.HasPrefix(l, "+"):
			st = s.Running
		case strings.HasPrefix(l, "-"):
			st = s.Exited
		}
		lines = append(lines, st.Render(cell(visible(strings.ReplaceAll(l, "\t", "    ")), w)))
	}
	return lines
}
