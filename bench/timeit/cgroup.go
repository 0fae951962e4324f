package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// cpuGroup is a cgroup of timeit's own that counts the CPU time of every
// process the timed command starts, whatever it does: daemonless tools
// leave work behind their CLI (berth's shim removes a --rm container after
// `run` returns, runc's init is a process of its own), so the CLI's rusage
// would miss it. timeit joins the group before the first run and leaves it
// at the end; its own share is its fork and exec of each run, the same for
// every tool. cgroup v1 cpuacct (cpuacct.usage), else cgroup v2 (cpu.stat
// usage_usec, counted in every v2 cgroup).
type cpuGroup struct {
	dir    string // the group's directory
	parent string // the directory of timeit's cgroup before, to go back to
	v1     bool
}

// joinCPUGroup makes the group name under timeit's current cgroup and
// moves timeit into it.
func joinCPUGroup(name string) (*cpuGroup, error) {
	own, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	g := &cpuGroup{}
	for _, line := range strings.Split(strings.TrimSpace(string(own)), "\n") {
		parts := strings.SplitN(line, ":", 3) // hierarchy-ID:controllers:path
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "cpuacct" {
				g.parent, g.v1 = filepath.Join("/sys/fs/cgroup", parts[1], parts[2]), true
			}
		}
		if parts[1] == "" && g.parent == "" {
			mnt := "/sys/fs/cgroup"
			if _, err := os.Stat("/sys/fs/cgroup/unified/cgroup.procs"); err == nil {
				mnt = "/sys/fs/cgroup/unified" // hybrid
			}
			g.parent = filepath.Join(mnt, parts[2])
		}
	}
	if g.parent == "" {
		return nil, fmt.Errorf("no cpuacct or cgroup v2 hierarchy in /proc/self/cgroup")
	}
	g.dir = filepath.Join(g.parent, name)
	if err := os.Mkdir(g.dir, 0o755); err != nil {
		return nil, err
	}
	if err := g.move(g.dir); err != nil {
		os.Remove(g.dir)
		return nil, err
	}
	return g, nil
}

func (g *cpuGroup) move(dir string) error {
	return os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0)
}

// usage is the group's CPU time so far.
func (g *cpuGroup) usage() (time.Duration, error) {
	if g.v1 {
		b, err := os.ReadFile(filepath.Join(g.dir, "cpuacct.usage"))
		if err != nil {
			return 0, err
		}
		ns, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
		return time.Duration(ns), err
	}
	b, err := os.ReadFile(filepath.Join(g.dir, "cpu.stat"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "usage_usec "); ok {
			us, err := strconv.ParseInt(v, 10, 64)
			return time.Duration(us) * time.Microsecond, err
		}
	}
	return 0, fmt.Errorf("%s: no usage_usec", g.dir)
}

// settle waits until timeit is the group's only process, so that work
// a run left behind (a shim finishing) is counted before usage is read.
// Left-behind processes that have not ended by the deadline are an error:
// the tool leaks them.
func (g *cpuGroup) settle(deadline time.Duration) error {
	self := strconv.Itoa(os.Getpid())
	end := time.Now().Add(deadline)
	for {
		b, err := os.ReadFile(filepath.Join(g.dir, "cgroup.procs"))
		if err != nil {
			return err
		}
		others := 0
		for _, p := range strings.Fields(string(b)) {
			if p != self {
				others++
			}
		}
		if others == 0 {
			return nil
		}
		if time.Now().After(end) {
			return fmt.Errorf("%d processes still running in %s after %v", others, g.dir, deadline)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// leave moves timeit back and removes the group and any (empty) groups
// the tools made below it. One that cannot be removed is an error: a
// tool left a cgroup (or a process in it) behind.
func (g *cpuGroup) leave() error {
	if err := g.move(g.parent); err != nil {
		return err
	}
	var dirs []string
	filepath.WalkDir(g.dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	var first error
	for i := len(dirs) - 1; i >= 0; i-- { // leaves first
		if err := os.Remove(dirs[i]); err != nil && first == nil {
			first = fmt.Errorf("cgroup left behind: %w", err)
		}
	}
	return first
}
