package engine

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/inspect"
	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/stream"
)

// ParseSignal accepts docker's spellings: KILL, SIGKILL, 9.
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("signal %q: out of range: %w", s, errdefs.ErrInvalid)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("signal %q: unknown: %w", s, errdefs.ErrInvalid)
}

// shimAlive reports whether the container's shim is still running.
func shimAlive(st *state) bool { return inspect.Alive(st.ShimPid, st.ShimStart) }

// Wait blocks until the container is not running, or until it exits
// once even if its restart policy starts it again (docker's wait), and
// returns that exit code.
func (e *Engine) Wait(ctx context.Context, ref string) (int, error) {
	r, err := e.resolve(ref)
	if err != nil {
		return 0, err
	}
	return e.wait(ctx, r)
}

// wait is Wait for a container already resolved. A container removed
// meanwhile is an errdefs.ErrNotFound.
func (e *Engine) wait(ctx context.Context, r *record) (int, error) {
	var since time.Time // the exit recorded when the wait began
	for first := true; ; first = false {
		st, err := e.loadState(r.ID)
		if isNotExist(err) {
			return 0, fmt.Errorf("container %s: removed while waiting: %w", r.Name, errdefs.ErrNotFound)
		}
		if err != nil {
			return 0, err
		}
		if first {
			since = st.FinishedAt
		}
		if !st.running() && !shimAlive(st) && (st.Status != container.Created || st.Error != "") {
			// Exited, or a start that failed (its shim gave up and left
			// the container created with the error): nothing will run.
			return st.ExitCode, nil
		}
		if exitedSince(st, since) {
			return st.ExitCode, nil // and restarting, or about to
		}
		if shimAlive(st) {
			// A --rm container is gone once its shim is done: the exit
			// code is what the shim tells its attached clients.
			if r.Host.AutoRemove {
				if code, ok := e.exitFromShim(ctx, r.ID); ok {
					return code, nil
				}
			}
			if restarts(r.Host.RestartPolicy) {
				// Its shim lives on across exits: the state tells.
				pause(ctx, 100*time.Millisecond)
			} else {
				// The shim records the exit before it ends.
				waitExit(ctx, st.ShimPid, st.ShimStart)
			}
		} else {
			pause(ctx, 100*time.Millisecond)
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
	}
}

// exitedSince reports whether st records an exit after since, the exit
// recorded when a wait began (zero if none was).
func exitedSince(st *state, since time.Time) bool {
	return !st.FinishedAt.IsZero() && st.FinishedAt.After(since)
}

// restarts reports whether a restart policy may start the container again.
func restarts(p RestartPolicy) bool { return p.Name != "" && p.Name != "no" }

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func (e *Engine) libcontainer(r *record) (*libcontainer.Container, error) {
	c, err := libcontainer.Load(e.stateRoot(), r.ID)
	if err != nil {
		return nil, fmt.Errorf("container %s is not running: %w", r.Name, errdefs.ErrFailedPrecondition)
	}
	return c, nil
}

// running loads a container that must be running.
func (e *Engine) running(ref string) (*record, *state, error) {
	r, err := e.resolve(ref)
	if err != nil {
		return nil, nil, err
	}
	st, err := e.loadState(r.ID)
	if err != nil {
		return nil, nil, err
	}
	if !st.running() {
		return nil, nil, fmt.Errorf("container %s is not running: %w", r.Name, errdefs.ErrFailedPrecondition)
	}
	return r, st, nil
}

// Kill sends a signal to the container's init process.
func (e *Engine) Kill(ref string, sig unix.Signal) error {
	r, st, err := e.running(ref)
	if err != nil {
		return err
	}
	if st.Status == container.Restarting {
		return fmt.Errorf("container %s is restarting, wait until the container is running (or stop it): %w", r.Name, errdefs.ErrFailedPrecondition)
	}
	// As docker's: a fatal signal from the user turns the restart policy
	// off until the next start; SIGUSR1 and the like leave it on.
	if stopSig, _ := ParseSignal(r.StopSignal); sig == stopSig || sig == unix.SIGKILL || sig == unix.SIGTERM || sig == unix.SIGINT || sig == unix.SIGQUIT {
		if _, err := e.updateState(r.ID, func(s *state) error { s.StopRequest = true; return nil }); err != nil && !isNotExist(err) {
			return fmt.Errorf("container %s: recording the stop: %w", r.Name, err)
		}
	}
	c, err := e.libcontainer(r)
	if err != nil {
		return err
	}
	if err := c.Signal(sig); err != nil {
		return fmt.Errorf("container %s: sending %s: %w", r.Name, unix.SignalName(sig), err)
	}
	e.emit(containerEvent("kill", r, map[string]string{"signal": strconv.Itoa(int(sig))}))
	return nil
}

// Stop sends the container's stop signal (SIGTERM unless the image says
// otherwise), waits up to timeout, then kills it. A negative timeout means
// the container's own (10s by default). A --rm container that is removed
// as it ends has stopped: that is no error.
func (e *Engine) Stop(ctx context.Context, ref string, timeout time.Duration) error {
	r, err := e.resolve(ref)
	if err != nil {
		return err
	}
	// gone says whether err only means that r's shim removed it (--rm).
	gone := func(err error) bool {
		return r.Host.AutoRemove && (isNotExist(err) || errdefs.Is(err, errdefs.ErrNotFound))
	}
	st, err := e.loadState(r.ID)
	if err != nil {
		if gone(err) {
			return nil
		}
		return err
	}
	if !st.running() {
		return nil
	}
	if timeout < 0 {
		timeout = r.StopTime
	}
	if _, err := e.updateState(r.ID, func(s *state) error { s.StopRequest = true; return nil }); err != nil {
		if gone(err) {
			return nil
		}
		return fmt.Errorf("container %s: recording the stop: %w", r.Name, err)
	}
	sig, err := ParseSignal(r.StopSignal)
	if err != nil {
		sig = unix.SIGTERM
	}
	c, err := e.libcontainer(r)
	if err == nil {
		if st.Status == container.Paused {
			c.Resume()
		}
		c.Signal(sig)
		e.emit(containerEvent("kill", r, map[string]string{"signal": strconv.Itoa(int(sig))}))
	}
	wctx, cancel := context.WithCancel(ctx) // --stop-timeout -1: no SIGKILL
	if timeout >= 0 {
		wctx, cancel = context.WithTimeout(ctx, timeout)
	}
	_, werr := e.wait(wctx, r)
	cancel()
	if werr != nil && !gone(werr) && ctx.Err() == nil {
		if c != nil {
			c.Signal(unix.SIGKILL)
			e.emit(containerEvent("kill", r, map[string]string{"signal": "9"}))
		}
		if _, err := e.wait(ctx, r); err != nil && !gone(err) {
			return err
		}
	}
	e.emit(containerEvent("stop", r, nil))
	return nil
}

// Restart stops (as Stop) and starts the container again.
func (e *Engine) Restart(ctx context.Context, ref string, timeout time.Duration) error {
	if err := e.Stop(ctx, ref, timeout); err != nil {
		return err
	}
	_, err := e.Start(ctx, ref, nil)
	if err == nil {
		if r, err := e.resolve(ref); err == nil {
			e.emit(containerEvent("restart", r, nil))
		}
	}
	return err
}

// Remove deletes a container. A running one needs force, which kills it.
func (e *Engine) Remove(ctx context.Context, ref string, force bool) error {
	return e.RemoveWithVolumes(ctx, ref, force, false)
}

// RemoveWithVolumes is Remove that, with volumes (`rm -v`), also deletes
// the container's anonymous volumes that no other container mounts.
func (e *Engine) RemoveWithVolumes(ctx context.Context, ref string, force, volumes bool) error {
	r, err := e.resolve(ref)
	if err != nil {
		return err
	}
	st, err := e.loadState(r.ID)
	if err != nil {
		return err
	}
	if st.running() {
		if !force {
			return fmt.Errorf("cannot remove container %s: container is %s: stop the container before removing or force remove: %w", r.Name, st.Status, errdefs.ErrFailedPrecondition)
		}
		// No restart policy may bring it back meanwhile.
		if _, err := e.updateState(r.ID, func(s *state) error { s.StopRequest = true; return nil }); err != nil && !isNotExist(err) {
			return fmt.Errorf("container %s: recording the stop: %w", r.Name, err)
		}
		if c, err := e.libcontainer(r); err == nil {
			if st.Status == container.Paused {
				c.Resume()
			}
			c.Signal(unix.SIGKILL)
		}
	}
	switch {
	case st.running() || (shimAlive(st) && st.Status != container.Created):
		// Killed above, or exited and its shim still cleaning up.
		if _, err := e.wait(ctx, r); err != nil && !errdefs.Is(err, errdefs.ErrNotFound) {
			return err
		}
		// The shim cleans up after it records the exit (network, mounts,
		// run directory): rm returns once nothing of the container is
		// left, and a --rm container's shim removes it itself meanwhile.
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		waitExit(wctx, st.ShimPid, st.ShimStart)
		cancel()
		if _, err := os.Stat(e.containerDir(r.ID)); isNotExist(err) && r.Host.AutoRemove {
			return nil
		}
	case shimAlive(st):
		// A shim that has not started the process: starting, or waiting
		// for the attach client of a caller that may be gone (a killed
		// `run` or build). Waiting would wait for an exit that never
		// comes; with force it is ended and what it made is undone.
		if !force {
			return fmt.Errorf("cannot remove container %s: container is starting: wait for it or force remove: %w", r.Name, errdefs.ErrFailedPrecondition)
		}
		if err := e.endStartingShim(ctx, r.ID, st); err != nil {
			return fmt.Errorf("container %s: ending its shim: %w", r.Name, err)
		}
		if _, err := os.Stat(e.containerDir(r.ID)); isNotExist(err) {
			return nil // a --rm container: reconcile removed it
		}
	}
	if err := e.removeContainer(r, false); err != nil {
		return err
	}
	if volumes {
		e.removeAnonymousVolumes(r.Mounts)
	}
	return nil
}

// removeContainer deletes a stopped container's files and volatile state.
// auto is set when the shim removes a --rm container.
func (e *Engine) removeContainer(r *record, auto bool) error {
	purge, err := e.unlinkContainer(r, auto)
	purge()
	return err
}

// unlinkContainer does what removing a container means to everybody else:
// it is gone from every list, its name is free and, with auto (--rm, as
// docker's does), so are its anonymous volumes. purge then deletes its
// files; a crash before purge leaves only what reconcile sweeps.
func (e *Engine) unlinkContainer(r *record, auto bool) (purge func(), err error) {
	gone := filepath.Join(e.containersDir(), ".rm-"+r.ID)
	purge = func() {}
	err = e.withLock(func() error {
		if _, err := os.Stat(e.containerDir(r.ID)); isNotExist(err) {
			if auto {
				return nil
			}
			return fmt.Errorf("container %s: %w", r.Name, errdefs.ErrNotFound)
		}
		// Renamed first, so that a crash mid-removal never leaves a half
		// container: reconcile sweeps the rest.
		if err := os.Rename(e.containerDir(r.ID), gone); err != nil {
			return err
		}
		e.unindexName(r.Name, r.ID)
		purge = func() {
			destroyStale(e.stateRoot(), r.ID)
			e.purgeRunDir(r.ID)
			os.Remove(e.sockPath(r.ID))
			os.RemoveAll(gone)
		}
		return nil
	})
	if err == nil {
		e.emit(containerEvent("destroy", r, nil))
		if auto {
			e.removeAnonymousVolumes(r.Mounts)
		}
	}
	return purge, err
}

// Pause freezes every process of the container (the cgroup freezer).
func (e *Engine) Pause(ref string) error { return e.setPaused(ref, true, nil) }

// Unpause thaws a paused container.
func (e *Engine) Unpause(ref string) error { return e.setPaused(ref, false, nil) }

// pauseHeld freezes a container for as long as this process needs it
// frozen: if the process dies before it unpauses, reconcile thaws it.
func (e *Engine) pauseHeld(ref string) error {
	return e.setPaused(ref, true, &container.Holder{Pid: os.Getpid(), Start: inspect.StartTime(os.Getpid())})
}

func (e *Engine) setPaused(ref string, pause bool, holder *container.Holder) error {
	r, st, err := e.running(ref)
	if err != nil {
		return err
	}
	if pause && st.Status == container.Paused {
		return fmt.Errorf("container %s is already paused: %w", r.Name, errdefs.ErrFailedPrecondition)
	}
	if !pause && st.Status != container.Paused {
		return fmt.Errorf("container %s is not paused: %w", r.Name, errdefs.ErrFailedPrecondition)
	}
	c, err := e.libcontainer(r)
	if err != nil {
		return err
	}
	action, status := "pause", container.Paused
	if pause {
		err = c.Pause()
	} else {
		action, status, err = "unpause", container.Running, c.Resume()
	}
	if err != nil {
		return fmt.Errorf("container %s: %s: %w", r.Name, action, err)
	}
	if _, err := e.updateState(r.ID, func(s *state) error {
		if s.running() {
			s.Status, s.PausedBy = status, holder
		}
		return nil
	}); err != nil {
		return err
	}
	e.emit(containerEvent(action, r, nil))
	return nil
}

// Rename gives a container a new name.
func (e *Engine) Rename(ref, name string) error {
	r, err := e.resolve(ref)
	if err != nil {
		return err
	}
	old := r.Name
	err = e.withLock(func() error {
		if err := e.checkName(name, r.ID); err != nil {
			return err
		}
		if err := e.indexName(name, r.ID); err != nil {
			return err
		}
		r.Name = name
		if err := e.saveRecord(r); err != nil {
			return err
		}
		e.unindexName(old, r.ID)
		return nil
	})
	if err == nil {
		e.emit(containerEvent("rename", r, map[string]string{"oldName": "/" + old}))
	}
	return err
}

// exitFromShim attaches to the container's shim as a silent client and
// returns the exit code it sends when the container ends; false when there
// is no shim to ask or it went away without one.
func (e *Engine) exitFromShim(ctx context.Context, id string) (int, bool) {
	conn, err := net.Dial("unix", e.sockPath(id))
	if err != nil {
		return 0, false
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	for {
		kind, p, err := stream.ReadFrame(conn)
		if err != nil {
			return 0, false
		}
		if kind == stream.Exit {
			code, err := strconv.Atoi(string(p))
			return code, err == nil
		}
	}
}
