package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	units "github.com/docker/go-units"
)

// layersLayout is where the Layers view's panes go. Wide: the layers
// over the efficiency on the left, the tree (or a diff) on the right.
// Narrow: the layers on top, the tree, the efficiency or a diff below
// (whichever has the focus; the tree otherwise).
type layersLayout struct {
	wide          bool
	leftW, rightW int
	layersH       int // each height counts its pane's title line
	detH          int // the layer-details pane; 0 when it is not shown
	effH, treeH   int
}

// wideLayers is the narrowest terminal the panes go side by side on.
const wideLayers = 110

// The layout puts the layer details (dive's "Layer Details") under the
// layers: always when wide, over the tree when narrow and the layers have
// the focus. It gets the lines its command needs, up to a third of the
// height when wide, two thirds of what the layers leave when narrow (and
// at least its title and two lines).
func (v *layersView) layout() layersLayout {
	h := max(v.height-1, 4) // the view's title line
	n := len(v.layers) + 1
	details := func(w, room int) int {
		need := len(v.layerDetails(w))
		if need == 0 {
			return 0
		}
		return min(need+1, max(room, 3))
	}
	if v.width >= wideLayers {
		left := min(max(v.width*2/5, 44), 72)
		lh := min(n, h/2)
		if v.an == nil {
			lh = h / 2
		}
		lh = max(lh, 3)
		dh := details(left, h/3)
		lh = max(min(lh, h-dh-4), 3)
		return layersLayout{wide: true, leftW: left, rightW: v.width - left - 1, layersH: lh, detH: dh, effH: h - lh - dh, treeH: h}
	}
	lh := max(min(n, h/3), 3)
	l := layersLayout{leftW: v.width, rightW: v.width, layersH: lh, effH: h - lh, treeH: h - lh}
	if v.focus == paneLayers && v.diff == nil {
		l.detH = details(v.width, (h-lh)*2/3) // the tree keeps its title, header and a few rows
		l.treeH -= l.detH
	}
	return l
}

// paneTitle is a pane's first line: reversed when it has the focus.
func paneTitle(s *Styles, focused bool, title string, w int) string {
	if focused {
		return cell(s.TabActive.Render(" "+title+" "), w)
	}
	t := s.Header.Render(" " + title + " ")
	return t + s.Border.Render(strings.Repeat("─", max(w-lipgloss.Width(t), 0)))
}

// kindStyles are the looks of the tree's kinds; without colour a letter
// says what the colour would.
type kindStyles struct {
	st      [numKinds]lipgloss.Style
	letters bool
}

func kindStylesOf(s *Styles) kindStyles {
	_, plain := s.Running.GetForeground().(lipgloss.NoColor)
	return kindStyles{st: [numKinds]lipgloss.Style{kindNone: s.Dim, kindUnmodified: s.Row,
		kindAdded: s.Running, kindModified: s.Paused, kindRemoved: s.Exited}, letters: plain}
}

func changeLetter(k int) string {
	switch k {
	case kindAdded:
		return "A"
	case kindModified:
		return "M"
	case kindRemoved:
		return "D"
	}
	return " "
}

func humanSize(n int64) string { return units.HumanSizeWithPrecision(float64(n), 3) }

// view is the whole view, exactly width×height.
func (v *layersView) view() string {
	v.fitWindows()
	s, l := v.c.Styles, v.layout()
	lines := []string{v.titleLine()}
	layers := v.layersPane(l.leftW, l.layersH)
	switch {
	case l.wide:
		left := append(layers, v.detailsPane(l.leftW, l.detH)...)
		left = append(left, v.efficiencyPane(l.leftW, l.effH)...)
		right := v.rightPane(l.rightW, l.treeH)
		sep := s.Border.Render("│")
		for i := range l.treeH {
			var a, b string
			if i < len(left) {
				a = left[i]
			}
			if i < len(right) {
				b = right[i]
			}
			lines = append(lines, cell(a, l.leftW)+sep+cell(b, l.rightW))
		}
	case v.focus == paneEfficiency:
		lines = append(lines, layers...)
		lines = append(lines, v.efficiencyPane(v.width, l.effH)...)
	default:
		lines = append(lines, layers...)
		lines = append(lines, v.detailsPane(v.width, l.detH)...)
		lines = append(lines, v.rightPane(v.width, l.treeH)...)
	}
	for i := range lines {
		lines[i] = cell(lines[i], v.width)
	}
	return pad(lines, v.height)
}

func (v *layersView) titleLine() string {
	s := v.c.Styles
	t := s.Title.Render(v.ref) + s.Dim.Render(" · layers")
	if v.layer() >= 0 {
		mode := " · changed in layer "
		if v.aggregate {
			mode = " · aggregated up to layer "
		}
		t += s.Dim.Render(mode) + s.Header.Render(fmt.Sprint(v.layer()))
	}
	var hidden []string
	for k, name := range [numKinds]string{kindAdded: "added", kindModified: "modified", kindRemoved: "removed", kindUnmodified: "unchanged"} {
		if v.filter.hide[k] {
			hidden = append(hidden, name)
		}
	}
	if len(hidden) > 0 {
		t += s.Dim.Render(" · hiding ") + s.Marked.Render(strings.Join(hidden, ", "))
	}
	if v.input.active || v.input.Value() != "" {
		t += s.Dim.Render(" · ") + v.input.view(s)
	}
	return cell(t, v.width)
}

