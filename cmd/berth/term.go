package main

import (
	"context"
	"errors"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/berthdev/berth/engine"
)

// terminalStreams wires the CLI's own stdio for an attach or an exec. With
// tty it puts the terminal in raw mode and follows its size; restore undoes that.
func terminalStreams(stdin, tty bool) (engine.Streams, func()) {
	s := engine.Streams{Stdout: os.Stdout, Stderr: os.Stderr}
	if stdin {
		s.Stdin = os.Stdin
	}
	if !tty || !term.IsTerminal(int(os.Stdin.Fd())) {
		return s, func() {}
	}
	restore := func() {}
	if stdin {
		if old, err := term.MakeRaw(int(os.Stdin.Fd())); err == nil {
			restore = func() { term.Restore(int(os.Stdin.Fd()), old) }
		}
	}
	resize := make(chan engine.TermSize, 1)
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, unix.SIGWINCH)
	send := func() {
		if w, h, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			select {
			case resize <- engine.TermSize{Rows: uint16(h), Cols: uint16(w)}:
			default:
			}
		}
	}
	send()
	go func() {
		for range winch {
			send()
		}
	}()
	s.Resize = resize
	return s, func() { signal.Stop(winch); restore() }
}

// termSize is the CLI terminal's size, zero when not a terminal.
func termSize() engine.TermSize {
	if w, h, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
		return engine.TermSize{Rows: uint16(h), Cols: uint16(w)}
	}
	return engine.TermSize{}
}

// checkTTY refuses -it when stdin is not a terminal, as docker does.
func checkTTY(interactive, tty bool) error {
	if interactive && tty && !term.IsTerminal(int(os.Stdin.Fd())) {
		return exitError{code: 1, msg: "the input device is not a TTY"}
	}
	return nil
}

// proxySignals forwards SIGINT and SIGTERM to a container while a
// foreground `run` or `start -a` without a terminal waits on it.
func proxySignals(ctx context.Context, e *engine.Engine, id string) func() {
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case sig := <-ch:
				e.Kill(id, sig.(unix.Signal))
			}
		}
	}()
	return func() { signal.Stop(ch) }
}

// containerExit turns what Start or Attach returned into the CLI's exit.
func containerExit(code int, err error) error {
	var se *engine.StartError
	switch {
	case errors.Is(err, engine.ErrDetached):
		return nil
	case errors.As(err, &se):
		return exitError{code: se.Code, msg: se.Error()}
	case err != nil:
		return err
	case code != 0:
		return exitError{code: code}
	}
	return nil
}

// engineError marks an error as the engine's, exit status 125, as `docker
// run`, `create` and `start` report them.
func engineError(err error) error {
	var ee exitError
	var se *engine.StartError
	if err == nil || errors.As(err, &ee) || errors.As(err, &se) {
		return err
	}
	return exitError{code: 125, msg: oneLine(err)}
}
