package engine

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/moby/sys/mountinfo"

	"github.com/berthdev/berth/internal/atomicfile"
)

// A store's run directory (/run/berth-<hash of root>) outlives the store
// when the store is deleted: nothing of the deleted store is left to remove
// it. So every Open names its store in <run root>/root, and sweeps the run
// directories of other stores: one whose store no longer exists, that has
// nothing mounted under it and no shim recorded in live/, is removed. A run
// directory without the root file (left by an older berth, or recreated by
// a late writer after its store was removed) cannot be told apart from a
// live store's that has not been opened since: it is removed only when it
// holds no file at all (only empty directories, nothing to lose) and has
// not changed for staleRunDir.

// runDirRootFile names the store of a run directory.
const runDirRootFile = "root"

// staleRunDir is how long a run directory that does not name its store
// must be unchanged before a sweep removes it: longer than any Open takes
// to lay one out.
const staleRunDir = time.Minute

var runDirPattern = regexp.MustCompile(`^berth-[0-9a-f]{12}$`)

// nameStore writes the root file of this store's run directory.
func (e *Engine) nameStore() error {
	p := filepath.Join(e.runRoot, runDirRootFile)
	if data, err := os.ReadFile(p); err == nil && string(data) == e.root+"\n" {
		return nil
	}
	return atomicfile.WriteFile(p, []byte(e.root+"\n"), 0o644)
}

// sweepRunDirs removes the run directories in parent (/run) of stores that
// no longer exist; errors leave a directory for the next sweep.
func sweepRunDirs(parent, own string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, ent := range entries {
		dir := filepath.Join(parent, ent.Name())
		if !ent.IsDir() || !runDirPattern.MatchString(ent.Name()) || dir == own || !orphanRunDir(dir) {
			continue
		}
		// Renamed first: a store being opened meanwhile makes a new one.
		gone := filepath.Join(parent, ".rm-"+ent.Name()+"-"+strconv.Itoa(os.Getpid()))
		if os.Rename(dir, gone) != nil {
			continue
		}
		if busyRunDir(gone) { // mounted meanwhile: put it back
			os.Rename(gone, dir)
			continue
		}
		os.RemoveAll(gone)
		// Its cgroup parent is named as its run directory was.
		removeEmptyCgroupParent(ent.Name())
	}
}

// orphanRunDir says whether dir is the run directory of a store that is
// gone and holds nothing alive.
func orphanRunDir(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, runDirRootFile))
	switch {
	case err == nil:
		root := strings.TrimSuffix(string(data), "\n")
		if !filepath.IsAbs(root) || RunRootFor(root) != dir {
			return false // not a root file berth wrote
		}
		if _, err := os.Lstat(root); !os.IsNotExist(err) {
			return false
		}
	case os.IsNotExist(err):
		// Whose it is is unknown: only a directory that holds no file at
		// all (so nothing is lost) and is not being made right now.
		fi, err := os.Stat(dir)
		if err != nil || time.Since(fi.ModTime()) < staleRunDir || holdsFiles(dir) {
			return false
		}
	default:
		return false
	}
	if live, err := os.ReadDir(filepath.Join(dir, "live")); err == nil && len(live) > 0 {
		return false
	}
	return !busyRunDir(dir)
}

// holdsFiles says whether there is anything but directories under dir.
func holdsFiles(dir string) bool {
	found := false
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// busyRunDir says whether anything is mounted at or under dir (a running
// container's rootfs, /dev/shm or network namespace): RemoveAll would
// descend into it.
func busyRunDir(dir string) bool {
	mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	return err != nil || len(mounts) > 0
}
