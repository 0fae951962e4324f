package layers

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Temporary entries (ingest/blob-*, ingest/layer-*, ingest/load-*,
// snapshots/.tmp-*) are held by their writer with an flock on the entry
// itself for as long as it works on them. The kernel drops the lock when
// the writer dies, however it dies, so "nobody holds it" is exact where an
// age was a guess: a dead writer's entry is swept at the next Open (after
// a short grace that covers the instant between creating an entry and
// locking it), and a slow live one is never taken from under it.
//
// Pull staging directories (ingest/pull-*) are different: a dead pull's
// verified blobs are kept for the next pull of the image to reuse
// (remote_staging.go), for an hour.

// tmpGrace is how old an unlocked temporary entry must be to be a
// leftover: far longer than the create-to-lock step of a writer.
const tmpGrace = time.Minute

// pullKeep is how long a dead pull's staging is kept for reuse.
const pullKeep = time.Hour

// holdEntry locks f, a temporary entry its caller has just created,
// for as long as f stays open.
func holdEntry(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
}

// holdDir opens and locks the temporary directory dir; closing the
// returned file releases it.
func holdDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := holdEntry(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// held reports whether a live process holds the flock on p.
func held(p string) bool {
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
	return errors.Is(err, unix.EWOULDBLOCK)
}

// leftover reports whether the temporary entry name of dir was left by a
// writer that is gone.
func leftover(dir, name string) bool {
	p := filepath.Join(dir, name)
	if strings.HasPrefix(name, "pull-") {
		return !held(filepath.Join(p, ".lock")) && age(p) > pullKeep
	}
	return !held(p) && age(p) > tmpGrace
}

// cleanStale removes the entries of dir (with prefix) that leftover says
// a dead writer left.
func cleanStale(dir, prefix string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && leftover(dir, e.Name()) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}
