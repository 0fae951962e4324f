package layers

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	units "github.com/docker/go-units"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

// The one unpacker: every path that writes layer content (a snapshot for
// load, import, pull, commit, build and debug; `berth layers extract`; the
// spool of `berth load`) goes through an unpacker, and every name it
// creates, removes or changes is resolved by the kernel beneath one
// directory file descriptor, never by joining strings:
//
//   - a parent directory is opened with openat2(RESOLVE_BENEATH |
//     RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV) on the
//     root's descriptor, so neither "..", nor a symlink, nor a bind mount
//     can lead out of the root, whatever checkEntry missed;
//   - the entry itself is made, removed or changed with an *at call on that
//     parent's descriptor and a single path element (never ".", ".." or a
//     name with "/"), without following a symlink at the last element;
//   - metadata goes through the open file where there is one (fchown,
//     fchmod, fsetxattr), else through the parent's descriptor with
//     AT_SYMLINK_NOFOLLOW.
//
// checkEntry has refused hostile names before any of this; the
// kernel-side confinement is what holds if it ever does not.

// resolveBeneath is how every path below an unpacker's root is resolved.
// RESOLVE_NO_SYMLINKS refuses a symlink anywhere, the last element
// included, with ELOOP (O_NOFOLLOW with O_DIRECTORY would say ENOTDIR).
const resolveBeneath = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV

// unpackMode says what an unpacker makes of whiteouts and device nodes.
type unpackMode int

const (
	// modeSnapshot writes overlayfs form: whiteouts become 0/0 character
	// devices, opaque markers berth's trusted.overlay.opaque=y.
	modeSnapshot unpackMode = iota
	// modeFiles writes plain files for a user: whiteouts and opaque markers
	// are skipped, and device nodes refused.
	modeFiles
)

// unpacker writes checked tar entries beneath one directory.
type unpacker struct {
	root int // O_PATH-free directory descriptor of the root
	mode unpackMode
	dirs []dirTime // directory mtimes, set last (children move them)
	// owner maps an entry's owner to the one written (ExtractFilesOwned);
	// nil: the archive's.
	owner func(uid, gid int) (int, int, error)
}

type dirTime struct {
	name  string
	mtime time.Time
}

// newUnpacker opens dir, which must be a directory and not a symlink.
func newUnpacker(dir string, mode unpackMode) (*unpacker, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	return &unpacker{root: fd, mode: mode}, nil
}

func (u *unpacker) Close() error { return unix.Close(u.root) }

// openDir opens directory rel ("." or a clean relative name) beneath the
// root, creating missing directories (0755, root-owned, as a tar reader
// would) when create is set. A symlink or a non-directory on the way is
// refused, naming the element.
func (u *unpacker) openDir(rel string, create bool) (int, error) {
	how := &unix.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: resolveBeneath}
	fd, err := openat2(u.root, rel, how)
	if err == nil || !create || !errors.Is(err, unix.ENOENT) {
		return fd, dirError(rel, err)
	}
	cur, err := unix.Dup(u.root)
	if err != nil {
		return -1, err
	}
	for _, part := range strings.Split(rel, "/") {
		if err := unix.Mkdirat(cur, part, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			unix.Close(cur)
			return -1, fmt.Errorf("parent %q: %w", part, err)
		}
		next, err := openat2(cur, part, how)
		unix.Close(cur)
		if err != nil {
			return -1, dirError(part, err)
		}
		cur = next
	}
	return cur, nil
}

// openat2 retries the EAGAIN that RESOLVE_BENEATH returns when a rename
// elsewhere on the filesystem raced with the lookup.
func openat2(dirfd int, name string, how *unix.OpenHow) (int, error) {
	for i := 0; ; i++ {
		fd, err := unix.Openat2(dirfd, name, how)
		if !errors.Is(err, unix.EAGAIN) || i == 16 {
			return fd, err
		}
	}
}

// dirError turns openat2's errors for a parent into the user's words.
func dirError(name string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ELOOP):
		return fmt.Errorf("parent %q is a symlink: %w", name, errdefs.ErrInvalid)
	case errors.Is(err, unix.ENOTDIR):
		return fmt.Errorf("parent %q is not a directory: %w", name, errdefs.ErrInvalid)
	case errors.Is(err, unix.EXDEV):
		return fmt.Errorf("parent %q leads out of the root: %w", name, errdefs.ErrInvalid)
	}
	return fmt.Errorf("parent %q: %w", name, err)
}

