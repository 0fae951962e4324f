package engine

import (
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// reapStrays reaps libcontainer's intermediate processes that died
// children of the shim with nobody left to wait for them, until stop is
// closed.
//
// nsexec clones its stage-1 and stage-2 processes with CLONE_PARENT, so
// they are the shim's children; libcontainer waits for them only on the
// path where it learnt their pids. An exec (a health check) that fails
// half-way, typically because the container is dying, leaves
// runc:[1:CHILD] and runc:[2:INIT] zombies. One of them in the container's
// pid namespace keeps its dying PID 1 in zap_pid_ns_processes for ever:
// the shim's Wait never returns, stop and rm -f hang, and every health
// check leaves one zombie more (3,292 in 11 minutes once, under load).
//
// After each SIGCHLD it waits reapGrace, which libcontainer's own waits
// (made right after the process ends) have long used, then reaps the
// zombies still named runc:[...]. A process that has exec'd the user's
// command no longer has that name, so only libcontainer's own are taken;
// a name is the process's own to set (prctl), so the container's init,
// whose exit status the shim waits for, is never taken whatever its name
// (keep).
func reapStrays(stop <-chan struct{}, keep func(pid int) bool) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGCHLD)
	defer signal.Stop(sigs)
	for {
		select {
		case <-stop:
			return
		case <-sigs:
		}
		select {
		case <-stop:
			return
		case <-time.After(reapGrace):
		}
		reapStrayZombies(keep)
	}
}

const reapGrace = time.Second

// reapStrayZombies reaps this process's zombie children named runc:[...],
// but none that keep says is waited for, and returns their pids.
func reapStrayZombies(keep func(pid int) bool) []int {
	var reaped []int
	for _, pid := range childPids() {
		if keep(pid) {
			continue
		}
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		s := string(data)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || len(s) < end+3 {
			continue
		}
		if comm, state := s[open+1:end], s[end+2]; state == 'Z' && strings.HasPrefix(comm, "runc:[") {
			if n, err := unix.Wait4(pid, nil, unix.WNOHANG, nil); err == nil && n == pid {
				reaped = append(reaped, pid)
			}
		}
	}
	return reaped
}

// childPids lists the children of every thread of this process.
func childPids() []int {
	var pids []int
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}
