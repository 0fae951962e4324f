package engine

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
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
	more := func() bool {
		// The shim has flushed everything before it records the exit.
		st, err := e.loadState(r.ID)
		return err == nil && (st.running() || shimAlive(st))
	}
	if !o.Follow {
		more = nil
	}
	return readLines(ctx, f, more, func(line []byte) error {
		var le LogEntry
		if json.Unmarshal(line, &le) != nil {
			return nil
		}
		if (!o.Since.IsZero() && le.Time.Before(o.Since)) || (!o.Until.IsZero() && le.Time.After(o.Until)) {
			return nil
		}
		return fn(le)
	})
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