// apply writes one entry, already checked by checkEntry (name is its
// cleaned name), reading a regular file's content from r.
func (u *unpacker) apply(hdr *tar.Header, name string, r io.Reader) error {
	if name == "." {
		return u.applyRoot(hdr)
	}
	pfd, err := u.openDir(path.Dir(name), true)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	base := path.Base(name)
	if strings.HasPrefix(base, whiteoutPrefix) {
		target, opaque, err := whiteoutTarget(base)
		switch {
		case err != nil:
			return fmt.Errorf("%v: %w", err, errdefs.ErrInvalid)
		case u.mode == modeFiles:
			return nil
		case opaque:
			// berth's own marker, the only trusted.* xattr it ever sets.
			return unix.Fsetxattr(pfd, overlayOpaqueXA, []byte("y"), 0)
		}
		if err := removeAt(pfd, target); err != nil {
			return fmt.Errorf("whiteout of %q: %w", target, err)
		}
		if err := unix.Mknodat(pfd, target, unix.S_IFCHR, 0); err != nil {
			return fmt.Errorf("whiteout of %q: %w", target, err)
		}
		return nil
	}
	if u.mode == modeFiles && (hdr.Typeflag == tar.TypeChar || hdr.Typeflag == tar.TypeBlock) {
		return fmt.Errorf("device node: refusing to create one outside a snapshot: %w", errdefs.ErrInvalid)
	}
	if err := u.replace(pfd, base, hdr.Typeflag == tar.TypeDir); err != nil {
		return err
	}
	if err := u.create(pfd, base, hdr, r); err != nil {
		return err
	}
	if hdr.Typeflag == tar.TypeDir {
		u.dirs = append(u.dirs, dirTime{name, hdr.ModTime})
		return nil
	}
	return setTimesAt(pfd, base, hdr.AccessTime, hdr.ModTime)
}

// applyRoot applies a "./" entry's metadata to the root itself.
func (u *unpacker) applyRoot(hdr *tar.Header) error {
	if err := u.meta(u.root, hdr); err != nil {
		return err
	}
	u.dirs = append(u.dirs, dirTime{".", hdr.ModTime})
	return nil
}

// replace removes what is at base before a new entry goes there, except a
// directory that a directory entry would only update.
func (u *unpacker) replace(pfd int, base string, isDir bool) error {
	var st unix.Stat_t
	err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return err
	}
	if isDir && st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return nil
	}
	return removeAt(pfd, base)
}

// create makes one entry (not a whiteout) named base in the directory pfd
// and applies its metadata.
func (u *unpacker) create(pfd int, base string, hdr *tar.Header, r io.Reader) error {
	mode := uint32(hdr.Mode) & 0o7777
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := unix.Mkdirat(pfd, base, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
			return err
		}
		fd, err := openat2(pfd, base, &unix.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: resolveBeneath})
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return u.meta(fd, hdr)
	case tar.TypeReg, tar.TypeRegA:
		fd, err := unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(fd), base)
		defer f.Close()
		if _, err := io.Copy(f, r); err != nil {
			return err
		}
		if err := u.meta(int(f.Fd()), hdr); err != nil {
			return err
		}
		return f.Close()
	case tar.TypeSymlink:
		if err := unix.Symlinkat(hdr.Linkname, pfd, base); err != nil {
			return err
		}
		return unix.Fchownat(pfd, base, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW)
	case tar.TypeLink:
		target, _ := cleanName(hdr.Linkname) // checked by checkEntry
		tfd, err := u.openDir(path.Dir(target), false)
		if err != nil {
			return fmt.Errorf("hard link target %q: %w", hdr.Linkname, err)
		}
		defer unix.Close(tfd)
		return unix.Linkat(tfd, path.Base(target), pfd, base, 0) // 0: a symlink target is linked, not followed
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		kind := map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK, tar.TypeFifo: unix.S_IFIFO}[hdr.Typeflag]
		if err := unix.Mknodat(pfd, base, kind|mode, int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))); err != nil {
			return err
		}
		if err := unix.Fchownat(pfd, base, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
		return unix.Fchmodat(pfd, base, mode, 0) // just made by mknodat: not a symlink
	}
	return fmt.Errorf("unsupported entry type %q: %w", hdr.Typeflag, errdefs.ErrInvalid)
}

