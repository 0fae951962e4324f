package layers

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/atomicfile"
)

// Staging of pulls. Each Fetch stages its blobs in a directory of its own,
// ingest/pull-<manifest digest>-<random>/, and holds an flock on its
// .lock file until CommitPull (or Release): two pulls of one image at once
// never remove each other's files. A verified blob staged by an earlier
// pull that was interrupted is hard-linked from its directory, so the next
// pull does not fetch it again; a directory whose lock nobody holds (its
// pull died) is removed by the next CommitPull of that image.

// newStaging makes and locks this fetch's staging directory.
func (s *Store) newStaging(p *Pulled, manifestHex string) error {
	p.stagePrefix = filepath.Join(s.ingest, "pull-"+manifestHex[:24]+"-")
	dir, err := os.MkdirTemp(s.ingest, "pull-"+manifestHex[:24]+"-")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		os.RemoveAll(dir)
		return err
	}
	p.dir, p.lock = dir, f
	return nil
}

// reuseStaged looks for blob hex verified by an earlier, interrupted pull
// of this image, links it into this pull's directory and returns its
// uncompressed size.
func (p *Pulled) reuseStaged(hex string) (int64, bool) {
	dirs, _ := filepath.Glob(p.stagePrefix + "*")
	for _, d := range dirs {
		if d == p.dir {
			continue
		}
		data, err := os.ReadFile(filepath.Join(d, hex+".size"))
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		if err != nil {
			continue
		}
		if err := os.Link(filepath.Join(d, hex), filepath.Join(p.dir, hex)); err != nil && !errors.Is(err, fs.ErrExist) {
			continue
		}
		if atomicfile.WriteFile(filepath.Join(p.dir, hex+".size"), data, 0o644) != nil {
			continue
		}
		return n, true
	}
	return 0, false
}

// Release gives up a fetched image that will not be committed: its
// verified blobs stay staged for the next pull. CommitPull releases too.
func (p *Pulled) Release() {
	if p != nil && p.lock != nil {
		p.lock.Close()
		p.lock = nil
	}
}

// finish removes this pull's staging directory, and those of pulls of the
// same image that died, once the image is committed.
func (p *Pulled) finish() {
	os.RemoveAll(p.dir)
	p.Release()
	dirs, _ := filepath.Glob(p.stagePrefix + "*")
	for _, d := range dirs {
		f, err := os.Open(filepath.Join(d, ".lock"))
		if err != nil {
			continue // not locked yet: Open's sweep of stale entries will do
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			os.RemoveAll(d)
		}
		f.Close()
	}
}
