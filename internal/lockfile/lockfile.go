// Package lockfile is an flock(2) lock on a file that records who holds it, so
// that a process kept waiting can say which process (pid and command line) is
// in the way. The lock is released by the kernel when the holder dies.
package lockfile

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

// Lock is a held lock. Unlock releases it.
type Lock struct{ f *os.File }

// Acquire takes an exclusive lock on path, waiting at most timeout. When the
// wait times out the error wraps errdefs.ErrUnavailable and names the holder.
func Acquire(path string, timeout time.Duration) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lock(f, path, timeout); err != nil {
		f.Close()
		return nil, err
	}
	// Record ourselves as the holder for whoever waits next.
	me := strconv.Itoa(os.Getpid()) + " " + cmdline(os.Getpid())
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(me+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// lock flocks f, retrying while another holds it (EWOULDBLOCK) until the
// deadline; any other error is returned at once.
func lock(f *os.File, path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	delay := time.Millisecond
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return fmt.Errorf("locking %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s is locked by %s: %w", path, Holder(path), errdefs.ErrUnavailable)
		}
		time.Sleep(delay)
		if delay < 50*time.Millisecond {
			delay *= 2
		}
	}
}

// Held reports whether a process holds the lock on path, without taking
// it for longer than the test and without making the file: Acquire used as
// a test made a missing file and wrote its own pid as the holder. It
// takes a shared lock for the instant of the test, so two probes never
// fail each other (every holder takes the exclusive lock). A missing file
// is an error wrapping fs.ErrNotExist: nobody can hold it.
func Held(path string) (bool, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0)
	if err != nil {
		return false, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	switch err := unix.Flock(fd, unix.LOCK_SH|unix.LOCK_NB); {
	case err == nil:
		return false, nil
	case errors.Is(err, unix.EWOULDBLOCK):
		return true, nil
	default:
		return false, fmt.Errorf("locking %s: %w", path, err)
	}
}

// Unlock releases the lock. The holder record is left; it is only read while
// the lock is held by someone.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor drops the flock
	l.f = nil
	return err
}

// Holder describes the process holding the lock: "pid 123 (berth pull x)".
// The kernel's /proc/locks names it even when it is not berth; failing that,
// the pid recorded in the file by the last berth that took it.
func Holder(path string) string {
	if pid := lockHolderPid(path); pid > 0 {
		if cmd := cmdline(pid); cmd != "" {
			return fmt.Sprintf("pid %d (%s)", pid, cmd)
		}
		return fmt.Sprintf("pid %d", pid)
	}
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return "another process"
	}
	pid, cmd, _ := strings.Cut(strings.TrimSpace(string(data)), " ")
	if cmd == "" {
		return "pid " + pid
	}
	return fmt.Sprintf("pid %s (%s)", pid, cmd)
}

func cmdline(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	s := strings.TrimRight(strings.ReplaceAll(string(data), "\x00", " "), " ")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

// lockHolderPid finds, in /proc/locks, the process with a lock on path's inode.
func lockHolderPid(path string) int {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0
	}
	data, err := os.ReadFile("/proc/locks")
	if err != nil {
		return 0
	}
	// "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
	want := ":" + strconv.FormatUint(st.Ino, 10)
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && f[1] == "FLOCK" && strings.HasSuffix(f[5], want) {
			if pid, err := strconv.Atoi(f[4]); err == nil {
				return pid
			}
		}
	}
	return 0
}
