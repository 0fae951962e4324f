package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Logs sends a container's log entries to fn, oldest first. With Follow it
// keeps reading as the container writes, until the container stops and its
// log is read to the end, or ctx ends.
func (e *Engine) Logs(ctx context.Context, ref string, o LogOptions, fn func(LogEntry) error) error {
	r, err := e.resolve(ref)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(e.containerDir(r.ID), "log.jsonl"), os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if o.Tail >= 0 {
		if err := seekTail(f, o.Tail); err != nil {
			return err
		}
	}
	rd := bufio.NewReader(f)
	var partial []byte
	emit := func(line []byte) error {
		var le LogEntry
		if json.Unmarshal(line, &le) != nil {
			return nil
		}
		if !o.Since.IsZero() && le.Time.Before(o.Since) {
			return nil
		}
		if !o.Until.IsZero() && le.Time.After(o.Until) {
			return nil
		}
		return fn(le)
	}
	for {
		line, err := rd.ReadBytes('\n')
		if err == nil {
			if len(partial) > 0 {
				line, partial = append(partial, line...), nil
			}
			if err := emit(line); err != nil {
				return err
			}
			continue
		}
		if err != io.EOF {
			return err
		}
		partial = append(partial, line...)
		if !o.Follow {
			return nil
		}
		st, serr := e.loadState(r.ID)
		if serr != nil || (!st.running() && !shimAlive(st)) {
			// The shim has flushed everything before recording the exit:
			// one more read to the end, then stop.
			rest, _ := io.ReadAll(rd)
			for _, l := range splitLines(append(partial, rest...)) {
				if err := emit(l); err != nil {
					return err
				}
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		out = append(out, b[:i])
		if i < len(b) {
			i++
		}
		b = b[i:]
	}
	return out
}

// seekTail positions f at the start of its last n lines, reading backwards
// in blocks so that a large log costs only what is shown.
func seekTail(f *os.File, n int) error {
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	const block = 64 * 1024
	buf := make([]byte, block)
	pos, lines := end, 0
	for pos > 0 {
		size := int64(block)
		if pos < size {
			size = pos
		}
		pos -= size
		if _, err := f.ReadAt(buf[:size], pos); err != nil && err != io.EOF {
			return err
		}
		for i := size - 1; i >= 0; i-- {
			if buf[i] != '\n' || pos+i == end-1 {
				continue
			}
			lines++
			if lines == n {
				_, err := f.Seek(pos+i+1, io.SeekStart)
				return err
			}
		}
	}
	_, err = f.Seek(0, io.SeekStart)
	return err
}
