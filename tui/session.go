package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/muesli/cancelreader"
	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

// Shell is the command the shell key runs in a container.
var Shell = []string{"/bin/sh"}

// session is an exec or attach on the real terminal, run by tea.Exec while
// the workbench has let go of it: the terminal goes raw, follows its size,
// and comes back when the shell exits or the detach keys (ctrl-p ctrl-q)
// are pressed.
type session struct {
	eng    Engine
	verb   string // "shell" or "attach"
	ref    string
	stdin  io.Reader
	stdout io.Writer
}

func (s *session) SetStdin(r io.Reader)  { s.stdin = r }
func (s *session) SetStdout(w io.Writer) { s.stdout = w }
func (s *session) SetStderr(io.Writer)   {}

func runSession(e Engine, verb, ref string) tea.Cmd {
	s := &session{eng: e, verb: verb, ref: ref}
	return tea.Exec(s, func(err error) tea.Msg { return sessionMsg{verb, ref, err} })
}

func (s *session) Run() error {
	ctx := context.Background()
	streams := engine.Streams{Stdin: s.stdin, Stdout: s.stdout}
	var size engine.TermSize
	if in, ok := s.stdin.(*os.File); ok {
		if term.IsTerminal(int(in.Fd())) {
			old, err := term.MakeRaw(int(in.Fd()))
			if err != nil {
				return err
			}
			defer term.Restore(int(in.Fd()), old)
		}
		// The engine copies stdin in a goroutine that would otherwise stay
		// blocked in Read and eat the first key after the session.
		sr, err := newStdinReader(in)
		if err != nil {
			return err
		}
		defer sr.cancel()
		streams.Stdin = sr
	}
	if out, ok := s.stdout.(*os.File); ok && term.IsTerminal(int(out.Fd())) {
		resize, stop := followSize(out)
		defer stop()
		streams.Resize = resize
		if w, h, err := term.GetSize(int(out.Fd())); err == nil {
			size = engine.TermSize{Rows: uint16(h), Cols: uint16(w)}
		}
	}
	var err error
	switch s.verb {
	case "shell":
		fmt.Fprintf(s.stdout, "berth: shell in %s; `exit` returns to the workbench\r\n", s.ref)
		_, err = s.eng.Exec(ctx, s.ref, engine.ExecOptions{Cmd: Shell, Tty: true, Size: size}, streams)
	case "attach":
		var in *engine.ContainerInspect
		if in, err = s.eng.Inspect(s.ref); err != nil {
			return err
		}
		if !in.Config.Tty {
			return fmt.Errorf("container %s has no terminal (it was not run with -t): its output is on the Logs tab: %w", s.ref, errdefs.ErrFailedPrecondition)
		}
		fmt.Fprintf(s.stdout, "berth: attached to %s; ctrl-p ctrl-q detaches and returns to the workbench\r\n", s.ref)
		_, err = s.eng.Attach(ctx, s.ref, streams)
	case "debug":
		var in *engine.ContainerInspect
		if in, err = s.eng.Inspect(s.ref); err != nil {
			return err
		}
		fmt.Fprint(s.stdout, debugBanner(s.ref, in.State.Running))
		_, _, err = s.eng.Debug(ctx, s.ref, engine.DebugOptions{Tty: true}, streams)
	}
	if errors.Is(err, engine.ErrDetached) {
		return nil
	}
	return err
}

// debugBanner says what debug does: a running container gets a sidecar
// in its namespaces (it is left as it is), an exited one a committed copy.
func debugBanner(ref string, running bool) string {
	if running {
		return fmt.Sprintf("berth: debugging %s in a sidecar in its namespaces; `exit` returns to the workbench and removes the sidecar\r\n", ref)
	}
	return fmt.Sprintf("berth: debugging %s in a copy of it; `exit` returns to the workbench and removes the copy\r\n", ref)
}

// stdinReader is the terminal's input for one session, cancellable so that
// the engine's copying goroutine lets go of the terminal when it ends.
type stdinReader struct {
	cr       cancelreader.CancelReader
	inFlight atomic.Int32
}

func newStdinReader(f *os.File) (*stdinReader, error) {
	cr, err := cancelreader.NewReader(f)
	if err != nil {
		return nil, err
	}
	return &stdinReader{cr: cr}, nil
}

func (r *stdinReader) Read(p []byte) (int, error) {
	r.inFlight.Add(1)
	defer r.inFlight.Add(-1)
	return r.cr.Read(p)
}

// cancel wakes a blocked Read and closes the reader once no Read is in
// flight: closing the epoll set under a waiting Read would drop the wake-up
// and let it take the next key meant for the workbench.
func (r *stdinReader) cancel() {
	r.cr.Cancel()
	go func() {
		for i := 0; i < 200 && r.inFlight.Load() > 0; i++ {
			time.Sleep(5 * time.Millisecond)
		}
		r.cr.Close()
	}()
}

// followSize sends the terminal's size whenever it changes.
func followSize(out *os.File) (<-chan engine.TermSize, func()) {
	ch := make(chan engine.TermSize, 1)
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, unix.SIGWINCH)
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		for {
			select {
			case <-winch:
				if w, h, err := term.GetSize(int(out.Fd())); err == nil {
					select {
					case ch <- engine.TermSize{Rows: uint16(h), Cols: uint16(w)}:
					default:
					}
				}
			case <-done:
				return
			}
		}
	}()
	// Closing ch ends the engine's resize goroutine too.
	return ch, func() { signal.Stop(winch); close(done); <-exited; close(ch) }
}
