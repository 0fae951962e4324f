package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
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
	"github.com/berthdev/berth/internal/lockfile"
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

// Kill sends a signal to the container's init process; a SIGKILL returns
// once the container has stopped, as docker's does.
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
	if sig == unix.SIGKILL {
		// As docker's: a SIGKILL returns once the container is no longer
		// running (up to 10 s), so `kill` then `ps` or `start` sees it
		// exited. Other signals return as soon as they are sent.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		e.wait(ctx, r)
	}
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
//
// It loops until the container is gone: another process may start it (a
// `start` or a restart policy) between a look at its state and the
// removal, and a container is never removed under a shim that holds its
// lock (the shim would make again what rm deleted).
func (e *Engine) RemoveWithVolumes(ctx context.Context, ref string, force, volumes bool) error {
	r, err := e.resolve(ref)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	ctx, cancel := context.WithDeadline(ctx, deadline.Add(time.Second))
	defer cancel()
	for {
		st, err := e.loadState(r.ID)
		if isNotExist(err) && r.Host.AutoRemove {
			return nil // a --rm container its shim removed meanwhile
		}
		if err != nil {
			return err
		}
		done, err := e.removeStep(ctx, r, st, force)
		if err != nil {
			return err
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("container %s: its shim is still at work after 30s: %w", r.Name, errdefs.ErrUnavailable)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	if volumes {
		e.removeAnonymousVolumes(r.Mounts)
	}
	e.releaseImage(r.ImageID)
	return nil
}

// removeStep takes one step towards removing r, whose state is st: it
// kills a running container (with force), ends a shim that never started
// the process (with force), waits for a shim cleaning up, or removes a
// container no shim serves. done says the container is gone.
func (e *Engine) removeStep(ctx context.Context, r *record, st *state, force bool) (done bool, err error) {
	if st.running() {
		if !force {
			return false, fmt.Errorf("cannot remove container %s: container is %s: stop the container before removing or force remove: %w", r.Name, st.Status, errdefs.ErrFailedPrecondition)
		}
		// No restart policy may bring it back meanwhile.
		if _, err := e.updateState(r.ID, func(s *state) error { s.StopRequest = true; return nil }); err != nil && !isNotExist(err) {
			return false, fmt.Errorf("container %s: recording the stop: %w", r.Name, err)
		}
		if c, err := e.libcontainer(r); err == nil {
			if st.Status == container.Paused {
				c.Resume()
			}
			c.Signal(unix.SIGKILL)
		}
		// Killed: its shim records the exit, then cleans up (network,
		// mounts, run directory); the next steps wait for that.
		if _, err := e.wait(ctx, r); err != nil && !errdefs.Is(err, errdefs.ErrNotFound) {
			return false, err
		}
		return false, nil
	}
	if shimAlive(st) {
		if st.Status != container.Created {
			// Exited and its shim cleaning up, or starting it again: wait
			// a moment and look again (a start shows as running).
			wctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			waitExit(wctx, st.ShimPid, st.ShimStart)
			cancel()
			return false, nil
		}
		// A shim that has not started the process: starting, or waiting
		// for the attach client of a caller that may be gone (a killed
		// `run` or build). Waiting would wait for an exit that never
		// comes; with force it is ended and what it made is undone.
		if !force {
			return false, fmt.Errorf("cannot remove container %s: container is starting: wait for it or force remove: %w", r.Name, errdefs.ErrFailedPrecondition)
		}
		if err := e.endStartingShim(ctx, r.ID, st); err != nil {
			return false, fmt.Errorf("container %s: ending its shim: %w", r.Name, err)
		}
		return false, nil
	}
	switch err := e.removeContainer(r, false); {
	case errdefs.Is(err, errdefs.ErrNotFound) && r.Host.AutoRemove:
		return true, nil // its shim removed it meanwhile
	case errors.Is(err, errShimAtWork):
		// A shim took the lock after the state was read: look again.
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// errShimAtWork: a shim holds the container's lock (starting it, or
// cleaning up after it), so it cannot be removed now.
var errShimAtWork = errors.New("its shim is at work")

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
		// Not under a shim (a --rm container's own shim, auto, holds it):
		// held until purged, so that a shim starting now finds the
		// container gone instead of making its directories again.
		var shimLock *lockfile.Lock
		if !auto {
			l, err := lockfile.Acquire(filepath.Join(e.runDir(r.ID), "shim.lock"), 0)
			switch {
			case err == nil:
				shimLock = l
			case errors.Is(err, fs.ErrNotExist):
				// No run directory: no shim can hold it.
			case errdefs.Is(err, errdefs.ErrUnavailable):
				return errShimAtWork
			default:
				return fmt.Errorf("container %s: %w", r.Name, err)
			}
		}
		// Renamed first, so that a crash mid-removal never leaves a half
		// container: reconcile sweeps the rest.
		if err := os.Rename(e.containerDir(r.ID), gone); err != nil {
			if shimLock != nil {
				shimLock.Unlock()
			}
			return err
		}
		e.unindexName(r.Name, r.ID)
		purgeCopies := e.unlinkLayerCopies(r)
		purge = func() {
			purgeCopies()
			destroyStale(e.stateRoot(), r.ID)
			e.purgeRunDir(r.ID)
			os.Remove(e.sockPath(r.ID))
			os.RemoveAll(gone)
			if shimLock != nil {
				shimLock.Unlock()
			}
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
	if err := rootlessPause(r.Name, pause); err != nil { // rootless.go
		return err
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
		// Kept on a failure too: the next reconcile prunes the entries.
		marker := e.renameMarker(r.ID)
		if err := os.WriteFile(marker, nil, 0o600); err != nil {
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
		return os.Remove(marker)
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
