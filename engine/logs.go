package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/berthdev/berth/internal/errdefs"
)

// Logs sends a container's log entries to fn, oldest first. With Follow it
// keeps reading as the container writes, until the container stops and its
// log is read to the end, or ctx ends.
func (e *Engine) Logs(ctx context.Context, ref string, o LogOptions, fn func(LogEntry) error) error {
	r, err := e.resolve(ref)
	if err != nil {
		return err
	}
	p, err := parseLogConfig(r.Host.LogConfig)
	if err != nil {
		return err
	}
	if p.none {
		return fmt.Errorf("container %s: configured logging driver does not support reading: %w", r.Name, errdefs.ErrFailedPrecondition)
	}
	path := filepath.Join(e.containerDir(r.ID), "log.jsonl")
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	cur := &followedLog{path: path, f: f}
	defer func() { cur.f.Close() }()
	entry := func(line []byte) error {
		var le LogEntry
		if json.Unmarshal(line, &le) != nil {
			return nil
		}
		if (!o.Since.IsZero() && le.Time.Before(o.Since)) || (!o.Until.IsZero() && le.Time.After(o.Until)) {
			return nil
		}
		return fn(le)
	}
	rotated, closeRotated := rotatedLogs(path, p)
	defer closeRotated()
	switch {
	case o.Tail >= 0 && len(rotated) > 0:
		// The last lines may start in a rotated file: keep a ring of
		// them over every file, the current one read to its end.
		ring := newLineRing(o.Tail)
		for _, rd := range append(rotated, f) {
			if err := readLines(ctx, rd, nil, ring.add); err != nil {
				return err
			}
		}
		if err := ring.each(entry); err != nil {
			return err
		}
	case o.Tail >= 0:
		if err := seekTail(f, o.Tail); err != nil {
			return err
		}
	default:
		for _, rd := range rotated {
			if err := readLines(ctx, rd, nil, entry); err != nil {
				return err
			}
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
	return readLines(ctx, cur, more, entry)
}

// followedLog reads the current log file and, at its end, moves on to the
// file that has taken its name since (a rotation), so that logs -f goes on
// across rotations.
type followedLog struct {
	path string
	f    *os.File
}

func (l *followedLog) Read(b []byte) (int, error) {
	n, err := l.f.Read(b)
	if err != io.EOF || n > 0 {
		return n, err
	}
	now, serr := os.Stat(l.path)
	was, ferr := l.f.Stat()
	if serr != nil || ferr != nil || os.SameFile(now, was) {
		return 0, io.EOF
	}
	next, oerr := os.Open(l.path)
	if oerr != nil {
		return 0, io.EOF
	}
	l.f.Close()
	l.f = next
	return l.f.Read(b)
}

// lineRing keeps the last n lines added.
type lineRing struct {
	lines [][]byte
	next  int
	full  bool
}

func newLineRing(n int) *lineRing { return &lineRing{lines: make([][]byte, n)} }

func (r *lineRing) add(line []byte) error {
	if len(r.lines) == 0 {
		return nil
	}
	r.lines[r.next] = append([]byte(nil), line...)
	r.next = (r.next + 1) % len(r.lines)
	r.full = r.full || r.next == 0
	return nil
}

func (r *lineRing) each(fn func([]byte) error) error {
	start, n := 0, r.next
	if r.full {
		start, n = r.next, len(r.lines)
	}
	for i := 0; i < n; i++ {
		if err := fn(r.lines[(start+i)%len(r.lines)]); err != nil {
			return err
		}
	}
	return nil
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
