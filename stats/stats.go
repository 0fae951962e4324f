package stats

import (
	"fmt"
	"runtime"
	"time"

	"github.com/berthdev/berth/inspect"
)

// CgroupStats are a container's cgroup counters (CPU time, memory split
// into anonymous and page cache, PIDs, block I/O, throttling, OOM kills).
type CgroupStats = inspect.CgroupStats

// ContainerStats is one reading of a running container's resources, with
// docker's `stats` figures derived from it.
type ContainerStats struct {
	ID   string    `json:"id"`
	Name string    `json:"name"`
	Read time.Time `json:"read"`
	CgroupStats
	// MemoryLimited says MemoryLimit is the container's own; when false it
	// is the machine's memory, as docker shows it.
	MemoryLimited bool `json:"memoryLimited"`
	// MemoryWorkingSet is usage less inactive page cache: docker's MEM
	// USAGE and cAdvisor's working set.
	MemoryWorkingSet uint64 `json:"memoryWorkingSet"`
	NetRx            uint64 `json:"netRx"` // bytes, all interfaces but loopback
	NetTx            uint64 `json:"netTx"`
	OnlineCPUs       int    `json:"onlineCpus"`
	// CPU use since the previous reading, zero on the first: CPUPercent is
	// of one core (docker's CPU %, up to 100 x cores), CPUHostPercent of
	// the whole machine (up to 100).
	CPUPercent     float64 `json:"cpuPercent"`
	CPUHostPercent float64 `json:"cpuHostPercent"`
}

// MemoryPercent is the working set as a share of the limit, as docker's MEM %.
func (s *ContainerStats) MemoryPercent() float64 {
	if s.MemoryLimit == 0 {
		return 0
	}
	return float64(s.MemoryWorkingSet) / float64(s.MemoryLimit) * 100
}

// Target is what reading a running container's figures needs: the engine
// finds it (Locate) from the container's libcontainer state, once per
// container, not per reading.
type Target struct {
	ID, Name, Image string
	Pid             int               // its init, whose network namespace is read
	CgroupPaths     map[string]string // by controller ("" on cgroup v2)
	// NoCgroup: the container has none (rootless on cgroup v1); its
	// figures are its PID namespace's processes' in /proc.
	NoCgroup bool
}

// Locate finds a running container's Target by ID, name or prefix; an
// error when it is not running.
type Locate func(ref string) (Target, error)

// Read takes one reading of a running container's cgroup and network
// counters. Rates (CPU %) need two readings: see Sampler, or Rate.
func Read(t Target) (*ContainerStats, error) {
	var cg *CgroupStats
	if t.NoCgroup {
		cg = inspect.ReadProcStats(inspect.PidnsMembers(t.Pid))
	} else {
		var err error
		if cg, err = inspect.ReadCgroupStats(t.CgroupPaths); err != nil {
			return nil, fmt.Errorf("container %s: reading its cgroup: %w", t.Name, err)
		}
	}
	out := &ContainerStats{ID: t.ID, Name: t.Name, Read: time.Now(), CgroupStats: *cg, OnlineCPUs: runtime.NumCPU()}
	out.MemoryLimited = cg.MemoryLimit != 0
	if !out.MemoryLimited {
		out.MemoryLimit = inspect.MemTotal()
	}
	out.MemoryWorkingSet = cg.MemoryUsage
	if cg.MemoryInactiveFile < cg.MemoryUsage {
		out.MemoryWorkingSet = cg.MemoryUsage - cg.MemoryInactiveFile
	}
	out.NetRx, out.NetTx, _ = inspect.NetDev(t.Pid)
	return out, nil
}

// Rate fills cur's CPU percentages from the CPU time used since prev, a
// reading of the same container.
func Rate(prev, cur *ContainerStats) {
	if prev == nil || !cur.Read.After(prev.Read) || cur.CPUUsage < prev.CPUUsage {
		return
	}
	wall := cur.Read.Sub(prev.Read)
	cur.CPUPercent = float64(cur.CPUUsage-prev.CPUUsage) / float64(wall) * 100
	if cur.OnlineCPUs > 0 {
		cur.CPUHostPercent = cur.CPUPercent / float64(cur.OnlineCPUs)
	}
}
