package idmap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// overflowID is the kernel's overflowuid and overflowgid: what an ID a
// namespace cannot map reads as.
const overflowID = 65534

// Unsupported reports whether err says the kernel or the filesystem
// cannot make an idmapped mount (no mount_setattr, no MOUNT_ATTR_IDMAP, a
// filesystem without FS_ALLOW_IDMAP): the caller then falls back to a
// chowned copy (CopyShifted).
func Unsupported(err error) bool {
	return errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) ||
		errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EPERM)
}

// CopyShifted copies the tree at src to dst (which must not exist) with
// every owner shifted from container-side to host IDs through uids and
// gids: what an idmapped mount of src shows, made once on disk for
// kernels or filesystems that cannot idmap. An ID the maps do not hold
// becomes the overflow ID, as an idmapped mount shows it. Modes
// (set-ID bits included), times, hard links within the tree, device
// nodes (overlay's whiteouts among them) and extended attributes
// (overlay's opaque marks) are kept; a file capability is rewritten for
// the namespace's root (a v3 capability), as the kernel reads a v2 one
// through an idmapped mount. Nothing is followed out of src: symbolic
// links are copied as links.
func CopyShifted(src, dst string, uids, gids []Map) error {
	c := &shifter{uids: uids, gids: gids, links: map[inode]string{}}
	if err := c.copy(src, dst); err != nil {
		return fmt.Errorf("copying %s for ID map %s: %w", src, Format(uids), err)
	}
	return nil
}

type inode struct{ dev, ino uint64 }

type shifter struct {
	uids, gids []Map
	links      map[inode]string // first copy of a multiply linked file
}

func (c *shifter) owner(st *unix.Stat_t) (int, int) {
	u, ok := ToHost(c.uids, st.Uid)
	if !ok {
		u = overflowID
	}
	g, ok := ToHost(c.gids, st.Gid)
	if !ok {
		g = overflowID
	}
	return int(u), int(g)
}

// copy copies one entry and, for a directory, what it holds; the
// directory's times are set last, after its entries changed them.
func (c *shifter) copy(src, dst string) error {
	var st unix.Stat_t
	if err := unix.Lstat(src, &st); err != nil {
		return err
	}
	uid, gid := c.owner(&st)
	mode := st.Mode & 0o7777
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		if err := os.Mkdir(dst, 0o700); err != nil {
			return err
		}
		ents, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, ent := range ents {
			if err := c.copy(filepath.Join(src, ent.Name()), filepath.Join(dst, ent.Name())); err != nil {
				return err
			}
		}
	case unix.S_IFREG:
		key := inode{uint64(st.Dev), st.Ino}
		if first, ok := c.links[key]; ok && st.Nlink > 1 {
			return os.Link(first, dst)
		}
		if err := copyFile(src, dst); err != nil {
			return err
		}
		if st.Nlink > 1 {
			c.links[key] = dst
		}
	case unix.S_IFLNK:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		if err := os.Symlink(target, dst); err != nil {
			return err
		}
	case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFIFO, unix.S_IFSOCK:
		if err := unix.Mknod(dst, st.Mode, int(st.Rdev)); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s: file type %o", src, st.Mode&unix.S_IFMT)
	}
	// chown clears set-ID bits and file capabilities: mode and xattrs
	// come after it.
	if err := os.Lchown(dst, uid, gid); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		if err := unix.Fchmodat(unix.AT_FDCWD, dst, mode, 0); err != nil {
			return err
		}
	}
	if err := c.copyXattrs(src, dst); err != nil {
		return err
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	return unix.UtimesNanoAt(unix.AT_FDCWD, dst, ts, unix.AT_SYMLINK_NOFOLLOW)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil { // copy_file_range: a reflink where the filesystem can
		out.Close()
		return err
	}
	return out.Close()
}

func (c *shifter) copyXattrs(src, dst string) error {
	names, err := listXattrs(src)
	if err != nil {
		return err
	}
	for _, name := range names {
		val, err := getXattr(src, name)
		if errors.Is(err, unix.ENODATA) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: xattr %s: %w", src, name, err)
		}
		if name == "security.capability" {
			val = c.nsCapability(val)
		}
		if err := unix.Lsetxattr(dst, name, val, 0); err != nil {
			return fmt.Errorf("%s: xattr %s: %w", dst, name, err)
		}
	}
	return nil
}

// VFS file capability layout (linux/capability.h): a little-endian magic
// and revision word, two (permitted, inheritable) pairs, and in revision 3
// the root ID the capability belongs to.
const (
	capRevisionMask = 0xff000000
	capRevision2    = 0x02000000
	capRevision3    = 0x03000000
	capSizeV2       = 20
	capSizeV3       = 24
)

// nsCapability is a file capability as it reads in the namespace's tree:
// a v2 capability (the host's root's) or v3 one of root ID r becomes a v3
// one of the host ID of r, so it is the namespace root's and no one
// else's. Anything else is copied unchanged.
func (c *shifter) nsCapability(val []byte) []byte {
	if len(val) < capSizeV2 {
		return val
	}
	magic := binary.LittleEndian.Uint32(val)
	var root uint32
	switch {
	case magic&capRevisionMask == capRevision2 && len(val) == capSizeV2:
	case magic&capRevisionMask == capRevision3 && len(val) == capSizeV3:
		root = binary.LittleEndian.Uint32(val[capSizeV2:])
	default:
		return val
	}
	host, ok := ToHost(c.uids, root)
	if !ok {
		return val
	}
	out := make([]byte, capSizeV3)
	copy(out, val[:capSizeV2])
	binary.LittleEndian.PutUint32(out, magic&^capRevisionMask|capRevision3)
	binary.LittleEndian.PutUint32(out[capSizeV2:], host)
	return out
}

func listXattrs(path string) ([]string, error) {
	buf := make([]byte, 1024)
	for {
		n, err := unix.Llistxattr(path, buf)
		if errors.Is(err, unix.ERANGE) {
			buf = make([]byte, len(buf)*4)
			continue
		}
		if errors.Is(err, unix.ENOTSUP) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: listing xattrs: %w", path, err)
		}
		var names []string
		for _, b := range splitNul(buf[:n]) {
			names = append(names, string(b))
		}
		return names, nil
	}
}

func getXattr(path, name string) ([]byte, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Lgetxattr(path, name, buf)
		if errors.Is(err, unix.ERANGE) {
			buf = make([]byte, len(buf)*4)
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}

func splitNul(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != 0 {
			i++
		}
		if i > 0 {
			out = append(out, b[:i])
		}
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return out
}
