package inspect

import (
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Without a cgroup (a rootless container on a cgroup v1 host) there is no
// list of a container's processes to read: its processes are those that
// share its init's PID namespace, found by the namespace's inode in
// /proc/<pid>/ns/pid.

// PidnsMembers are the host pids of the processes in the PID namespace of
// init, init first; only init when its namespace is the host's (shared
// with --pid host, where no set can be told apart).
func PidnsMembers(init int) []int {
	var want unix.Stat_t
	if unix.Stat("/proc/"+strconv.Itoa(init)+"/ns/pid", &want) != nil {
		return nil
	}
	var self unix.Stat_t
	if unix.Stat("/proc/1/ns/pid", &self) == nil && self.Ino == want.Ino && self.Dev == want.Dev {
		return []int{init}
	}
	out := []int{init}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == init {
			continue
		}
		var st unix.Stat_t
		if unix.Stat("/proc/"+e.Name()+"/ns/pid", &st) == nil && st.Ino == want.Ino && st.Dev == want.Dev {
			out = append(out, pid)
		}
	}
	return out
}

// ReadProcStats are the figures of a set of processes that /proc gives
// without a cgroup: CPU time (user and system), resident memory, count.
// Block I/O, page cache, limits and OOM counters are cgroup figures and
// stay zero.
func ReadProcStats(pids []int) *CgroupStats {
	out := &CgroupStats{}
	for _, pid := range pids {
		f, err := statFields(pid)
		if err != nil || len(f) < 22 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		out.CPUUser += ticks(ut)
		out.CPUSystem += ticks(st)
		out.PIDs++
		if data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status"); err == nil {
			for _, l := range strings.Split(string(data), "\n") {
				if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
					kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
					out.MemoryUsage += kb << 10
					out.MemoryAnon += kb << 10
				}
			}
		}
	}
	out.CPUUsage = out.CPUUser + out.CPUSystem
	return out
}

func ticks(n int64) time.Duration { return time.Duration(n * int64(time.Second) / clockTicks) }
