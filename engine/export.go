package engine

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/lockfile"
	"github.com/berthdev/berth/layers"
)

// Export writes a container's file system, flattened (its image's layers
// and its own changes merged), to w as a tarball, as docker export does.
func (e *Engine) Export(ref string, w io.Writer) error {
	r, err := e.resolve(ref)
	if err != nil {
		return err
	}
	return e.withRootfs(r, false, func(root string) error {
		// A container with a user namespace has host IDs in its tree:
		// the tarball has its own (usernstar.go).
		if err := upperTar(w, r, root, layers.WriteDirTar); err != nil {
			return fmt.Errorf("exporting container %s: %w", r.Name, err)
		}
		return nil
	})
}

// withRootfs runs fn with the container's root file system at a path: the
// live mount of a running container, or, for any other, an overlay
// mounted in a private mount namespace that only fn's thread sees, so
// nothing is left mounted if berth dies meanwhile. The private mount is
// read-only (the writable layer as the top lowerdir) unless writable.
// fn must do its file system work in its own goroutine.
func (e *Engine) withRootfs(r *record, writable bool, fn func(root string) error) error {
	st, err := e.loadState(r.ID)
	if err != nil {
		return err
	}
	merged := filepath.Join(e.runDir(r.ID), "merged")
	if st.running() {
		return fn(merged)
	}
	// Hold the shim's lock while the file system is mounted here, so that
	// the container cannot start meanwhile (its shim would mount the same
	// writable layer); when a shim got there first, the container runs.
	if err := os.MkdirAll(e.runDir(r.ID), 0o700); err != nil {
		return err
	}
	lk, err := lockfile.Acquire(filepath.Join(e.runDir(r.ID), "shim.lock"), 2*time.Second)
	if err != nil {
		if st, err2 := e.loadState(r.ID); err2 == nil && st.running() {
			return fn(merged)
		}
		return fmt.Errorf("container %s is busy: %w", r.Name, err)
	}
	defer lk.Unlock()
	if st, err = e.loadState(r.ID); err != nil {
		return err
	}
	if st.running() { // a shim that died: reconcile marks it; refuse meanwhile
		return fmt.Errorf("container %s: its shim died; run berth ps to reconcile: %w", r.Name, errdefs.ErrFailedPrecondition)
	}
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread ends with the goroutine, and its
		// private mount namespace with it.
		runtime.LockOSThread()
		errc <- e.inPrivateMount(r, writable, fn)
	}()
	return <-errc
}

func (e *Engine) inPrivateMount(r *record, writable bool, fn func(root string) error) error {
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("container %s: private mount namespace: %w", r.Name, err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("container %s: private mount namespace: %w", r.Name, err)
	}
	dir, err := os.MkdirTemp(e.runRoot, "rootfs-")
	if err != nil {
		return err
	}
	defer os.Remove(dir)
	upper := filepath.Join(e.containerDir(r.ID), "upper")
	if writable {
		// As the container sees it: through its ID maps, if any.
		err = e.mountRootfs(r, r.LowerDirs, upper, filepath.Join(e.containerDir(r.ID), "work"), dir)
	} else {
		// Through the container's ID maps, if any, so that the layers
		// and the writable layer (host IDs) agree.
		lower, release, merr := e.mappedLowers(r, r.LowerDirs)
		if merr != nil {
			return merr
		}
		defer release()
		opts := "lowerdir=" + strings.Join(append([]string{upper}, lower...), ":")
		if err = unix.Mount("overlay", dir, "overlay", unix.MS_RDONLY, opts); err != nil {
			err = fmt.Errorf("mounting container root filesystem: %w", err)
		}
	}
	if err != nil {
		return fmt.Errorf("container %s: %w", r.Name, err)
	}
	defer unmount(dir)
	return fn(dir)
}
