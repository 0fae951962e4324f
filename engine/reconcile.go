package engine

import (
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/lockfile"
)

// reconcile makes the recorded state true again after a crash: a container
// whose shim died is marked exited (its init killed if it survived), and
// libcontainer state, mounts and sockets nobody owns are removed. It runs at
// every Open and is cheap when nothing is wrong.
func (e *Engine) reconcile() error {
	return e.withLock(func() error {
		ids, err := e.containerIDs()
		if err != nil {
			return err
		}
		known := map[string]bool{}
		for _, id := range ids {
			known[id] = true
			e.reconcileOne(id)
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
}

func (e *Engine) reconcileOne(id string) {
	st, err := e.loadState(id)
	if err != nil || st.ShimPid == 0 || shimAlive(st) {
		return
	}
	// A shim that is starting up holds its lock before it records itself;
	// if the lock is free, the recorded shim is really gone.
	if l, err := lockfile.Acquire(filepath.Join(e.runDir(id), "shim.lock"), 0); err == nil {
		l.Unlock()
	} else {
		return
	}
	r, err := e.loadRecord(id)
	if err != nil {
		return
	}
	code, msg := 255, "shim died; exit status unknown"
	if c, err := libcontainer.Load(e.stateRoot(), id); err == nil {
		if s, err := c.Status(); err == nil && s != libcontainer.Stopped {
			c.Signal(unix.SIGKILL)
			code, msg = 137, "shim died; container killed"
		}
		c.Destroy()
	}
	unmount(filepath.Join(e.runDir(id), "merged"))
	os.Remove(e.sockPath(id))
	e.updateState(id, func(s *state) error {
		if s.running() || s.Status == StatusCreated {
			s.Status, s.ExitCode, s.Error, s.Pid = StatusExited, code, msg, 0
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
}
