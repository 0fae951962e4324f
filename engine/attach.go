package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/stream"
)

// DefaultDetachKeys is docker's ctrl-p ctrl-q.
var DefaultDetachKeys = []byte{0x10, 0x11}

// Attach connects streams to a running container's shim and returns the
// container's exit code when it ends, or ErrDetached.
func (e *Engine) Attach(ctx context.Context, ref string, streams Streams) (int, error) {
	r, err := e.resolve(ref)
	if err != nil {
		return 0, err
	}
	st, err := e.loadState(r.ID)
	if err != nil {
		return 0, err
	}
	if !st.running() {
		return 0, fmt.Errorf("container %s is not running: you cannot attach to a stopped container, start it first: %w", r.Name, errdefs.ErrFailedPrecondition)
	}
	conn, err := net.Dial("unix", e.sockPath(r.ID))
	if err != nil {
		return 0, fmt.Errorf("container %s: attaching: %w", r.Name, err)
	}
	return e.attachConn(ctx, r.ID, conn, streams, r.Config.Tty)
}

// attachConn speaks the stream protocol on conn until the container exits,
// the user detaches, or ctx ends.
func (e *Engine) attachConn(ctx context.Context, id string, conn net.Conn, s Streams, tty bool) (int, error) {
	defer conn.Close()
	// Ends the reader's wait below when this returns (a detach, ctx), so
	// that nothing of the session outlives it.
	over, end := context.WithCancel(context.Background())
	defer end()
	w := stream.NewWriter(conn)
	done := make(chan attachResult, 2)
	go func() {
		for {
			kind, p, err := stream.ReadFrame(conn)
			if err != nil {
				// The shim went away without an exit frame: ask the state.
				code, werr := e.Wait(over, id)
				done <- attachResult{code, werr}
				return
			}
			switch kind {
			case stream.Stdout:
				if s.Stdout != nil {
					s.Stdout.Write(p)
				}
			case stream.Stderr:
				if s.Stderr != nil {
					s.Stderr.Write(p)
				}
			case stream.Exit:
				code, _ := strconv.Atoi(string(p))
				done <- attachResult{code, nil}
				return
			}
		}
	}()
	if s.Stdin != nil {
		go func() {
			in := s.Stdin
			if tty {
				keys := s.DetachKeys
				if keys == nil {
					keys = DefaultDetachKeys
				}
				in = &detachReader{r: in, keys: keys}
			}
			_, err := io.Copy(w.StreamWriter(stream.Stdin), in)
			if err == ErrDetached {
				done <- attachResult{0, ErrDetached}
				return
			}
			w.WriteFrame(stream.CloseStdin, nil)
		}()
	}
	if s.Resize != nil {
		go func() {
			for sz := range s.Resize {
				if w.WriteFrame(stream.Resize, stream.EncodeSize(sz.Rows, sz.Cols)) != nil {
					return
				}
			}
		}()
	}
	select {
	case res := <-done:
		return res.code, res.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// detachReader passes input through until the detach key sequence is read,
// then reports ErrDetached. A partial match is held back until it either
// completes or fails, so the keys themselves never reach the container.
type detachReader struct {
	r       io.Reader
	keys    []byte
	matched int
	pending []byte
}

func (d *detachReader) Read(p []byte) (int, error) {
	if len(d.pending) > 0 {
		n := copy(p, d.pending)
		d.pending = d.pending[n:]
		return n, nil
	}
	buf := make([]byte, len(p))
	n, err := d.r.Read(buf)
	var out bytes.Buffer
	for _, c := range buf[:n] {
		if c == d.keys[d.matched] {
			d.matched++
			if d.matched == len(d.keys) {
				return 0, ErrDetached
			}
			continue
		}
		if d.matched > 0 {
			out.Write(d.keys[:d.matched])
			d.matched = 0
		}
		if c == d.keys[0] {
			d.matched = 1
			continue
		}
		out.WriteByte(c)
	}
	m := copy(p, out.Bytes())
	d.pending = append(d.pending, out.Bytes()[m:]...)
	if m == 0 && err == nil {
		return d.Read(p)
	}
	return m, err
}
