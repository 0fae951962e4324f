package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// column is one column of a table: a fixed width, or a share of what is
// left (flex) with a minimum.
type column struct {
	Title string
	Width int // fixed width; 0 for a flexible column
	Flex  int // share of the remaining width
	Min   int // a flexible column narrower than this makes the table drop one
	Drop  int // columns are dropped highest Drop first; 0 is never dropped
}

// layout gives each column its width in cells (one space between columns).
// While a flexible column would be narrower than its Min, the column with
// the highest Drop goes (width 0), so a narrow terminal loses columns, not
// alignment.
func layout(cols []column, total int) []int { return layoutShown(cols, total, nil) }

// layoutShown is layout without the columns hidden says are off (width 0):
// what they would have taken goes to the flexible ones.
func layoutShown(cols []column, total int, hidden []bool) []int {
	on := make([]bool, len(cols))
	for i := range cols {
		on[i] = i >= len(hidden) || !hidden[i]
	}
	for {
		w := widths(cols, on, total)
		short := false
		for i, c := range cols {
			short = short || (on[i] && c.Flex > 0 && w[i] < c.Min)
		}
		drop := -1
		for i, c := range cols {
			if on[i] && c.Drop > 0 && (drop < 0 || c.Drop > cols[drop].Drop) {
				drop = i
			}
		}
		if !short || drop < 0 {
			return w
		}
		on[drop] = false
	}
}

// widths shares total among the columns that are on.
func widths(cols []column, on []bool, total int) []int {
	w := make([]int, len(cols))
	fixed, flex, n, last := 0, 0, 0, -1
	for i, c := range cols {
		if on[i] {
			n++
			fixed += c.Width
			flex += c.Flex
			if c.Flex > 0 {
				last = i
			}
		}
	}
	rest := max(total-fixed-(n-1), 0)
	used := 0
	for i, c := range cols {
		if !on[i] {
			continue
		}
		w[i] = c.Width
		if c.Flex > 0 {
			w[i] = rest * c.Flex / flex
		}
		used += w[i]
	}
	if last >= 0 {
		w[last] += max(total-(n-1)-used, 0) // the rounding remainder
	}
	return w
}

// cell pads or truncates s (which may hold escape codes) to exactly w cells.
func cell(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if sw := ansi.StringWidth(s); sw > w {
		return ansi.Truncate(s, w, "…")
	} else if sw < w {
		return s + strings.Repeat(" ", w-sw)
	}
	return s
}

// joinCells renders one row from per-column cells, skipping dropped columns.
func joinCells(cells []string, widths []int) string {
	var b strings.Builder
	first := true
	for i, c := range cells {
		if widths[i] == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(cell(c, widths[i]))
	}
	return b.String()
}

// window is a virtualised list position: the cursor and the first visible
// row. Only the rows in [Offset, Offset+Height) are ever rendered.
type window struct {
	Cursor, Offset, Height int
}

// clamp keeps the cursor within n rows and visible.
func (w *window) clamp(n int) {
	w.Cursor = min(max(w.Cursor, 0), max(n-1, 0))
	h := max(w.Height, 1)
	if w.Cursor < w.Offset {
		w.Offset = w.Cursor
	}
	if w.Cursor >= w.Offset+h {
		w.Offset = w.Cursor - h + 1
	}
	w.Offset = min(max(w.Offset, 0), max(n-h, 0))
}

// move applies a list navigation key; it reports whether k was one.
func (w *window) move(km *KeyMap, k tea.KeyPressMsg, n int) bool {
	switch {
	case key.Matches(k, km.Up):
		w.Cursor--
	case key.Matches(k, km.Down):
		w.Cursor++
	case key.Matches(k, km.PageUp):
		w.Cursor -= max(w.Height-1, 1)
	case key.Matches(k, km.PageDown):
		w.Cursor += max(w.Height-1, 1)
	case key.Matches(k, km.Top):
		w.Cursor = 0
	case key.Matches(k, km.Bottom):
		w.Cursor = n - 1
	default:
		return false
	}
	w.clamp(n)
	return true
}

// visible is the range of rows to render.
func (w window) visible(n int) (from, to int) {
	return w.Offset, min(w.Offset+max(w.Height, 0), n)
}

// pad fills a block of lines to exactly h lines.
func pad(lines []string, h int) string {
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines[:h], "\n")
}
