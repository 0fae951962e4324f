package engine

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Check is `berth system check`: it verifies the store and the host
// against each other and returns one line per problem (none when the
// store is consistent). It holds the store lock, so no change that takes
// it runs meanwhile.
//
// Checked: the image store (layers.Store.Check: every blob's digest and
// size, every reference resolvable, orphan snapshots, temporary
// leftovers; a dead writer's temporaries and the blobs no image reaches
// are swept first, not reported: garbage, never data); every container's
// record and state readable; the name index agreeing with the records
// (each entry names an existing container of that name, each named
// container has its entry, no .tmp- link left); no mount under the store
// or run directory but those of running containers; no cgroup of the
// store (<parent>/<id>, every hierarchy) and no libcontainer state of a
// container that is gone or down; no shim of a container that does not
// exist; no chowned layer copies of ID maps no container has (a dead
// copier's temporaries are swept first, as the image store's are).
//
// With repair, what belongs to nothing is removed: orphan snapshots and
// blobs, leftovers, stale name entries, unused layer copies, leaked mounts, cgroups,
// libcontainer state and processes; a missing name entry is written
// again (two containers of one name are only reported). Data something refers to is never removed; a missing or
// corrupt blob is reported, not repaired.
func (e *Engine) Check(repair bool) ([]string, error) {
	var lines []string
	err := e.withLock(func() error {
		ids, err := e.containerIDs()
		if err != nil {
			return err
		}
		known, running, inUse := map[string]bool{}, map[string]bool{}, map[string]bool{}
		names := map[string]string{} // id -> name, of the readable records
		for _, id := range ids {
			known[id] = true
			r, err := e.loadRecord(id)
			if err != nil {
				lines = append(lines, fmt.Sprintf("container %s: record: %v", id[:12], err))
				continue
			}
			names[id] = r.Name
			for _, d := range r.LowerDirs {
				inUse[d] = true
			}
			st, err := e.loadState(id)
			if err != nil {
				lines = append(lines, fmt.Sprintf("container %s: state: %v", id[:12], err))
				continue
			}
			// A live shim owns its container's mounts and state, also
			// while it starts (created, waiting for its attach client).
			if shimAlive(st) {
				running[id] = true
			}
		}
		// Holding the lock, no image writer is at work: blobs no image
		// reaches were left by one killed before its index write.
		e.images.SweepOrphanBlobs()
		for _, p := range e.images.Check(inUse) {
			lines = append(lines, p.Msg)
			if repair && p.Remove != "" {
				os.RemoveAll(p.Remove)
			}
		}
		lines = append(lines, e.checkNames(known, names, repair)...)
		e.sweepCopyTemps() // garbage, never data: swept, not reported
		lines = append(lines, e.checkLayerCopies(ids, repair)...)
		lines = append(lines, e.checkRuntime(known, running, repair)...)
		return nil
	})
	return lines, err
}

// checkNames: every name index entry names an existing container that
// still has that name (a rename killed between its writes leaves the
// other name's entry pointing at it), and every named container has its
// entry. names maps the IDs of the readable records to their names.
func (e *Engine) checkNames(known map[string]bool, names map[string]string, repair bool) []string {
	var out []string
	entries, _ := os.ReadDir(e.namesDir())
	indexed := map[string]string{} // id -> its entry, for the entries that hold
	for _, ent := range entries {
		n := ent.Name()
		if strings.HasPrefix(n, ".tmp-") {
			out = append(out, "name index leftover "+filepath.Join(e.namesDir(), n)+": an interrupted create or rename")
			if repair {
				os.Remove(filepath.Join(e.namesDir(), n))
			}
			continue
		}
		p := filepath.Join(e.namesDir(), n)
		id, err := os.Readlink(p)
		cur, readable := names[id]
		switch {
		case err != nil || !known[id]:
			out = append(out, fmt.Sprintf("name %q: its container %.12s does not exist", n, id))
		case readable && cur != n:
			out = append(out, fmt.Sprintf("name %q: its container %.12s is named %q", n, id, cur))
		default:
			indexed[id] = n
			continue
		}
		if repair {
			os.Remove(p)
		}
	}
	for id, n := range names {
		if n == "" || indexed[id] == n {
			continue
		}
		if other, err := os.Readlink(filepath.Join(e.namesDir(), n)); err == nil && indexed[other] == n {
			// Two containers of one name: which one keeps it is the
			// user's call, not repair's.
			out = append(out, fmt.Sprintf("container %.12s: its name %q is held by container %.12s too", id, n, other))
			continue
		}
		out = append(out, fmt.Sprintf("container %.12s: its name %q is not in the name index", id, n))
		if repair {
			e.indexName(n, id)
		}
	}
	cdirs, _ := os.ReadDir(e.containersDir())
	for _, ent := range cdirs {
		if n := ent.Name(); (strings.HasPrefix(n, ".tmp-") || strings.HasPrefix(n, ".rm-")) && !e.shimAtWork(strings.TrimPrefix(n, ".rm-")) {
			out = append(out, "container leftover "+filepath.Join(e.containersDir(), n)+": an interrupted create, rename or remove")
			if repair {
				os.RemoveAll(filepath.Join(e.containersDir(), n))
			}
		}
	}
	return out
}

