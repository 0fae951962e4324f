package engine

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/lockfile"
)

// Leaked cgroups. A container's cgroup is the relative path
// <parent>/<id> (spec.go), made by libcontainer under the cgroup of the
// shim that started it, in every hierarchy (cgroup v1) or in the one (v2).
// The parent is the store's own (cgroupParent), so a store judges only its
// own cgroups: on a machine a class shares, one student's check never
// calls another's starting or stopping container leaked. A shim killed
// during start leaves those directories with no libcontainer state that
// names them; reconcile finds them here and removes the ones whose
// container no longer exists or does not run.

// cgroupParent is the store's cgroup parent, named as its run directory
// is: "berth" for the default store, "berth-<hash of the root>" for others.
func (e *Engine) cgroupParent() string {
	if b := filepath.Base(e.runRoot); strings.HasPrefix(b, "berth") {
		return b
	}
	sum := sha256.Sum256([]byte(e.runRoot))
	return "berth-" + hex.EncodeToString(sum[:])[:12]
}

// cgroupDir is one <parent>/<id> cgroup directory of the store.
type cgroupDir struct{ id, path string }

// berthCgroups lists the store's <parent>/<id> directories under this
// process's cgroup and its ancestors in every mounted hierarchy: where
// shims started by berth commands (which inherit the caller's cgroup) put
// them.
func (e *Engine) berthCgroups() []cgroupDir {
	var out []cgroupDir
	for _, dir := range parentCgroupDirs(e.cgroupParent()) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, ent := range entries {
			if ent.IsDir() && isID(ent.Name()) {
				out = append(out, cgroupDir{ent.Name(), filepath.Join(dir, ent.Name())})
			}
		}
	}
	return out
}

// parentCgroupDirs are the places a store's cgroup parent named parent
// may be: under this process's cgroup and each of its ancestors, in every
// mounted hierarchy.
func parentCgroupDirs(parent string) []string {
	var own []string
	if f, err := os.Open("/proc/self/cgroup"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if parts := strings.SplitN(sc.Text(), ":", 3); len(parts) == 3 {
				for p := parts[2]; ; p = filepath.Dir(p) {
					own = append(own, p)
					if p == "/" || p == "." {
						break
					}
				}
			}
		}
		f.Close()
	}
	var out []string
	seen := map[string]bool{}
	for _, m := range cgroupMounts() {
		for _, p := range own {
			dir := filepath.Join(m, p, parent)
			if !seen[dir] {
				seen[dir] = true
				out = append(out, dir)
			}
		}
	}
	return out
}

// removeEmptyCgroupParent removes a deleted store's cgroup parent (named
// as its run directory) and the empty container cgroups under it, in
// every hierarchy. rmdir only: a cgroup with a process in it stays.
func removeEmptyCgroupParent(parent string) {
	for _, dir := range parentCgroupDirs(parent) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, ent := range entries {
			if ent.IsDir() && isID(ent.Name()) {
				unix.Rmdir(filepath.Join(dir, ent.Name()))
			}
		}
		unix.Rmdir(dir)
	}
}

// hostCgroups is berthCgroups, or what the engine was opened with instead
// (host.cgroups).
func (e *Engine) hostCgroups() []cgroupDir {
	if e.cgroups == nil {
		return e.berthCgroups()
	}
	return e.cgroups()
}

// cgroupMounts are the mount points of cgroup and cgroup2 filesystems.
func cgroupMounts() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		for i, fld := range fields {
			if fld == "-" && i+1 < len(fields) && (fields[i+1] == "cgroup" || fields[i+1] == "cgroup2") && len(fields) > 4 {
				out = append(out, unescapeMount(fields[4]))
			}
		}
	}
	return out
}

func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// removeCgroup kills what is left in a dead container's cgroup and removes
// the directory; the kernel refuses rmdir until the killed are gone.
func removeCgroup(dir string) error {
	deadline := time.Now().Add(2 * time.Second)
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs")); err == nil {
			for _, f := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
					unix.Kill(pid, unix.SIGKILL)
				}
			}
		}
		err := unix.Rmdir(dir)
		if err == nil || os.IsNotExist(err) {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// containerDown reports whether a container that exists neither runs nor
// is being started: its state says it is not running and no shim holds
// its lock.
func (e *Engine) containerDown(id string) bool {
	st, err := e.loadState(id)
	if err != nil || st.running() || shimAlive(st) {
		return false
	}
	if _, err := os.Stat(e.runDir(id)); os.IsNotExist(err) {
		return true // never started, or cleaned up after: no shim
	}
	held, err := lockfile.Held(filepath.Join(e.runDir(id), "shim.lock"))
	if err != nil {
		return errors.Is(err, fs.ErrNotExist) // no shim has made its lock: as Acquire found it free
	}
	return !held
}

// cgroupLeaked says whether a cgroup of the store belongs to nothing: its
// container is down, or the store does not know it and has no run state
// of it (a container removed while its shim was being killed).
func (e *Engine) cgroupLeaked(id string, known map[string]bool) bool {
	if known[id] {
		return e.containerDown(id)
	}
	for _, d := range []string{filepath.Join(e.runRoot, "c", id), filepath.Join(e.stateRoot(), id)} {
		if _, err := os.Stat(d); err == nil {
			return false
		}
	}
	return true
}

// sweepCgroups removes leaked cgroups. Called with the store lock held.
// A container has a directory in every cgroup v1 hierarchy: each ID is
// judged once (perf measured the per-directory judgement at 37% of the
// CPU of `run --rm` on a host with 160 cgroup directories).
func (e *Engine) sweepCgroups(known map[string]bool) {
	leaked := map[string]bool{}
	for _, c := range e.hostCgroups() {
		l, judged := leaked[c.id]
		if !judged {
			l = e.cgroupLeaked(c.id, known)
			leaked[c.id] = l
		}
		if l {
			removeCgroup(c.path)
		}
	}
}

func syscallKill(pid int) { unix.Kill(pid, unix.SIGKILL) }
