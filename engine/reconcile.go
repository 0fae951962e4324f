package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/runc/libcontainer"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/inspect"
	"github.com/berthdev/berth/internal/lockfile"
	"github.com/berthdev/berth/network"
)

// reconcile makes the recorded state true again after a crash: a container
// whose shim died is marked exited (its init killed if it survived), and
// libcontainer state, mounts and sockets nobody owns are removed. It runs at
// every Open and is cheap when nothing is wrong.
func (e *Engine) reconcile(booted bool) error {
	var restart []string
	var failed error // exits not recorded (below)
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
		// A dead shim's exit that cannot be recorded (the container's lock
		// held by a stuck process, a full disk) fails this Open with that
		// line, once every container has been looked at; the container
		// stays in the live registry, so the next Open tries again.
		var unrecorded []error
		for _, id := range ids {
			again, err := e.reconcileOne(id)
			if err != nil {
				unrecorded = append(unrecorded, err)
			}
			if again || (booted && e.restartsAtBoot(id)) {
				restart = append(restart, id)
			}
		}
		failed = errors.Join(unrecorded...)
		// libcontainer state of containers that no longer exist.
		if entries, err := os.ReadDir(e.stateRoot()); err == nil {
			for _, ent := range entries {
				if !known[ent.Name()] && !e.shimAtWork(ent.Name()) {
					destroyStale(e.stateRoot(), ent.Name())
					os.RemoveAll(filepath.Join(e.stateRoot(), ent.Name()))
				}
			}
		}
		if entries, err := os.ReadDir(filepath.Join(e.runRoot, "c")); err == nil {
			for _, ent := range entries {
				if !known[ent.Name()] && isID(ent.Name()) && !e.shimAtWork(ent.Name()) {
					e.purgeRunDir(ent.Name())
				}
			}
		}
		// Cgroups of shims killed during start (cgroupsweep.go).
		e.sweepCgroups(known)
		// Layer copies dead copiers left half-made (usernscopy.go).
		e.sweepCopyTemps()
		// Leftovers of interrupted creates, renames and removes, and the
		// name entries they may have left: a create indexes its name only
		// once its .tmp-<id> is laid out, a rename works between its
		// .tmp-rename-<id> marker's creation and removal, a remove
		// unindexes it only after renaming the container to .rm-<id>, so
		// a stale entry never comes without a leftover (and costs nothing
		// otherwise).
		if entries, err := os.ReadDir(e.containersDir()); err == nil {
			swept := false
			for _, ent := range entries {
				if n := ent.Name(); (strings.HasPrefix(n, ".tmp-") || strings.HasPrefix(n, ".rm-")) && !e.shimAtWork(strings.TrimPrefix(n, ".rm-")) {
					os.RemoveAll(filepath.Join(e.containersDir(), n))
					swept = true
				}
			}
			if swept {
				e.pruneNames(known)
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
	return failed
}

// shimAtWork says whether a shim still holds the lock of container id's
// run directory: a --rm container's shim cleans up (network, mounts,
// libcontainer state) after the container is gone from the list, and what
// it is removing is not a leftover. Sweeping it meanwhile let its CNI DEL
// make the run directory again after the store was deleted.
func (e *Engine) shimAtWork(id string) bool {
	held, err := lockfile.Held(filepath.Join(e.runDir(id), "shim.lock"))
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist)
	}
	return held
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
// true when its restart policy says it runs again, and an error when what
// it found could not be recorded.
func (e *Engine) reconcileOne(id string) (bool, error) {
	st, err := e.loadState(id)
	if err == nil && st.Status == container.Paused && st.PausedBy != nil && shimAlive(st) &&
		!inspect.Alive(st.PausedBy.Pid, st.PausedBy.Start) {
		e.thawAbandoned(id)
	}
	if err != nil || shimAlive(st) {
		return false, nil
	}
	// A shim that is starting up holds its lock before it records itself;
	// if the lock is free, the recorded shim is really gone. No run
	// directory (the host rebooted: /run is new) means no shim either.
	if held, err := lockfile.Held(filepath.Join(e.runDir(id), "shim.lock")); held || (err != nil && !errors.Is(err, fs.ErrNotExist)) {
		return false, nil
	}
	r, err := e.loadRecord(id)
	if st.ShimPid == 0 {
		// A shim that died before it recorded itself, during start: what
		// it made is nobody's (libcontainer state, mounts, its network
		// namespace and what CNI attached to it).
		// Its run directory stays: after a reboot this branch sees every
		// stopped container, and a shim about to lock it may have just
		// made it.
		destroyStale(e.stateRoot(), id)
		if _, nerr := os.Lstat(e.netnsPath(id)); nerr == nil && err == nil {
			if err := e.detachDead(r, st); err != nil && !isNotExist(err) {
				return false, err
			}
		}
		e.unmountRunDir(id)
		if err == nil {
			e.releaseVolumes(r)
		}
		// Recorded running (or paused) without a shim: nothing watches
		// or runs it, and `stop` would wait for ever for its exit.
		if st.running() {
			if _, uerr := e.updateState(id, func(s *state) error {
				if s.running() && s.ShimPid == 0 {
					s.Status, s.ExitCode, s.Error, s.Pid = container.Exited, 255, "no shim recorded; exit status unknown", 0
					s.FinishedAt = time.Now().UTC()
				}
				return nil
			}); uerr != nil && !isNotExist(uerr) {
				return false, fmt.Errorf("container %s: recording the exit of a container without a shim: %w", id[:12], uerr)
			}
		}
		e.unmarkLive(id)
		return false, nil
	}
	if err != nil {
		e.unmarkLive(id)
		return false, nil
	}
	initLive := false
	if c, err := libcontainer.Load(e.stateRoot(), id); err == nil {
		initLive = killAndDestroy(c)
	}
	code, msg, restart := afterShimDeath(r, st, initLive)
	unmount(filepath.Join(e.runDir(id), "merged"))
	os.Remove(e.sockPath(id))
	if err := e.detachDead(r, st); err != nil && !isNotExist(err) {
		return false, err
	}
	if _, err := e.updateState(id, func(s *state) error {
		if s.running() || s.Status == container.Created {
			s.Status, s.ExitCode, s.Error, s.Pid = container.Exited, code, msg, 0
			s.FinishedAt = time.Now().UTC()
		}
		s.ShimPid, s.ShimStart = 0, 0
		return nil
	}); isNotExist(err) {
		e.unmarkLive(id) // removed meanwhile
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("container %s: recording the exit of a container whose shim died: %w", id[:12], err)
	}
	// What the shim would have done at the end: its volumes with options
	// that no running container uses any more are unmounted.
	e.releaseVolumes(r)
	e.unmarkLive(id)
	e.emit(containerEvent("die", r, map[string]string{"exitCode": strconv.Itoa(code)}))
	if r.Host.AutoRemove {
		// As unlinkContainer (the store lock is held): renamed away
		// before its name entry goes, so a crash leaves a leftover that
		// the next reconcile sweeps, never a half container.
		gone := filepath.Join(e.containersDir(), ".rm-"+id)
		if err := os.Rename(e.containerDir(id), gone); err == nil {
			e.unindexName(r.Name, id)
			e.purgeRunDir(id)
			os.RemoveAll(gone)
			e.emit(containerEvent("destroy", r, nil))
		}
	}
	return restart, nil
}

// purgeRunDir removes the run directory of a container that no shim
// serves, its mounts first: RemoveAll cannot unlink a mount point (the
// network namespace's nsfs bind mount stayed, and with it the directory).
func (e *Engine) purgeRunDir(id string) {
	e.unmountRunDir(id)
	os.RemoveAll(e.runDir(id))
}

// unmountRunDir detaches what a shim mounts in its run directory: the
// rootfs, /dev/shm and the network namespace. Each is a failing syscall
// when absent, so it costs nothing where nothing is mounted.
func (e *Engine) unmountRunDir(id string) {
	unmount(filepath.Join(e.runDir(id), "merged"))
	unmount(e.shmDir(id))
	network.RemoveNetns(e.netnsPath(id))
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

// thawAbandoned thaws a container that a process froze for a moment of
// its own (a commit) and died before thawing: kill -9 of a commit must
// not leave the container frozen for ever.
func (e *Engine) thawAbandoned(id string) {
	r, err := e.loadRecord(id)
	if err != nil {
		return
	}
	c, err := e.libcontainer(r)
	if err != nil {
		return
	}
	if err := c.Resume(); err != nil {
		return
	}
	e.updateState(id, func(s *state) error {
		if s.Status == container.Paused {
			s.Status, s.PausedBy = container.Running, nil
		}
		return nil
	})
	e.emit(containerEvent("unpause", r, nil))
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
