package engine

import (
	"bufio"
	"context"
	"errors"
	"io"
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
