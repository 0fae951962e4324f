package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/berthdev/berth/engine"
)

// transferProgress shows pull and push progress as docker does: on a
// terminal one line per layer, redrawn in place with a bar; otherwise one
// plain line each time a layer changes state.
type transferProgress struct {
	w      io.Writer
	tty    bool
	width  int
	order  []string
	last   map[string]engine.TransferProgress
	drawn  int // lines drawn by the last redraw
	silent bool
}

func newTransferProgress(quiet bool) *transferProgress {
	return newTransferProgressTo(os.Stdout, quiet)
}

// newTransferProgressTo draws on w: redrawn bars when w is a terminal.
func newTransferProgressTo(w io.Writer, quiet bool) *transferProgress {
	p := &transferProgress{w: w, last: map[string]engine.TransferProgress{}, silent: quiet}
	if f, ok := w.(*os.File); ok {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil {
			p.tty, p.width = true, width
		}
	}
	return p
}

// update is the engine's RegistryOptions.Progress.
func (p *transferProgress) update(u engine.TransferProgress) {
	if p.silent {
		return
	}
	prev, seen := p.last[u.ID]
	if !seen {
		p.order = append(p.order, u.ID)
	}
	p.last[u.ID] = u
	if p.tty {
		p.redraw()
		return
	}
	if !seen || prev.Action != u.Action {
		fmt.Fprintf(p.w, "%s: %s\n", u.ID, u.Action)
	}
}

func (p *transferProgress) redraw() {
	if p.drawn > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA", p.drawn)
	}
	for _, id := range p.order {
		fmt.Fprintf(p.w, "\x1b[2K%s\n", p.line(p.last[id]))
	}
	p.drawn = len(p.order)
}

// line is one layer's line: "a1b2c3d4e5f6: Downloading [===>   ] 1.2MB/4.5MB".
func (p *transferProgress) line(u engine.TransferProgress) string {
	s := u.ID + ": " + u.Action
	if (u.Action == "Downloading" || u.Action == "Pushing") && u.Total > 0 {
		const barWidth = 40
		n := int(int64(barWidth) * u.Current / u.Total)
		n = min(max(n, 0), barWidth)
		bar := strings.Repeat("=", n)
		if n < barWidth {
			bar += ">" + strings.Repeat(" ", barWidth-n-1)
		}
		s += fmt.Sprintf(" [%s] %s/%s", bar, humanSize(u.Current), humanSize(u.Total))
	}
	if p.width > 0 && len(s) >= p.width {
		s = s[:p.width-1]
	}
	return s
}
