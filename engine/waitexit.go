package engine

import (
	"context"
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/inspect"
)

// waitExit blocks until the process pid (started at clock tick start, as
// inspect.StartTime says) has exited, or ctx ends. It waits on a pidfd
// through Go's netpoller, so a waiter costs one fd while it waits and no
// thread; both are gone when it returns. (A blocking flock in a goroutine,
// the previous way, kept a thread and an fd until the lock was released,
// even after the waiter had given up: one more of each every second a
// detached attach waited.) Without pidfds (Linux < 5.3) it polls.
func waitExit(ctx context.Context, pid int, start uint64) error {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	if err != nil {
		return pollExit(ctx, pid, start)
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	defer f.Close()
	// The pid may have been reused between the caller's look and the
	// open: the fd then refers to another process.
	if !inspect.Alive(pid, start) {
		return nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return pollExit(ctx, pid, start)
	}
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	err = rc.Read(func(fd uintptr) bool {
		// A pidfd is readable once its process has exited.
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(p, 0)
		return err != nil || (n > 0 && p[0].Revents != 0)
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, os.ErrNoDeadline) {
		// Not pollable after all (the netpoller refused the fd).
		return pollExit(ctx, pid, start)
	}
	return nil
}

// pollExit is waitExit by looking every 20ms.
func pollExit(ctx context.Context, pid int, start uint64) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for inspect.Alive(pid, start) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// waitForUnlock blocks until nobody holds an exclusive lock on path, or ctx
// ends. It polls with a non-blocking flock: it holds no thread and its fd
// only while it waits. For the few places that wait for a shim whose pid
// is not known; a known shim is waited for with waitExit.
func waitForUnlock(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		if unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB) == nil {
			unix.Flock(int(f.Fd()), unix.LOCK_UN)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// killExact sends SIGKILL to the process pid started at clock tick start,
// and to no other: the signal goes through a pidfd opened and then checked
// against the start time, so a reused pid is never hit.
func killExact(pid int, start uint64) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if !inspect.Alive(pid, start) {
		return nil
	}
	if err := unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
		return err
	}
	return nil
}

// endStartingShim ends the shim of a container that has not started its
// process and undoes what the shim made (libcontainer state, mounts,
// network), as reconcile does for a shim that died.
func (e *Engine) endStartingShim(ctx context.Context, id string, st *state) error {
	if err := killExact(st.ShimPid, st.ShimStart); err != nil {
		return err
	}
	if err := waitExit(ctx, st.ShimPid, st.ShimStart); err != nil {
		return err
	}
	return e.withLock(func() error {
		e.reconcileOne(id)
		return nil
	})
}
