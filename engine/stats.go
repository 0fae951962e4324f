package engine

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

// Stats takes one reading of a running container's cgroup and network
// counters. Rates (CPU %) need two readings: see Sampler, or Rate.
func (e *Engine) Stats(ref string) (*ContainerStats, error) {
	r, _, err := e.running(ref)
	if err != nil {
		return nil, err
	}
	src, err := e.statSource(r)
	if err != nil {
		return nil, err
	}
	return src.read()
}

// statSource is what reading a container's stats needs, found once.
type statSource struct {
	id, name string
	pid      int
	paths    map[string]string
}

func (e *Engine) statSource(r *record) (*statSource, error) {
	c, err := e.libcontainer(r)
	if err != nil {
		return nil, err
	}
	st, err := c.State()
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", r.Name, err)
	}
	return &statSource{id: r.ID, name: r.Name, pid: st.InitProcessPid, paths: st.CgroupPaths}, nil
}

func (s *statSource) read() (*ContainerStats, error) {
	cg, err := inspect.ReadCgroupStats(s.paths)
	if err != nil {
		return nil, fmt.Errorf("container %s: reading its cgroup: %w", s.name, err)
	}
	out := &ContainerStats{ID: s.id, Name: s.name, Read: time.Now(), CgroupStats: *cg, OnlineCPUs: runtime.NumCPU()}
	out.MemoryLimited = cg.MemoryLimit != 0
	if !out.MemoryLimited {
		out.MemoryLimit = inspect.MemTotal()
	}
	out.MemoryWorkingSet = cg.MemoryUsage
	if cg.MemoryInactiveFile < cg.MemoryUsage {
		out.MemoryWorkingSet = cg.MemoryUsage - cg.MemoryInactiveFile
	}
	out.NetRx, out.NetTx, _ = inspect.NetDev(s.pid)
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