func (v *layersView) layersPane(w, h int) []string {
	s := v.c.Styles
	title := "Layers"
	if d, n, ok := v.digest(); ok {
		title = fmt.Sprintf("Layers · %d · %s · +%d ~%d -%d", len(v.layers), shortDigest(d), n[0], n[1], n[2])
	}
	lines := []string{paneTitle(s, v.focus == paneLayers, title, w)}
	switch {
	case v.err != nil:
		return append(lines, s.Error.Render(oneLine(v.err)))
	case v.an == nil:
		return append(lines, s.Dim.Render("reading the layers…"))
	}
	from, to := v.lwin.visible(len(v.layers))
	for i := from; i < to; i++ {
		ly := v.an.Layers[v.layers[i]]
		line := cell(fmt.Sprintf("%3d %8s  %s", ly.Index, humanSize(ly.Size), createdBy(ly.CreatedBy)), w)
		if i == v.lwin.Cursor {
			line = s.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines[:min(len(lines), h)]
}

// detailsPane is the selected layer's details, h lines with the title;
// nothing when h is 0. The pane's height follows the command up to a
// third of the view; a command longer still says on its last line how
// many lines are left and where to read them whole.
func (v *layersView) detailsPane(w, h int) []string {
	if h <= 0 {
		return nil
	}
	lines := append([]string{paneTitle(v.c.Styles, false, "Layer details", w)}, v.layerDetails(w)...)
	if len(lines) > h {
		more := len(lines) - h + 1
		lines = lines[:h]
		lines[h-1] = v.c.Styles.Dim.Render(cell(fmt.Sprintf("         … %d more lines: berth history --no-trunc %s", more, v.ref), w))
	}
	return lines
}

// createdBy is a history entry's command as dive shows it, without the
// shell that ran it.
func createdBy(c string) string {
	c = strings.TrimSpace(strings.ReplaceAll(c, "\t", " "))
	c = strings.TrimPrefix(c, "/bin/sh -c #(nop) ")
	c = strings.TrimPrefix(c, "/bin/sh -c ")
	return visible(strings.TrimSpace(c))
}

func (v *layersView) efficiencyPane(w, h int) []string {
	s := v.c.Styles
	lines := []string{paneTitle(s, v.focus == paneEfficiency, "Image efficiency", w)}
	if v.an == nil {
		return lines
	}
	ef := v.an.Efficiency
	lines = append(lines,
		fmt.Sprintf("score %s · wasted %s · user wasted %s", s.Header.Render(fmt.Sprintf("%.1f %%", ef.Score*100)),
			s.Header.Render(humanSize(ef.WastedBytes)), s.Header.Render(fmt.Sprintf("%.1f %%", ef.UserWastedPercent*100))),
		s.Header.Render(cell(fmt.Sprintf("%5s %8s  %s", "COUNT", "WASTED", "PATH"), w)))
	if len(ef.Wasted) == 0 {
		lines = append(lines, s.Dim.Render("no path is in more than one layer"))
	}
	from, to := v.ewin.visible(len(ef.Wasted))
	for i := from; i < to; i++ {
		p := ef.Wasted[i]
		line := cell(fmt.Sprintf("%5d %8s  %s", p.Count, humanSize(p.Bytes), visible(p.Path)), w)
		if i == v.ewin.Cursor && v.focus == paneEfficiency {
			line = s.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	return lines[:min(len(lines), h)]
}

func (v *layersView) rightPane(w, h int) []string {
	if v.diff != nil {
		return v.diff.view(v.c.Styles, v.focus == paneDiff, w, h)
	}
	return v.treePane(w, h)
}

// treePane renders only the visible rows: the cost of a frame does not
// grow with the tree.
func (v *layersView) treePane(w, h int) []string {
	s := v.c.Styles
	title := "Files"
	if v.tree != nil {
		title = fmt.Sprintf("Files · %d shown", len(v.rows))
		if v.shown != v.key() {
			title += " · reading…"
		}
	}
	lines := []string{paneTitle(s, v.focus == paneTree, title, w)}
	if v.tree == nil {
		return append(lines, s.Dim.Render("reading…"))
	}
	if len(v.rows) == 0 {
		lines = append(lines, s.Dim.Render("nothing to show: the layer changes nothing, or all is hidden or filtered"))
	}
	ks := kindStylesOf(s)
	cols := treeColumns(w, v.tree.idW, ks.letters)
	lines = append(lines, s.Header.Render(cell(cols.header(ks.letters), w)))
	from, to := v.twin.visible(len(v.rows))
	for r := from; r < to; r++ {
		n := &v.tree.nodes[v.rows[r]]
		var b strings.Builder
		if ks.letters {
			b.WriteString(changeLetter(n.kind) + " ")
		}
		cols.cells(&b, n)
		size := ""
		if n.kind != kindRemoved {
			size = humanSize(n.size)
		}
		fmt.Fprintf(&b, "%8s  ", size)
		b.WriteString(strings.Repeat("  ", int(n.depth-1)))
		switch {
		case n.dir && v.filter.collapsed[n.entry.Path]:
			b.WriteString("▸ ")
		case n.dir:
			b.WriteString("▾ ")
		default:
			b.WriteString("  ")
		}
		b.WriteString(visible(n.name))
		if n.dir {
			b.WriteString("/")
		}
		if n.entry.Link != "" {
			b.WriteString(" → " + visible(n.entry.Link))
		}
		st := ks.st[n.kind]
		if r == v.twin.Cursor && v.focus == paneTree {
			st = st.Reverse(true)
		}
		lines = append(lines, st.Render(cell(b.String(), w)))
	}
	return lines[:min(len(lines), h)]
}