// meta sets the owner, mode and accepted xattrs of an open file or
// directory.
func (u *unpacker) meta(fd int, hdr *tar.Header) error {
	if err := unix.Fchown(fd, hdr.Uid, hdr.Gid); err != nil {
		return err
	}
	if err := unix.Fchmod(fd, uint32(hdr.Mode)&0o7777); err != nil { // after chown, which clears setuid bits
		return err
	}
	for k, v := range hdr.PAXRecords {
		xa, ok := strings.CutPrefix(k, "SCHILY.xattr.")
		if !ok || !xattrAllowed(xa) {
			continue
		}
		err := unix.Fsetxattr(fd, xa, []byte(v), 0)
		if err != nil && !errors.Is(err, unix.ENOTSUP) && !errors.Is(err, unix.EPERM) {
			return fmt.Errorf("xattr %s: %w", xa, err)
		}
	}
	return nil
}

// xattrAllowed says which extended attributes a layer may set: user.*,
// POSIX ACLs and file capabilities. Everything else in trusted.* and
// security.* is dropped: trusted.overlay.* would steer overlayfs itself
// (redirects, opaque directories, metacopy), and an SELinux label or IMA
// hash is the host's to set, never an image's.
func xattrAllowed(name string) bool {
	switch {
	case strings.HasPrefix(name, "user."):
		return true
	case name == "security.capability", name == "system.posix_acl_access", name == "system.posix_acl_default":
		return true
	}
	return false
}

// finish sets the directories' times, children first: creating the
// children moved their parents' mtimes.
func (u *unpacker) finish() {
	for i := len(u.dirs) - 1; i >= 0; i-- {
		d := u.dirs[i]
		if d.name == "." {
			tv := unix.NsecToTimeval(d.mtime.UnixNano())
			unix.Futimes(u.root, []unix.Timeval{tv, tv})
			continue
		}
		if pfd, err := u.openDir(path.Dir(d.name), false); err == nil {
			setTimesAt(pfd, path.Base(d.name), d.mtime, d.mtime)
			unix.Close(pfd)
		}
	}
}

// setTimesAt sets base's access and modification times without following
// a symlink.
func setTimesAt(pfd int, base string, atime, mtime time.Time) error {
	if atime.IsZero() {
		atime = mtime
	}
	ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
	return unix.UtimesNanoAt(pfd, base, ts, unix.AT_SYMLINK_NOFOLLOW)
}

// removeAt removes base from the directory dfd, and everything below it
// if it is a directory, never following a symlink.
func removeAt(dfd int, base string) error {
	err := unix.Unlinkat(dfd, base, 0)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	if !errors.Is(err, unix.EISDIR) {
		return err
	}
	fd, err := openat2(dfd, base, &unix.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: resolveBeneath})
	if err != nil {
		return err
	}
	d := os.NewFile(uintptr(fd), base)
	names, err := d.Readdirnames(-1)
	if err == nil {
		for _, n := range names {
			if err = removeAt(int(d.Fd()), n); err != nil {
				break
			}
		}
	}
	d.Close()
	if err != nil {
		return err
	}
	return unix.Unlinkat(dfd, base, unix.AT_REMOVEDIR)
}

// spool writes one member of an image archive (`berth load`): a directory
// or a regular file of at most max bytes, mode 0600, owned by root; other
// kinds are skipped. Names are checked as cleanName does and resolved
// beneath the root as every other write is.
func (u *unpacker) spool(hdr *tar.Header, r io.Reader, max int64) error {
	name, err := cleanName(hdr.Name)
	if err != nil {
		return fmt.Errorf("%v: %w", err, errdefs.ErrInvalid)
	}
	if isSparse(hdr) {
		return fmt.Errorf("sparse file (not accepted in an image archive): %w", errdefs.ErrInvalid)
	}
	if hdr.Size > max {
		return fmt.Errorf("%s, more than the per-layer limit of %s: %w", units.BytesSize(float64(hdr.Size)), units.BytesSize(float64(max)), errdefs.ErrInvalid)
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if name == "." {
			return nil
		}
		fd, err := u.openDir(name, true)
		if err == nil {
			unix.Close(fd)
		}
		return err
	case tar.TypeReg, tar.TypeRegA:
		pfd, err := u.openDir(path.Dir(name), true)
		if err != nil {
			return err
		}
		defer unix.Close(pfd)
		fd, err := unix.Openat(pfd, path.Base(name), unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(fd), name)
		defer f.Close()
		if _, err := io.Copy(f, r); err != nil {
			return err
		}
		return f.Close()
	}
	return nil
}
