package engine

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// warmCgroupAttach moves the calling process into the cgroup it is already
// in. It changes nothing but the state of the kernel's lock for cgroup
// migrations, and that is the point: the first write to a cgroup.procs
// file after a quiet spell waits for an RCU grace period while the lock
// (cgroup_threadgroup_rwsem) switches to its writer mode, ~10 ms on this
// host and with runc too; writes soon after are quick (~20 µs).
// libcontainer's first such write, putting a container's init into its
// cgroups, is on the critical path of every start and exec. Run in a
// goroutine while the shim mounts the rootfs and builds the spec, this
// write pays the wait off that path. Best effort: any failure only leaves
// the wait where it was.
func warmCgroupAttach() {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return
	}
	pid := []byte(strconv.Itoa(os.Getpid()))
	v2 := ""
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		// hierarchy-ID:controllers:path
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "/") {
			continue
		}
		if parts[1] == "" {
			v2 = parts[2]
			continue
		}
		if strings.HasPrefix(parts[1], "name=") {
			continue
		}
		// A cgroup v1 hierarchy, mounted under its controllers' names.
		if os.WriteFile(filepath.Join("/sys/fs/cgroup", parts[1], parts[2], "cgroup.procs"), pid, 0) == nil {
			return
		}
	}
	if v2 != "" {
		mnt := "/sys/fs/cgroup"
		if _, err := os.Stat(filepath.Join(mnt, "unified", "cgroup.procs")); err == nil {
			mnt = filepath.Join(mnt, "unified") // hybrid
		}
		os.WriteFile(filepath.Join(mnt, v2, "cgroup.procs"), pid, 0)
	}
}
