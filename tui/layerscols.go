package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/berthdev/berth/engine"
)

// The Layers view's file-tree columns, as dive's: Permission, UID:GID,
// Size, then the tree. When the pane is narrow the least useful goes
// first: UID:GID, then Permission; the size and the name always show.

// minTreeName is the fewest columns the tree column keeps before a
// metadata column is dropped.
const minTreeName = 24

// treeCols says which metadata columns a tree pane of some width shows.
type treeCols struct {
	perm, ids bool
	idW       int // the UID:GID column's width
}

// treeColumns chooses the columns for a pane w wide whose UID:GID values
// are at most idW wide; letters is the change-letter column of NO_COLOR.
func treeColumns(w, idW int, letters bool) treeCols {
	c := treeCols{idW: max(idW, len("UID:GID"))}
	name := w - 10 // size and its gap
	if letters {
		name -= 2
	}
	if name-11 >= minTreeName {
		c.perm, name = true, name-11
	}
	if c.perm && name-(c.idW+2) >= minTreeName {
		c.ids = true
	}
	return c
}

// header is the column titles over the tree.
func (c treeCols) header(letters bool) string {
	var b strings.Builder
	if letters {
		b.WriteString("  ")
	}
	if c.perm {
		fmt.Fprintf(&b, "%-10s ", "Permission")
	}
	if c.ids {
		fmt.Fprintf(&b, "%*s  ", c.idW, "UID:GID")
	}
	fmt.Fprintf(&b, "%8s  %s", "Size", "Filetree")
	return b.String()
}

// cells writes node n's metadata columns; a path only implied by what
// is under it, or removed, has no metadata of its own and shows blanks.
func (c treeCols) cells(b *strings.Builder, n *treeNode) {
	known := n.kind != kindNone && n.kind != kindRemoved && n.entry.Type != ""
	if c.perm {
		p := ""
		if known {
			p = n.entry.LsMode()
		}
		fmt.Fprintf(b, "%-10s ", p)
	}
	if c.ids {
		id := ""
		if known {
			id = ownerOf(n.entry)
		}
		fmt.Fprintf(b, "%*s  ", c.idW, id)
	}
}

// ownerOf is an entry's numeric owner as dive and ls -n show it: "0:0".
func ownerOf(e engine.FileEntry) string { return strconv.Itoa(e.UID) + ":" + strconv.Itoa(e.GID) }

// idWidth is the widest UID:GID of the tree's nodes.
func (t *layerTree) idWidth() int {
	w := 0
	for i := 1; i < len(t.nodes); i++ {
		if n := &t.nodes[i]; n.kind != kindNone && n.kind != kindRemoved && n.entry.Type != "" {
			w = max(w, len(ownerOf(n.entry)))
		}
	}
	return w
}

// layerDetails is dive's "Layer Details" for the selected layer, w wide:
// its digests, size, creation time and the full command that made it,
// wrapped, never cut.
func (v *layersView) layerDetails(w int) []string {
	if v.an == nil || v.lwin.Cursor >= len(v.layers) {
		return nil
	}
	s := v.c.Styles
	ly := v.an.Layers[v.layers[v.lwin.Cursor]]
	field := func(label, value string) []string {
		var out []string
		for i, l := range wrapWords(value, max(w-9, 8)) {
			if i == 0 {
				out = append(out, s.Header.Render(fmt.Sprintf("%-8s ", label))+l)
			} else {
				out = append(out, "         "+l)
			}
		}
		return out
	}
	created := "unknown"
	if !ly.Created.IsZero() {
		created = ly.Created.UTC().Format(time.DateTime + " UTC")
	}
	var lines []string
	lines = append(lines, field("Digest", visible(ly.Digest))...)
	if ly.DiffID != "" && ly.DiffID != ly.Digest {
		lines = append(lines, field("DiffID", visible(ly.DiffID))...)
	}
	lines = append(lines, field("Size", humanSize(ly.Size)+" · created "+created)...)
	by := visible(strings.TrimSpace(strings.ReplaceAll(ly.CreatedBy, "\t", " ")))
	if by == "" {
		by = "(no history entry names it)"
	}
	lines = append(lines, field("Command", by)...)
	return lines
}

// wrapWords breaks s into lines of at most w columns at spaces only: a
// command's "--no-install-recommends" must not read as "--no-" and
// "install-recommends" (ansi.Wrap also breaks at hyphens). A word longer
// than a line, a digest, is broken hard.
func wrapWords(s string, w int) []string {
	var out []string
	line := ""
	for _, word := range strings.Fields(s) {
		for ansi.StringWidth(word) > w {
			if line != "" {
				out, line = append(out, line), ""
			}
			out = append(out, ansi.Cut(word, 0, w))
			word = ansi.Cut(word, w, ansi.StringWidth(word))
		}
		switch {
		case line == "":
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= w:
			line += " " + word
		default:
			out, line = append(out, line), word
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	return out
}

// visible is text from an image (a path, a link target, a history
// command, a file's lines) as the terminal may be given it: every control
// character, ESC and the C1 controls included, becomes "?", as ls -q
// shows names. An image is untrusted: its bytes must not move the cursor,
// retitle the terminal or fake other rows.
func visible(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}
