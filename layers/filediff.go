package layers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/berthdev/berth/internal/errdefs"
)

// maxTextDiff is the largest file diffed line by line; larger ones are
// compared by size and digest only, so memory stays bounded.
const maxTextDiff = 8 << 20

// FileDiff is how one path differs between two layers of an image.
type FileDiff struct {
	Path    string     `json:"path"`
	From    int        `json:"from"`
	To      int        `json:"to"`
	Old     *FileEntry `json:"old"` // nil when absent at From
	New     *FileEntry `json:"new"` // nil when absent at To
	Binary  bool       `json:"binary"`
	Unified string     `json:"unified,omitempty"` // for text: a unified diff, "" when equal
}

// DiffFile compares path p as it stands after layer from with the same
// path after layer to: a unified diff for text, size and digest for
// anything else.
func (s *Store) DiffFile(img *Image, p string, from, to int) (*FileDiff, error) {
	p = CleanPath(p)
	d := &FileDiff{Path: p, From: from, To: to}
	var texts [2][]byte
	for i, layer := range []int{from, to} {
		e, err := s.lookup(img, layer, p)
		if errdefs.Is(err, errdefs.ErrNotFound) && checkLayer(img, layer) == nil {
			continue
		}
		if err != nil {
			return nil, err
		}
		if e.Type == TypeFile || e.Type == TypeHardlink {
			var buf bytes.Buffer
			h := sha256.New()
			lw := &limitWriter{w: &buf, n: maxTextDiff}
			if err := s.readContent(img, e, io.MultiWriter(h, lw)); err != nil {
				return nil, err
			}
			c := *e
			c.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
			e = &c
			if lw.over || !isText(buf.Bytes()) {
				d.Binary = true
			} else {
				texts[i] = buf.Bytes()
			}
		} else {
			d.Binary = true
		}
		if i == 0 {
			d.Old = e
		} else {
			d.New = e
		}
	}
	if d.Old == nil && d.New == nil {
		return nil, fmt.Errorf("path %q: in neither layer %d nor layer %d: %w", p, from, to, errdefs.ErrNotFound)
	}
	if !d.Binary {
		d.Unified = unifiedDiff(fmt.Sprintf("a%s (layer %d)", p, from), fmt.Sprintf("b%s (layer %d)", p, to),
			splitLines(string(texts[0])), splitLines(string(texts[1])))
	}
	return d, nil
}

// limitWriter keeps the first n bytes and notes whether there were more.
type limitWriter struct {
	w    io.Writer
	n    int64
	over bool
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.over || int64(len(p)) > l.n {
		l.over = true
		return len(p), nil
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}

func isText(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// edit is one line of an edit script: ' ' kept, '-' deleted, '+' inserted.
type edit struct {
	op   byte
	line string
}

// myers returns the shortest edit script from a to b (Myers, 1986).
func myers(a, b []string) []edit {
	n, m := len(a), len(b)
	maxD := n + m
	v := make([]int, 2*maxD+2)
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		if d*len(v) > 1<<25 { // too different to be worth the memory: replace all
			return replaceAll(a, b)
		}
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[maxD+k-1] < v[maxD+k+1]) {
				x = v[maxD+k+1]
			} else {
				x = v[maxD+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[maxD+k] = x
			if x >= n && y >= m {
				return backtrack(trace, a, b, d, maxD)
			}
		}
	}
	return nil
}

func replaceAll(a, b []string) []edit {
	var out []edit
	for _, l := range a {
		out = append(out, edit{'-', l})
	}
	for _, l := range b {
		out = append(out, edit{'+', l})
	}
	return out
}

func backtrack(trace [][]int, a, b []string, d, maxD int) []edit {
	x, y := len(a), len(b)
	var out []edit
	for ; d > 0; d-- {
		v := trace[d]
		k := x - y
		var pk int
		if k == -d || (k != d && v[maxD+k-1] < v[maxD+k+1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := v[maxD+pk]
		py := px - pk
		for x > px && y > py {
			x, y = x-1, y-1
			out = append(out, edit{' ', a[x]})
		}
		if x == px {
			y--
			out = append(out, edit{'+', b[y]})
		} else {
			x--
			out = append(out, edit{'-', a[x]})
		}
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		out = append(out, edit{' ', a[x]})
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// unifiedDiff formats the difference of two line lists as `diff -u` does,
// three lines of context; "" when they are equal.
func unifiedDiff(nameA, nameB string, a, b []string) string {
	es := myers(a, b)
	var sb strings.Builder
	const ctx = 3
	i := 0
	lineA, lineB := 1, 1
	for i < len(es) {
		if es[i].op == ' ' {
			i, lineA, lineB = i+1, lineA+1, lineB+1
			continue
		}
		if sb.Len() == 0 {
			fmt.Fprintf(&sb, "--- %s\n+++ %s\n", nameA, nameB)
		}
		start := max(0, i-ctx)
		// extend the hunk while changes are within 2*ctx of each other
		end, gap := i, 0
		for j := i; j < len(es) && gap <= 2*ctx; j++ {
			if es[j].op == ' ' {
				gap++
			} else {
				gap, end = 0, j
			}
		}
		end = min(len(es), end+ctx+1)
		sa, sb2 := lineA-(i-start), lineB-(i-start)
		var na, nb int
		var body strings.Builder
		for _, e := range es[start:end] {
			if e.op != '+' {
				na++
			}
			if e.op != '-' {
				nb++
			}
			line := e.line
			if !strings.HasSuffix(line, "\n") {
				line += "\n\\ No newline at end of file\n"
			}
			body.WriteString(string(e.op) + line)
		}
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n%s", hunkRange(sa, na), hunkRange(sb2, nb), body.String())
		for _, e := range es[i:end] {
			if e.op != '+' {
				lineA++
			}
			if e.op != '-' {
				lineB++
			}
		}
		i = end
	}
	return sb.String()
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start-1)
	}
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
