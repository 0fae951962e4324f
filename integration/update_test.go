package integration

import (
	"strings"
	"testing"
	"time"
)

// cgroupLimits reads, inside a container, its memory, CPU quota, pids and
// shares limits from whichever cgroup layout the host has (v1 files, else
// v2's), as "memory quota pids shares".
const cgroupLimits = `if [ -e /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
echo $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes) $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/pids/pids.max) $(cat /sys/fs/cgroup/cpu/cpu.shares)
else echo $(cat /sys/fs/cgroup/memory.max) $(cut -d' ' -f1 /sys/fs/cgroup/cpu.max) $(cat /sys/fs/cgroup/pids.max) $(cat /sys/fs/cgroup/cpu.weight); fi`

// TestUpdateRunning: update changes a running container's cgroup at once
// (memory, CPUs, pids, shares), prints its name as docker does, records the
// values in inspect, lifts limits with 0/-1, and refuses bad values in one
// line leaving everything as it was.
func TestUpdateRunning(t *testing.T) {
	s := newStore(t)
	s.ok("run", "-d", "--pull", "never", "--name", "live", "busybox", "sleep", "300")
	if got := s.ok("update", "-m", "64m", "--cpus", "0.5", "--pids-limit", "50", "--cpu-shares", "512", "live"); got != "live" {
		t.Errorf("update printed %q, want the name", got)
	}
	f := strings.Fields(s.ok("exec", "live", "sh", "-c", cgroupLimits))
	if len(f) != 4 || f[0] != "67108864" || f[1] != "50000" || f[2] != "50" {
		t.Fatalf("cgroup after update: %q", f)
	}
	if f[3] != "512" && f[3] != "20" { // v1 shares, or v2's weight for 512 shares
		t.Errorf("cpu shares after update: %q", f[3])
	}
	if got := s.ok("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}}", "live"); got != "67108864 500000000 50 512" {
		t.Errorf("inspect after update: %q", got)
	}
	s.fails(1, "cannot update container live: minimum memory limit allowed is 6MB", "update", "-m", "1k", "live")
	s.fails(1, "cannot update container live: --cpu-shares 1: must be between 2 and 262144", "update", "--cpu-shares", "1", "live")
	s.fails(1, "you must provide one or more flags when using this command", "update", "live")
	if got := s.ok("inspect", "-f", "{{.HostConfig.Memory}}", "live"); got != "67108864" {
		t.Errorf("a refused update changed the record: %q", got)
	}
	s.ok("update", "--pids-limit", "-1", "-m", "0", "live")
	f = strings.Fields(s.ok("exec", "live", "sh", "-c", cgroupLimits))
	if len(f) != 4 || f[0] == "67108864" || f[2] != "max" {
		t.Errorf("cgroup after lifting the limits: %q", f)
	}
}

// TestUpdateStopped: a created container's record is updated and its next
// start has the new limits; --restart on a running container takes effect
// at its next exit; --restart on a --rm container is refused.
func TestUpdateStopped(t *testing.T) {
	s := newStore(t)
	s.ok("create", "--pull", "never", "--name", "later", "busybox", "sleep", "300")
	s.ok("update", "-m", "48m", "--pids-limit", "40", "later")
	s.ok("start", "later")
	f := strings.Fields(s.ok("exec", "later", "sh", "-c", cgroupLimits))
	if len(f) != 4 || f[0] != "50331648" || f[2] != "40" {
		t.Errorf("cgroup of a container updated before its start: %q", f)
	}

	s.ok("run", "-d", "--pull", "never", "--name", "flaky", "busybox", "sh", "-c",
		"while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 3")
	s.ok("update", "--restart", "on-failure:1", "flaky")
	s.ok("exec", "flaky", "touch", "/tmp/go")
	eventually(t, 30*time.Second, "the updated restart policy restarted it once", func() bool {
		return s.ok("inspect", "-f", "{{.RestartCount}} {{.State.Status}}", "flaky") == "1 exited"
	})

	s.ok("run", "-d", "--rm", "--pull", "never", "--name", "gone", "busybox", "sleep", "300")
	s.fails(1, "restart policy cannot be updated because AutoRemove is enabled", "update", "--restart", "always", "gone")
	s.fails(1, `container "nosuch": not found`, "update", "-m", "32m", "nosuch")
}
