package engine

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

// CopyOptions is `berth cp`.
type CopyOptions struct {
	// Archive keeps the owners of what is copied; by default files copied
	// into a container belong to its root, and out of it to the caller.
	Archive bool
}

// CopyFromContainer copies the file or directory tree at path src of a
// running or stopped container to the host path dst, as docker cp does:
// into dst when it is a directory, else to dst itself. src is resolved
// inside the container (its symlinks cannot lead out).
func (e *Engine) CopyFromContainer(ref, src, dst string, o CopyOptions) error {
	r, err := e.resolve(ref)
	if err != nil {
		return err
	}
	return e.withContainerFiles(r, func(root string) error {
		rt, name, err := containerPath(root, src)
		if err != nil {
			return fmt.Errorf("container %s: %w", r.Name, err)
		}
		defer rt.Close()
		if _, err := rt.Lstat(name); err != nil {
			return fmt.Errorf("container %s: path %q: %w", r.Name, src, errdefs.ErrNotFound)
		}
		target, err := copyTarget(hostTree{}, dst, filepath.Base(src), strings.HasSuffix(src, "/."))
		if err != nil {
			return err
		}
		uids, gids, err := recordMaps(r)
		if err != nil {
			return err
		}
		return copyTreeShift(rootTree{rt}, name, hostTree{}, target, o.Archive, -1, fromHostIDs(uids, gids))
	})
}

// CopyToContainer copies the host file or directory tree src into a
// running or stopped container at dst (into it when it is a directory).
// dst is resolved inside the container, and everything is written
// through a root-confined handle, so no symlink of the container can
// redirect a write to the host.
func (e *Engine) CopyToContainer(ref, src, dst string, o CopyOptions) error {
	r, err := e.resolve(ref)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(src); err != nil {
		return fmt.Errorf("copying %s: %w", src, errdefs.ErrNotFound)
	}
	owner := 0
	if o.Archive {
		owner = -1
	}
	return e.withContainerFiles(r, func(root string) error {
		rt, err := os.OpenRoot(root)
		if err != nil {
			return err
		}
		defer rt.Close()
		resolved, err := securejoin.SecureJoin(root, dst)
		if err != nil {
			return fmt.Errorf("container %s: path %q: %w", r.Name, dst, err)
		}
		rel, _ := filepath.Rel(root, resolved)
		target, err := copyTarget(rootTree{rt}, rel, filepath.Base(src), strings.HasSuffix(src, "/."))
		if err != nil {
			return fmt.Errorf("container %s: %w", r.Name, err)
		}
		uids, gids, err := recordMaps(r)
		if err != nil {
			return err
		}
		if err := copyTreeShift(hostTree{}, filepath.Clean(src), rootTree{rt}, target, true, owner, toHostIDs(uids, gids)); err != nil {
			return fmt.Errorf("container %s: %w", r.Name, err)
		}
		return nil
	})
}

// containerPath resolves p inside root and opens a root-confined handle
// on root; name is p's resolved path relative to it.
func containerPath(root, p string) (*os.Root, string, error) {
	resolved, err := securejoin.SecureJoin(root, p)
	if err != nil {
		return nil, "", fmt.Errorf("path %q: %w", p, err)
	}
	rel, err := filepath.Rel(root, resolved)
	if err != nil {
		return nil, "", err
	}
	rt, err := os.OpenRoot(root)
	return rt, rel, err
}

// copyTarget is where a copy of something named base goes given the
// destination dst: inside dst if it is a directory (unless contents, for
// "SRC/."), else dst itself, whose parent must exist.
func copyTarget(t tree, dst, base string, contents bool) (string, error) {
	fi, err := t.Lstat(dst)
	switch {
	case err == nil && fi.IsDir() && !contents:
		return filepath.Join(dst, base), nil
	case err == nil || contents:
		return dst, nil
	case strings.HasSuffix(dst, "/"):
		return "", fmt.Errorf("destination %q: directory does not exist: %w", dst, errdefs.ErrNotFound)
	}
	if pfi, err := t.Lstat(filepath.Dir(dst)); err != nil || !pfi.IsDir() {
		return "", fmt.Errorf("destination %q: parent directory does not exist: %w", dst, errdefs.ErrNotFound)
	}
	return dst, nil
}

