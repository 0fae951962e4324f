package engine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// errStopReading ends readLines early without an error.
var errStopReading = errors.New("stop reading")

// readLines calls fn with each complete line of rd, which another process
// may still be appending to. At the end of what is written so far, more
// says whether to wait for further lines; when it says no, the lines
// written meanwhile are read too, then readLines returns. A nil more reads
// to the current end only. A partial last line waits for its newline.
func readLines(ctx context.Context, rd io.Reader, more func() bool, fn func([]byte) error) error {
	br := bufio.NewReader(rd)
	var partial []byte
	final := false
	for {
		line, err := br.ReadBytes('\n')
		if err == nil {
			if len(partial) > 0 {
				line, partial = append(partial, line...), nil
			}
			if err := fn(line); err != nil {
				if err == errStopReading {
					return nil
				}
				return err
			}
			continue
		}
		if err != io.EOF {
			return err
		}
		partial = append(partial, line...)
		if final || more == nil {
			return nil
		}
		if !more() {
			final = true // one more pass for what was written before we looked
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// probeSize is how much seekTime reads to find one line, and how close to
// the first line at or after its time it stops searching.
const probeSize = 16 << 10

// seekTime positions f, a file of lines in time order, at or a little
// before its first line at or after t: at the start of a line before t, so
// no later line is skipped. Looking back from the end in growing steps,
// then halving, it reads a few blocks, fewer the nearer t is to the end.
// A line whose time cannot be read counts as not before t.
func seekTime(f *os.File, t time.Time, timeOf func([]byte) (time.Time, bool)) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	buf := make([]byte, probeSize)
	// before finds the first line starting at or after off and says
	// whether it is before t.
	before := func(off int64) (int64, bool) {
		from := off
		if off > 0 {
			from-- // a line starts at off if the byte before it is a newline
		}
		n, err := f.ReadAt(buf, from)
		if err != nil && err != io.EOF {
			return off, false
		}
		b := buf[:n]
		start := from
		if off > 0 {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				return off, false
			}
			b, start = b[i+1:], from+int64(i)+1
		}
		end := bytes.IndexByte(b, '\n')
		if end < 0 {
			return start, false
		}
		lt, ok := timeOf(b[:end])
		return start, ok && lt.Before(t)
	}
	// lo is 0 or the start of a line before t; no line before t starts at
	// or after hi.
	lo, hi := int64(0), size
	for step := int64(probeSize); step < size; step *= 8 {
		if s, yes := before(size - step); yes {
			lo = s
			break
		}
		hi = size - step
	}
	for hi-lo > probeSize {
		mid := lo + (hi-lo)/2
		if s, yes := before(mid); yes && s < hi {
			lo = s
		} else {
			hi = mid
		}
	}
	_, err = f.Seek(lo, io.SeekStart)
	return err
}
