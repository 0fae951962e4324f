package engine

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
)

// withContainerFiles calls fn with the container's file tree as its
// processes see it, volumes, bind mounts and /etc/hosts, hostname and
// resolv.conf included, as docker cp sees it: for a running container its
// own root (/proc/PID/root, its mount namespace); for a stopped one its
// root filesystem with those mounts added in a private mount namespace.
// A missing mount point is made in the container's writable layer, as
// its start would make it.
func (e *Engine) withContainerFiles(r *record, fn func(root string) error) error {
	st, err := e.loadState(r.ID)
	if err != nil {
		return err
	}
	if st.running() && st.Pid > 0 {
		root := "/proc/" + strconv.Itoa(st.Pid) + "/root"
		if _, err := os.Stat(root); err == nil {
			return fn(root)
		}
	}
	const writable = true // mount points may need making
	return e.withRootfs(r, writable, func(root string) error {
		for _, m := range r.Mounts {
			if m.Type != "bind" && m.Type != "volume" {
				continue
			}
			if err := bindInto(root, m.Source, m.Destination, !m.RW, writable); err != nil {
				return fmt.Errorf("container %s: mount %s: %w", r.Name, m.Destination, err)
			}
		}
		for _, f := range []string{"hosts", "hostname", "resolv.conf"} {
			if src := e.etcPath(r.ID, f); fileExists(src) {
				if err := bindInto(root, src, "/etc/"+f, false, writable); err != nil {
					return fmt.Errorf("container %s: /etc/%s: %w", r.Name, f, err)
				}
			}
		}
		return fn(root)
	})
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// bindInto bind-mounts src at dst inside root (resolved in root), making
// the mount point when it is missing and the view is writable.
func bindInto(root, src, dst string, readonly, writable bool) error {
	target, err := securejoin.SecureJoin(root, dst)
	if err != nil {
		return err
	}
	sfi, err := os.Stat(src)
	if err != nil {
		return nil // a volume removed meanwhile: nothing to show
	}
	if _, err := os.Lstat(target); errors.Is(err, fs.ErrNotExist) {
		if !writable {
			return nil
		}
		if sfi.IsDir() {
			err = os.MkdirAll(target, 0o755)
		} else if err = os.MkdirAll(filepath.Dir(target), 0o755); err == nil {
			var f *os.File
			if f, err = os.OpenFile(target, os.O_CREATE|os.O_WRONLY|unix.O_NOFOLLOW, 0o644); err == nil {
				f.Close()
			}
		}
		if err != nil {
			return err
		}
	}
	// The target was resolved inside root and is re-checked through an
	// O_PATH descriptor: the mount goes on what that descriptor names.
	fd, err := unix.Open(target, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	procPath := "/proc/self/fd/" + strconv.Itoa(fd)
	if err := unix.Mount(src, procPath, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	if readonly {
		return unix.Mount("", target, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_REC, "")
	}
	return nil
}

// CopyFromContainerTar writes the file or tree at src of a container to w
// as a tar stream (docker's `cp CONTAINER:SRC -`): entries named from
// src's base name ("SRC/." writes the contents alone), owners and modes
// kept, symlinks as links.
func (e *Engine) CopyFromContainerTar(ref, src string, w io.Writer) error {
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
		base := filepath.Base(name)
		if strings.HasSuffix(src, "/.") {
			base = "."
		}
		uids, gids, err := recordMaps(r)
		if err != nil {
			return err
		}
		tw := tar.NewWriter(w)
		if err := tarTree(tw, rt, name, base, fromHostIDs(uids, gids)); err != nil {
			return fmt.Errorf("container %s: %w", r.Name, err)
		}
		return tw.Close()
	})
}

// tarTree writes name (in rt) and everything below it, as entry arc,
// with owners passed through shift (nil: as on disk).
func tarTree(tw *tar.Writer, rt *os.Root, name, arc string, shift idShift) error {
	fi, err := rt.Lstat(name)
	if err != nil {
		return err
	}
	link := ""
	if fi.Mode()&fs.ModeSymlink != 0 {
		if link, err = rt.Readlink(name); err != nil {
			return err
		}
	}
	if fi.Mode()&fs.ModeSocket != 0 {
		return nil // a tar cannot hold a socket
	}
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return err
	}
	hdr.Name = arc
	if fi.IsDir() && arc != "." {
		hdr.Name += "/"
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = int(st.Uid), int(st.Gid), "", ""
		if shift != nil {
			if hdr.Uid, hdr.Gid, err = shift(hdr.Uid, hdr.Gid); err != nil {
				return err
			}
		}
	}
	if arc != "." {
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
	}
	switch {
	case fi.Mode().IsRegular():
		f, err := rt.Open(name)
		if err != nil {
			return err
		}
		_, err = io.CopyN(tw, f, hdr.Size)
		f.Close()
		return err
	case fi.IsDir():
		d, err := rt.Open(name)
		if err != nil {
			return err
		}
		ents, err := d.ReadDir(-1)
		d.Close()
		if err != nil {
			return err
		}
		for _, ent := range ents {
			child := ent.Name()
			if arc != "." {
				child = arc + "/" + child
			}
			if err := tarTree(tw, rt, filepath.Join(name, ent.Name()), child, shift); err != nil {
				return err
			}
		}
	}
	return nil
}

// CopyToContainerTar extracts the tar stream r (compressed or not) into
// the directory dst of a container (docker's `cp - CONTAINER:DST`),
// confined by the kernel beneath dst, as layer content is.
func (e *Engine) CopyToContainerTar(ref string, r io.Reader, dst string) error {
	rec, err := e.resolve(ref)
	if err != nil {
		return err
	}
	return e.withContainerFiles(rec, func(root string) error {
		rt, name, err := containerPath(root, dst)
		if err != nil {
			return fmt.Errorf("container %s: %w", rec.Name, err)
		}
		defer rt.Close()
		d, err := rt.Open(name)
		if err != nil {
			return fmt.Errorf("container %s: destination %q: %w", rec.Name, dst, errdefs.ErrNotFound)
		}
		defer d.Close()
		if fi, err := d.Stat(); err != nil || !fi.IsDir() {
			return fmt.Errorf("container %s: destination %q must be a directory: %w", rec.Name, dst, errdefs.ErrInvalid)
		}
		uids, gids, err := recordMaps(rec)
		if err != nil {
			return err
		}
		if err := layers.ExtractFilesOwned(r, int(d.Fd()), toHostIDs(uids, gids)); err != nil {
			return fmt.Errorf("container %s: extracting into %s: %w", rec.Name, dst, err)
		}
		return nil
	})
}
