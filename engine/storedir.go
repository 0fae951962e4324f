package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

// Store ownership. Root's berth follows what the store says: a container
// record names host paths to bind-mount, a snapshot is an overlay lower
// directory. A store that another user could write, or could have made
// before root did (a directory under /tmp), would let that user choose
// what root mounts. So the store and the run directory, and every
// directory above them up to /, must belong to root; none may be writable
// by group or others, except an ancestor with the sticky bit (as /tmp),
// where others can add entries but not rename or remove root's.
//
// The walk opens each component with O_PATH|O_NOFOLLOW relative to its
// checked parent and fstats the descriptor, so what is checked is what the
// next step opens; a symbolic link is followed only when root owns it. Once
// every ancestor is root's and closed to others, nobody else can swap a
// component afterwards, so later path-based opens reach the same
// directories.

// A rootless berth (rootless.go) makes the same walk twice. Before it
// enters its user namespace, with the user's real credentials: the store
// and the run directory must be the user's, their ancestors the user's or
// real root's. Inside the namespace the user's files read as uid 0 and
// real root's as the overflow uid (65534), as would any other user's: so
// there an ancestor may read as the overflow uid, which the first walk
// has already shown to be real root's.

// owners are the uids a walk accepts: self for every component, and
// ancestors (not the directory itself) for those above it.
type owners struct {
	self      uint32
	ancestors []uint32
}

// secureDir checks dir and its ancestors and, when create is set, makes
// missing components (mode 0700, the caller's).
func secureDir(dir string, create bool) error {
	o := owners{self: uint32(os.Geteuid())}
	if Rootless() {
		o.ancestors = []uint32{overflowUID()}
	}
	return walkDir(dir, create, o)
}

// overflowUID is the uid unmapped owners read as in a user namespace.
func overflowUID() uint32 {
	data, err := os.ReadFile("/proc/sys/kernel/overflowuid")
	if err != nil {
		return 65534
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 32)
	if err != nil {
		return 65534
	}
	return uint32(n)
}

// ok says whether uid may own a component (last: the directory itself).
func (o owners) ok(uid uint32, last bool) bool {
	return uid == o.self || (!last && slices.Contains(o.ancestors, uid))
}

// walkDir is secureDir for the owners o.
func walkDir(dir string, create bool, o owners) error {
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("directory %s: not an absolute path: %w", dir, errdefs.ErrInvalid)
	}
	fd, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer func() { unix.Close(fd) }()
	if err := checkDirFd(fd, "/", false, o); err != nil {
		return err
	}
	todo := splitPath(dir)
	cur := "/"
	for hops := 0; len(todo) > 0; {
		name := todo[0]
		todo = todo[1:]
		if name == "." {
			continue
		}
		if name == ".." {
			// Lexically: cur is a checked chain from /, so its parent is
			// too; reopen it from the root.
			cur = filepath.Dir(cur)
			todo = append(splitPath(cur), todo...)
			cur = "/"
			nfd, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			unix.Close(fd)
			fd = nfd
			continue
		}
		path := filepath.Join(cur, name)
		last := len(todo) == 0
		nfd, err := unix.Openat(fd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) && create {
			if err := unix.Mkdirat(fd, name, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
				return fmt.Errorf("creating %s: %w", path, err)
			}
			nfd, err = unix.Openat(fd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		}
		if err != nil {
			return fmt.Errorf("directory %s: %w", path, err)
		}
		var st unix.Stat_t
		if err := unix.Fstat(nfd, &st); err != nil {
			unix.Close(nfd)
			return fmt.Errorf("directory %s: %w", path, err)
		}
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			// Its directory is checked; the link must be root's too.
			target, err := readlinkFd(nfd)
			unix.Close(nfd)
			if err != nil {
				return fmt.Errorf("directory %s: %w", path, err)
			}
			if !o.ok(st.Uid, false) {
				return fmt.Errorf("directory %s: a symbolic link owned by uid %d, not %s: %w", path, st.Uid, o.whom(), errdefs.ErrPermission)
			}
			if hops++; hops > 40 {
				return fmt.Errorf("directory %s: too many symbolic links: %w", path, errdefs.ErrInvalid)
			}
			if filepath.IsAbs(target) {
				todo = append(splitPath(target), todo...)
				cur = "/"
				rfd, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
				if err != nil {
					return err
				}
				unix.Close(fd)
				fd = rfd
			} else {
				todo = append(splitPath(target), todo...)
			}
			continue
		}
		unix.Close(fd)
		fd = nfd
		cur = path
		if err := checkStat(&st, cur, last, o); err != nil {
			return err
		}
	}
	return nil
}

// checkDirFd checks an open directory as checkStat does.
func checkDirFd(fd int, path string, last bool, o owners) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("directory %s: %w", path, err)
	}
	return checkStat(&st, path, last, o)
}

// whom names the expected owner in an error.
func (o owners) whom() string {
	if o.self == 0 && len(o.ancestors) == 0 {
		return "root"
	}
	return "uid " + strconv.FormatUint(uint64(o.self), 10) + " (yours)"
}

// checkStat: a directory, owned as o says, not writable by group or others;
// an ancestor (not last) may be writable by them when it is sticky.
func checkStat(st *unix.Stat_t, path string, last bool, o owners) error {
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("directory %s: not a directory: %w", path, errdefs.ErrInvalid)
	}
	if !o.ok(st.Uid, last) {
		return fmt.Errorf("directory %s is owned by uid %d, not %s; refusing a store another user could have written: %w", path, st.Uid, o.whom(), errdefs.ErrPermission)
	}
	if st.Mode&0o022 != 0 && (last || st.Mode&unix.S_ISVTX == 0) {
		return fmt.Errorf("directory %s is writable by group or others (mode %04o); refusing a store another user could write: %w", path, st.Mode&0o7777, errdefs.ErrPermission)
	}
	return nil
}

func readlinkFd(fd int) (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(fd, "", buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
