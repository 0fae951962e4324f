package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Beside is a file being written to replace path, for output the user
// names (berth save -o): until Commit nothing is visible at path, and a
// process killed at any moment leaves nothing beside it either.
//
// It is an unnamed O_TMPFILE inode in path's directory, linked in at
// Commit; a kill before that frees it with the process. Where the
// filesystem has no O_TMPFILE it is a named temporary file,
// .berth-save-<pid>-<random>, which the next Beside in that directory
// removes once its process is gone (SweepBeside).
type Beside struct {
	*os.File
	path  string
	named bool // the fallback: f has a name of its own
}

// tempPrefix names the fallback's temporary files.
const tempPrefix = ".berth-save-"

// CreateBeside starts a file that will replace path.
func CreateBeside(path string, perm os.FileMode) (*Beside, error) {
	dir := filepath.Dir(path)
	SweepBeside(dir)
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, uint32(perm.Perm()))
	if err == nil {
		return &Beside{File: os.NewFile(uintptr(fd), path), path: path}, nil
	}
	if !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.EISDIR) && !errors.Is(err, unix.EINVAL) {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, tempPrefix+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(perm.Perm()); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &Beside{File: f, path: path, named: true}, nil
}

// Commit syncs the file and puts it at path, replacing what was there.
func (b *Beside) Commit() error {
	defer b.File.Close()
	if err := b.Sync(); err != nil {
		b.Abort()
		return err
	}
	if b.named {
		if err := os.Rename(b.Name(), b.path); err != nil {
			os.Remove(b.Name())
			return err
		}
		return SyncDir(filepath.Dir(b.path))
	}
	proc := "/proc/self/fd/" + strconv.Itoa(int(b.Fd()))
	err := unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, b.path, unix.AT_SYMLINK_FOLLOW)
	if errors.Is(err, unix.EEXIST) {
		// linkat never replaces: link under a temporary name (swept if
		// we die in the next two calls) and rename over the old file.
		tmp := filepath.Join(filepath.Dir(b.path), tempPrefix+strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(int64(b.Fd()), 10))
		os.Remove(tmp)
		if err = unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, tmp, unix.AT_SYMLINK_FOLLOW); err == nil {
			if err = os.Rename(tmp, b.path); err != nil {
				os.Remove(tmp)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", b.path, err)
	}
	return SyncDir(filepath.Dir(b.path))
}

// Abort drops the file; path is untouched.
func (b *Beside) Abort() {
	b.File.Close()
	if b.named {
		os.Remove(b.Name())
	}
}

// SweepBeside removes temporary files of Beside in dir whose process is
// gone.
func SweepBeside(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, ent := range entries {
		rest, ok := strings.CutPrefix(ent.Name(), tempPrefix)
		if !ok {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 {
			continue
		}
		if pid != os.Getpid() && unix.Kill(pid, 0) == unix.ESRCH {
			os.Remove(filepath.Join(dir, ent.Name()))
		}
	}
}
