package engine

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// eventLogMax is the size at which the current events file is rotated.
const eventLogMax = 8 << 20

// eventLog is the store's events: events.jsonl, the current file, and
// events.jsonl.1, the one before it. History is bounded to the two.
//
// Every append takes an exclusive flock on the current file, checks that
// the file it locked is still the one at the path (a rotation may have
// renamed it meanwhile; then it opens the new one and tries again), stamps
// the event's time, writes its line with one O_APPEND write and, when the
// file has reached max, renames it over events.jsonl.1 while still holding
// the lock. So events are in time order across both files, every event
// lands in exactly one file, and only the holder of the current file's lock
// can rotate it: two processes never rotate the same file.
//
// A reader takes a shared lock on the current file only while it opens the
// pair, so that no rotation separates them. Following, it notices at the
// end of its file that the path names another file: the rotation happened
// after the last write to its file, so it reads what is left there and goes
// on with the next. A follower more than a whole file behind loses the
// files rotated away before it got to them.
type eventLog struct {
	path string // events.jsonl
	max  int64  // rotate when the current file reaches this many bytes
}

func (l eventLog) prev() string { return l.path + ".1" }

// lockWait is how long an append waits for another process's append (a
// few microseconds, unless that process was stopped in the middle of
// one). After it, the line is written without the lock: it still lands
// whole in the file that was opened, and no operation hangs on events.
const lockWait = 2 * time.Second

// openCurrent opens the current file and takes how (LOCK_EX, LOCK_SH) on
// it, retrying until the locked file is still the one at the path. The
// returned bool says whether the lock was taken within lockWait.
func (l eventLog) openCurrent(flag, how int) (*os.File, bool, error) {
	deadline := time.Now().Add(lockWait)
	for {
		f, err := os.OpenFile(l.path, flag|os.O_CREATE, 0o600)
		if err != nil {
			return nil, false, err
		}
		locked := flockUntil(f, how, deadline)
		if !locked {
			return f, false, nil
		}
		if current(f, l.path) {
			return f, true, nil
		}
		f.Close()
	}
}

// flockUntil takes how on f, polling until deadline.
func flockUntil(f *os.File, how int, deadline time.Time) bool {
	delay := 50 * time.Microsecond
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		if err == nil {
			return true
		}
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			return false
		}
		time.Sleep(delay)
		if delay < 10*time.Millisecond {
			delay *= 2
		}
	}
}

// current says whether f is the file at path.
func current(f *os.File, path string) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	pi, err := os.Stat(path)
	return err == nil && os.SameFile(fi, pi)
}

// append stamps ev with the time and appends it, rotating the file when it
// has reached l.max.
func (l eventLog) append(ev Event) error {
	f, locked, err := l.openCurrent(os.O_WRONLY|os.O_APPEND, unix.LOCK_EX)
	if err != nil {
		return err
	}
	defer f.Close()
	now := time.Now()
	ev.Time, ev.TimeNano = now.Unix(), now.UnixNano()
	line, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		return err
	}
	if fi, err := f.Stat(); locked && err == nil && fi.Size() >= l.max {
		return os.Rename(l.path, l.prev())
	}
	return nil
}

// eventReader reads the log as one stream: files[0] is being read, the
// files after it follow, and the last is the current file, checked at its
// end for a rotation that makes a newer one current.
type eventReader struct {
	l     eventLog
	files []*os.File
}

// open starts reading both files from their start; seekTime and seekEnd
// then skip what is not wanted.
func (l eventLog) open() (*eventReader, error) {
	cur, _, err := l.openCurrent(os.O_RDONLY, unix.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer unix.Flock(int(cur.Fd()), unix.LOCK_UN)
	r := &eventReader{l: l}
	if prev, err := os.Open(l.prev()); err == nil {
		r.files = append(r.files, prev)
	}
	r.files = append(r.files, cur)
	return r, nil
}

// seekEnd skips everything written so far.
func (r *eventReader) seekEnd() error {
	for len(r.files) > 1 {
		r.files[0].Close()
		r.files = r.files[1:]
	}
	_, err := r.files[0].Seek(0, io.SeekEnd)
	return err
}

// seekTime skips, in each file, the lines of events before t, give or take
// a few lines. It reads a few blocks of each file, not the whole of it.
func (r *eventReader) seekTime(t time.Time) error {
	for _, f := range r.files {
		if err := seekTime(f, t, eventTime); err != nil {
			return err
		}
	}
	return nil
}

func eventTime(line []byte) (time.Time, bool) {
	var ev struct {
		TimeNano int64 `json:"timeNano"`
	}
	if json.Unmarshal(line, &ev) != nil || ev.TimeNano == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, ev.TimeNano), true
}

func (r *eventReader) Read(p []byte) (int, error) {
	for {
		n, err := r.files[0].Read(p)
		if n > 0 || err != io.EOF {
			return n, err
		}
		if len(r.files) > 1 {
			r.files[0].Close()
			r.files = r.files[1:]
			continue
		}
		next, err := r.successors()
		if err != nil {
			return 0, err
		}
		if len(next) == 0 {
			return 0, io.EOF
		}
		// Read what was written to this file before it was rotated, then
		// go on with the files after it.
		r.files = append(r.files, next...)
	}
}

// successors are the files written after r's last one, if it has been
// rotated: the current one, and the previous one too when that is not
// r's (rotated more than once since).
func (r *eventReader) successors() ([]*os.File, error) {
	last := r.files[len(r.files)-1]
	if current(last, r.l.path) {
		return nil, nil
	}
	cur, _, err := r.l.openCurrent(os.O_RDONLY, unix.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer unix.Flock(int(cur.Fd()), unix.LOCK_UN)
	if current(last, r.l.prev()) {
		return []*os.File{cur}, nil
	}
	prev, err := os.Open(r.l.prev())
	if err != nil {
		return []*os.File{cur}, nil
	}
	return []*os.File{prev, cur}, nil
}

// Close closes the files still open.
func (r *eventReader) Close() error {
	for _, f := range r.files {
		f.Close()
	}
	r.files = nil
	return nil
}
