package idmap

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Userns is a user namespace holding one pair of maps, kept for idmapped
// mounts. Close releases it.
type Userns struct {
	f *os.File
}

// NewUserns makes a user namespace with uids and gids. Its one process is
// a child of ours that never runs: put in PTRACE_TRACEME mode it stops at
// its exec (runc's internal/userns does the same), and it is killed as
// soon as the namespace is open, which keeps the namespace alive.
func NewUserns(uids, gids []Map) (*Userns, error) {
	sys := func(ms []Map) []syscall.SysProcIDMap {
		out := make([]syscall.SysProcIDMap, len(ms))
		for i, m := range ms {
			out[i] = syscall.SysProcIDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)}
		}
		return out
	}
	p, err := os.StartProcess("/proc/self/exe", []string{"berth-idmap"}, &os.ProcAttr{Sys: &syscall.SysProcAttr{
		Cloneflags:  unix.CLONE_NEWUSER,
		UidMappings: sys(uids),
		GidMappings: sys(gids),
		Ptrace:      true,
	}})
	if err != nil {
		return nil, fmt.Errorf("user namespace for %s: %w", Format(uids), err)
	}
	defer func() {
		p.Kill()
		p.Wait()
	}()
	f, err := os.Open(fmt.Sprintf("/proc/%d/ns/user", p.Pid))
	if err != nil {
		return nil, fmt.Errorf("user namespace for %s: %w", Format(uids), err)
	}
	return &Userns{f: f}, nil
}

// Close releases the namespace (mounts made through it keep it alive).
func (u *Userns) Close() error { return u.f.Close() }

// Mount is a detached idmapped copy of the mount at dir, not recursive and
// attached nowhere: the kernel path /proc/self/fd/N (Path) names it for a
// later mount, overlay's lowerdir. Close drops it.
type Mount struct{ f *os.File }

// IDMapped makes an idmapped copy of dir through u: a file owned by ID n
// on disk is seen as owned by u's host ID of n, and written back through
// the map. EINVAL means the filesystem or kernel cannot idmap.
func (u *Userns) IDMapped(dir string) (*Mount, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, dir, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("idmapped mount of %s: %w", dir, err)
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(u.f.Fd())}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("idmapped mount of %s: %w", dir, err)
	}
	return &Mount{f: os.NewFile(uintptr(fd), dir)}, nil
}

// Path names the mount while it is open, for this process only.
func (m *Mount) Path() string { return fmt.Sprintf("/proc/self/fd/%d", m.f.Fd()) }

// Close drops the mount (an overlay made from it keeps its own reference).
func (m *Mount) Close() error { return m.f.Close() }
