package layers

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

// extract unpacks the uncompressed layer tarball r into the empty directory
// root, in overlayfs form: whiteouts become 0/0 character devices and
// opaque markers the trusted.overlay.opaque xattr. Every entry is checked
// by checkEntry, and parents are walked with lstat, so nothing is written
// outside root and nothing is written through a symlink. Ownership, modes,
// device numbers, mtimes and (where the kernel allows) xattrs are kept.
func extract(r io.Reader, root string) error {
	tr := tar.NewReader(r)
	seen := newEntrySet()
	type dirTime struct {
		path  string
		mtime time.Time
	}
	var dirs []dirTime
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return invalidIfCorrupt(err)
		}
		name, err := checkEntry(hdr, seen)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		p := filepath.Join(root, name)
		if name != "." {
			if err := mkParents(root, filepath.Dir(name)); err != nil {
				return fmt.Errorf("tar entry %q: %w", hdr.Name, err)
			}
		}
		base := filepath.Base(name)
		switch {
		case base == whiteoutOpaque:
			if err := unix.Lsetxattr(filepath.Dir(p), overlayOpaqueXA, []byte("y"), 0); err != nil {
				return fmt.Errorf("opaque directory %q: %w", filepath.Dir(name), err)
			}
			continue
		case strings.HasPrefix(base, whiteoutMeta):
			continue // other AUFS metadata (hard link dirs): nothing for overlay
		case strings.HasPrefix(base, whiteoutPrefix):
			wo := filepath.Join(filepath.Dir(p), strings.TrimPrefix(base, whiteoutPrefix))
			if err := replace(wo, false); err != nil {
				return err
			}
			if err := unix.Mknod(wo, unix.S_IFCHR, 0); err != nil {
				return fmt.Errorf("whiteout %q: %w", hdr.Name, err)
			}
			continue
		}
		if err := replace(p, hdr.Typeflag == tar.TypeDir); err != nil {
			return err
		}
		if err := create(root, p, hdr, tr); err != nil {
			return fmt.Errorf("tar entry %q: %w", hdr.Name, invalidIfCorrupt(err))
		}
		if hdr.Typeflag == tar.TypeDir {
			dirs = append(dirs, dirTime{p, hdr.ModTime})
		} else if err := setTimes(p, hdr); err != nil {
			return fmt.Errorf("tar entry %q: %w", hdr.Name, err)
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- { // children first: creating them moved the parents' mtimes
		setTimes(dirs[i].path, &tar.Header{ModTime: dirs[i].mtime, AccessTime: dirs[i].mtime})
	}
	return nil
}

// create makes one entry (not a whiteout) at p and applies its metadata.
func create(root, p string, hdr *tar.Header, r io.Reader) error {
	mode := uint32(hdr.Mode) & 0o7777
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := os.Mkdir(p, 0o700); err != nil && !os.IsExist(err) {
			return err
		}
	case tar.TypeReg, tar.TypeRegA:
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	case tar.TypeSymlink:
		if err := os.Symlink(hdr.Linkname, p); err != nil {
			return err
		}
	case tar.TypeLink:
		target, _ := cleanName(hdr.Linkname) // checked by checkEntry
		return os.Link(filepath.Join(root, target), p)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		kind := map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK, tar.TypeFifo: unix.S_IFIFO}[hdr.Typeflag]
		if err := unix.Mknod(p, kind|mode, int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))); err != nil {
			return err
		}
	}
	if err := os.Lchown(p, hdr.Uid, hdr.Gid); err != nil {
		return err
	}
	if hdr.Typeflag != tar.TypeSymlink {
		if err := unix.Chmod(p, mode); err != nil { // after chown, which clears setuid bits
			return err
		}
	}
	for k, v := range hdr.PAXRecords {
		if xa, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
			err := unix.Lsetxattr(p, xa, []byte(v), 0)
			if err != nil && !errors.Is(err, unix.ENOTSUP) && !errors.Is(err, unix.EPERM) {
				return fmt.Errorf("xattr %s: %w", xa, err)
			}
		}
	}
	return nil
}

// mkParents makes sure every directory of rel (relative to root) exists and
// is a real directory, never a symlink.
func mkParents(root, rel string) error {
	p := root
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if part == "." || part == "" {
			continue
		}
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		switch {
		case os.IsNotExist(err):
			if err := os.Mkdir(p, 0o755); err != nil {
				return err
			}
		case err != nil:
			return err
		case fi.Mode()&os.ModeSymlink != 0:
			return fmt.Errorf("parent %q is a symlink: %w", part, errdefs.ErrInvalid)
		case !fi.IsDir():
			return fmt.Errorf("parent %q is not a directory: %w", part, errdefs.ErrInvalid)
		}
	}
	return nil
}

// replace removes what is at p before a new entry goes there, except a
// directory that a directory entry would only update.
func replace(p string, isDir bool) error {
	fi, err := os.Lstat(p)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if isDir && fi.IsDir() {
		return nil
	}
	return os.RemoveAll(p)
}

// setTimes sets p's access and modification times without following a
// symlink.
func setTimes(p string, hdr *tar.Header) error {
	at := hdr.AccessTime
	if at.IsZero() {
		at = hdr.ModTime
	}
	ts := []unix.Timespec{unix.NsecToTimespec(at.UnixNano()), unix.NsecToTimespec(hdr.ModTime.UnixNano())}
	return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
}