// tree is the part of *os.Root a copy needs; hostTree is the same on the
// host's own paths.
type tree interface {
	Lstat(string) (fs.FileInfo, error)
	Mkdir(string, fs.FileMode) error
	Open(string) (*os.File, error)
	OpenFile(string, int, fs.FileMode) (*os.File, error)
	Readlink(string) (string, error)
	Symlink(string, string) error
	RemoveAll(string) error
	Lchown(string, int, int) error
	Chmod(string, fs.FileMode) error
	Mknod(name string, mode uint32, dev uint64) error
}

type hostTree struct{}

func (hostTree) Mknod(n string, mode uint32, dev uint64) error { return unix.Mknod(n, mode, int(dev)) }

// rootTree is a root-confined tree: the parent directory is opened
// through the root, and the node made relative to it.
type rootTree struct{ *os.Root }

func (t rootTree) Mknod(n string, mode uint32, dev uint64) error {
	d, err := t.Open(filepath.Dir(n))
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Mknodat(int(d.Fd()), filepath.Base(n), mode, int(dev))
}

func (hostTree) Lstat(n string) (fs.FileInfo, error) { return os.Lstat(n) }
func (hostTree) Mkdir(n string, m fs.FileMode) error { return os.Mkdir(n, m) }
func (hostTree) Open(n string) (*os.File, error)     { return os.Open(n) }
func (hostTree) Readlink(n string) (string, error)   { return os.Readlink(n) }
func (hostTree) Symlink(o, n string) error           { return os.Symlink(o, n) }
func (hostTree) RemoveAll(n string) error            { return os.RemoveAll(n) }
func (hostTree) Lchown(n string, u, g int) error     { return os.Lchown(n, u, g) }
func (hostTree) Chmod(n string, m fs.FileMode) error { return os.Chmod(n, m) }
func (hostTree) OpenFile(n string, f int, m fs.FileMode) (*os.File, error) {
	return os.OpenFile(n, f, m)
}

// copyTree copies src (in from) to dst (in to), recursively, never
// following a symlink: links are copied as links. owner -1 keeps the
// source's owners, another value sets uid and gid; chown false leaves them
// to the process.
func copyTree(from tree, src string, to tree, dst string, chown bool, owner int) error {
	return copyTreeShift(from, src, to, dst, chown, owner, nil)
}

// idShift maps the owner a copy would give a file to the one written: a
// user namespace's maps, between the container's IDs and the host's.
type idShift func(uid, gid int) (int, int, error)

// copyTreeShift is copyTree with every owner written passed through
// shift (nil: as is).
func copyTreeShift(from tree, src string, to tree, dst string, chown bool, owner int, shift idShift) error {
	fi, err := from.Lstat(src)
	if err != nil {
		return err
	}
	if old, err := to.Lstat(dst); err == nil && !(old.IsDir() && fi.IsDir()) {
		if err := to.RemoveAll(dst); err != nil {
			return err
		}
	}
	switch m := fi.Mode(); {
	case m.IsDir():
		if err := to.Mkdir(dst, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		d, err := from.Open(src)
		if err != nil {
			return err
		}
		ents, err := d.ReadDir(-1)
		d.Close()
		if err != nil {
			return err
		}
		for _, ent := range ents {
			if err := copyTreeShift(from, filepath.Join(src, ent.Name()), to, filepath.Join(dst, ent.Name()), chown, owner, shift); err != nil {
				return err
			}
		}
	case m&fs.ModeSymlink != 0:
		target, err := from.Readlink(src)
		if err != nil {
			return err
		}
		if err := to.Symlink(target, dst); err != nil {
			return err
		}
	case m.IsRegular():
		if err := copyFile(from, src, to, dst); err != nil {
			return err
		}
	case m&(fs.ModeNamedPipe|fs.ModeDevice) != 0:
		// Device nodes and fifos are made anew, as docker's tar copy does.
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		if err := to.Mknod(dst, st.Mode, st.Rdev); err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
	default:
		return nil // sockets are not copied (a tar cannot hold them either)
	}
	if chown {
		uid, gid := owner, owner
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && owner < 0 {
			uid, gid = int(st.Uid), int(st.Gid)
		}
		if shift != nil {
			if uid, gid, err = shift(uid, gid); err != nil {
				return fmt.Errorf("%s: %w", src, err)
			}
		}
		if err := to.Lchown(dst, uid, gid); err != nil {
			return err
		}
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return to.Chmod(dst, fi.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky))
	}
	return nil
}

func copyFile(from tree, src string, to tree, dst string) error {
	in, err := from.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := to.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