// checkRuntime: mounts, cgroups, libcontainer state and shims. A shim
// that holds its run directory's lock is at work, also after its
// container left the store: a --rm container's shim unmounts, ends the
// network and removes the libcontainer state after `run --rm` has
// removed the record (shimAtWork), and that is no leak.
func (e *Engine) checkRuntime(known, running map[string]bool, repair bool) []string {
	var out []string
	atWork := map[string]bool{}
	busy := func(id string) bool {
		w, seen := atWork[id]
		if !seen {
			w = e.shimAtWork(id)
			atWork[id] = w
		}
		return w
	}
	for _, mp := range mountsUnder(e.root, e.runRoot) {
		if id := e.mountOwner(mp); id == "" || (!running[id] && !busy(id)) {
			out = append(out, "leaked mount "+mp)
			if repair {
				unmount(mp)
			}
		}
	}
	for _, c := range e.hostCgroups() {
		if e.cgroupLeaked(c.id, known) {
			out = append(out, fmt.Sprintf("leaked cgroup %s of container %.12s", c.path, c.id))
			if repair {
				removeCgroup(c.path)
			}
		}
	}
	states, _ := os.ReadDir(e.stateRoot())
	for _, ent := range states {
		if id := ent.Name(); (!known[id] && !busy(id)) || (known[id] && !running[id] && e.containerDown(id)) {
			out = append(out, fmt.Sprintf("stale libcontainer state of container %.12s", ent.Name()))
			if repair {
				destroyStale(e.stateRoot(), ent.Name())
				os.RemoveAll(filepath.Join(e.stateRoot(), ent.Name()))
			}
		}
	}
	for pid, id := range e.shims() {
		if !known[id] && !busy(id) {
			out = append(out, fmt.Sprintf("shim %d of container %.12s, which does not exist", pid, id))
			if repair {
				syscallKill(pid)
			}
		}
	}
	return out
}

// mountOwner is the container whose run directory holds mount point mp.
func (e *Engine) mountOwner(mp string) string {
	rel, err := filepath.Rel(filepath.Join(e.runRoot, "c"), mp)
	if err != nil || strings.HasPrefix(rel, "..") {
		return ""
	}
	id, _, _ := strings.Cut(rel, "/")
	if !isID(id) {
		return ""
	}
	return id
}

// mountsUnder lists mount points in this process's namespace under any of
// dirs.
func mountsUnder(dirs ...string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 5 {
			continue
		}
		mp := unescapeMount(fl[4])
		for _, d := range dirs {
			if strings.HasPrefix(mp, d+"/") {
				out = append(out, mp)
				break
			}
		}
	}
	return out
}

// shims finds `berth shim` processes of this store: pid -> container ID.
func (e *Engine) shims() map[int]string {
	out := map[int]string{}
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + p.Name() + "/cmdline")
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
		if len(args) < 3 || filepath.Base(args[0]) != "berth" {
			continue
		}
		shim, runRoot, id := false, "", ""
		for i, a := range args[1:] {
			switch {
			case a == "shim":
				shim = true
			case a == "--run-root" && i+2 < len(args):
				runRoot = args[i+2]
			case strings.HasPrefix(a, "--run-root="):
				runRoot = strings.TrimPrefix(a, "--run-root=")
			case isID(a):
				id = a
			}
		}
		if shim && runRoot == e.runRoot && id != "" {
			out[pid] = id
		}
	}
	return out
}
