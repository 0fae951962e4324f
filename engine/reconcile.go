package engine

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/internal/lockfile"
)

// reconcile makes the recorded state true again after a crash: a container
// whose shim died is marked exited (its init killed if it survived), and
// libcontainer state, mounts and sockets nobody owns are removed. It runs at
// every Open and is cheap when nothing is wrong.
func (e *Engine) reconcile(booted bool) error {
	var restart []string
	// Without a reboot only containers with a shim recorded can need
	// anything: those in the live registry. After one (or with a store
	// whose registry is new) every container is looked at.
	_, err := os.Stat(e.liveDir())
	full := booted || err != nil
	err = e.withLock(func() error {
		ids, err := e.containerIDs()
		if err != nil {
			return err
		}
		known := map[string]bool{}
		for _, id := range ids {
			known[id] = true
		}
		if full {
			if err := os.MkdirAll(e.liveDir(), 0o700); err != nil {
				return err
			}
			for _, id := range ids {
				if st, err := e.loadState(id); err == nil && st.ShimPid != 0 {
					e.markLive(id)
				}
			}
		} else {
			ids = nil
			for _, id := range e.liveIDs() {
				if known[id] {
					ids = append(ids, id)
				} else {
					e.unmarkLive(id) // removed
				}
			}
		}
		for _, id := range ids {
			if e.reconcileOne(id) || (booted && e.restartsAtBoot(id)) {
				restart = append(restart, id)
			}
		}
		// libcontainer state of containers that no longer exist.
		if entries, err := os.ReadDir(e.stateRoot()); err == nil {
			for _, ent := range entries {
				if !known[ent.Name()] {
					destroyStale(e.stateRoot(), ent.Name())
					os.RemoveAll(filepath.Join(e.stateRoot(), ent.Name()))
				}
			}
		}
		if entries, err := os.ReadDir(filepath.Join(e.runRoot, "c")); err == nil {
			for _, ent := range entries {
				if !known[ent.Name()] {
					unmount(filepath.Join(e.runRoot, "c", ent.Name(), "merged"))
					os.RemoveAll(filepath.Join(e.runRoot, "c", ent.Name()))
				}
			}
		}
		// Cgroups of shims killed during start (cgroupsweep.go).
		e.sweepCgroups(known)
		// Leftovers of interrupted creates and removes.
		if entries, err := os.ReadDir(e.containersDir()); err == nil {
			for _, ent := range entries {
				if n := ent.Name(); len(n) > 5 && (n[:5] == ".tmp-" || n[:4] == ".rm-") {
					os.RemoveAll(filepath.Join(e.containersDir(), n))
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Restart policies outlive their shims, as docker's outlive the daemon.
	for _, id := range restart {
		if _, err := e.Start(context.Background(), id, nil); err == nil {
			if r, err := e.loadRecord(id); err == nil {
				e.emit(containerEvent("restart", r, nil))
			}
		}
	}
	return nil
}

// restartsAtBoot says whether a container starts again when its store is
// first opened after the host booted (the run directory is new): "always"
// ones do, even when stopped by the user; "unless-stopped" ones unless the
// user stopped them. This is what docker does when its daemon starts.
func (e *Engine) restartsAtBoot(id string) bool {
	r, err := e.loadRecord(id)
	if err != nil {
		return false
	}
	st, err := e.loadState(id)
	if err != nil {
		return false
	}
	return restartsAfterBoot(r.Host.RestartPolicy, st)
}

// restartsAfterBoot is restartsAtBoot's decision for a container with
// policy p whose recorded state is st.
func restartsAfterBoot(p RestartPolicy, st *state) bool {
	if st.running() || st.Status == container.Created {
		return false
	}
	switch p.Name {
	case "always":
		return true
	case "unless-stopped":
		return !st.StopRequest
	}
	return false
}

// reconcileOne marks a container whose shim died as exited. It returns
// true when its restart policy says it runs again.
func (e *Engine) reconcileOne(id string) bool {
	st, err := e.loadState(id)
	if err != nil || shimAlive(st) {
		return false
	}
	// A shim that is starting up holds its lock before it records itself;
	// if the lock is free, the recorded shim is really gone. No run
	// directory (the host rebooted: /run is new) means no shim either.
	if l, err := lockfile.Acquire(filepath.Join(e.runDir(id), "shim.lock"), 0); err == nil {
		l.Unlock()
	} else if !os.IsNotExist(err) {
		return false
	}
	if st.ShimPid == 0 {
		// A shim that died before it recorded itself, during start: what
		// it made is nobody's (libcontainer state, mounts).
		e.unmarkLive(id)
		destroyStale(e.stateRoot(), id)
		unmount(filepath.Join(e.runDir(id), "merged"))
		unmount(e.shmDir(id))
		return false
	}
	defer e.unmarkLive(id)
	r, err := e.loadRecord(id)
	if err != nil {
		return false
	}
	initLive := false
	if c, err := libcontainer.Load(e.stateRoot(), id); err == nil {
		if s, err := c.Status(); err == nil && s != libcontainer.Stopped {
			c.Signal(unix.SIGKILL)
			initLive = true
		}
		c.Destroy()
	}
	code, msg, restart := afterShimDeath(r, st, initLive)
	unmount(filepath.Join(e.runDir(id), "merged"))
	os.Remove(e.sockPath(id))
	e.detachDead(r, st)
	e.updateState(id, func(s *state) error {
		if s.running() || s.Status == container.Created {
			s.Status, s.ExitCode, s.Error, s.Pid = container.Exited, code, msg, 0
			s.FinishedAt = time.Now().UTC()
		}
		s.ShimPid, s.ShimStart = 0, 0
		return nil
	})
	e.emit(containerEvent("die", r, map[string]string{"exitCode": strconv.Itoa(code)}))
	if r.Host.AutoRemove {
		os.RemoveAll(e.containerDir(id))
		e.emit(containerEvent("destroy", r, nil))
	}
	return restart
}

// afterShimDeath is what reconcile records for a container whose shim
// died: the exit code and error (137 when its init was still alive and is
// killed now, else 255: the status is lost with the shim), and whether
// its restart policy starts it again (never a --rm one, which is removed,
// nor one the user stopped).
func afterShimDeath(r *record, st *state, initLive bool) (code int, msg string, restart bool) {
	code, msg = 255, "shim died; exit status unknown"
	if initLive {
		code, msg = 137, "shim died; container killed"
	}
	if r.Host.AutoRemove {
		return code, msg, false
	}
	switch r.Host.RestartPolicy.Name {
	case "always", "unless-stopped":
		restart = !st.StopRequest
	}
	return code, msg, restart
}

// The live registry, <run root>/live/<id>: a file for every container
// whose shim is (or was, until reconcile says otherwise) recorded in its
// state, so that reconcile reads those and not every container. A shim
// marks its container before it records itself and unmarks it after it
// has cleared its record; the run root is volatile, so a reboot clears the
// registry and reconcile then reads every container.
func (e *Engine) liveDir() string { return filepath.Join(e.runRoot, "live") }

func (e *Engine) markLive(id string) error {
	err := os.WriteFile(filepath.Join(e.liveDir(), id), nil, 0o600)
	if os.IsNotExist(err) { // the run root was emptied under us
		if err = os.MkdirAll(e.liveDir(), 0o700); err == nil {
			err = os.WriteFile(filepath.Join(e.liveDir(), id), nil, 0o600)
		}
	}
	return err
}

func (e *Engine) unmarkLive(id string) { os.Remove(filepath.Join(e.liveDir(), id)) }

// liveIDs lists the registry.
func (e *Engine) liveIDs() []string {
	entries, err := os.ReadDir(e.liveDir())
	if err != nil {
		return nil
	}
	var ids []string
	for _, ent := range entries {
		if isID(ent.Name()) {
			ids = append(ids, ent.Name())
		}
	}
	return ids
}
