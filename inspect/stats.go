package inspect

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/containerd/cgroups/v3"
	"github.com/containerd/cgroups/v3/cgroup1"
	"github.com/containerd/cgroups/v3/cgroup2"
	ocgroups "github.com/opencontainers/cgroups"
)

// CgroupStats are a container's cgroup counters at one moment, the same on
// cgroup v1 and v2. Limits of 0 mean unlimited.
type CgroupStats struct {
	CPUUsage         time.Duration `json:"cpuUsage"` // cumulative CPU time, all cores
	CPUUser          time.Duration `json:"cpuUser"`
	CPUSystem        time.Duration `json:"cpuSystem"`
	Periods          uint64        `json:"periods"`          // CFS enforcement periods
	ThrottledPeriods uint64        `json:"throttledPeriods"` // periods in which it hit its quota
	ThrottledTime    time.Duration `json:"throttledTime"`

	MemoryUsage        uint64 `json:"memoryUsage"` // as the kernel charges it, page cache included
	MemoryLimit        uint64 `json:"memoryLimit"`
	MemoryAnon         uint64 `json:"memoryAnon"`  // anonymous memory (heap, stacks)
	MemoryCache        uint64 `json:"memoryCache"` // page cache
	MemoryInactiveFile uint64 `json:"memoryInactiveFile"`
	MemoryPeak         uint64 `json:"memoryPeak"` // high-water mark of MemoryUsage
	OOMEvents          uint64 `json:"oomEvents"`  // times the limit was hit and the OOM killer ran
	OOMKills           uint64 `json:"oomKills"`   // processes the OOM killer killed

	PIDs      uint64 `json:"pids"`
	PIDsLimit uint64 `json:"pidsLimit"`

	BlockRead  uint64 `json:"blockRead"` // bytes
	BlockWrite uint64 `json:"blockWrite"`
}

// unlimited is what cgroup v1 reports for "no limit" (rounded to pages).
const unlimited = uint64(1) << 62

// ReadCgroupStats reads a container's cgroup. paths is libcontainer's map
// of controller to cgroup directory; on a cgroup v2 host (cgroups.Mode()
// Unified) the "" entry is the container's cgroup, otherwise the v1
// controllers are read (a hybrid host's empty v2 tree is ignored).
func ReadCgroupStats(paths map[string]string) (*CgroupStats, error) {
	if cgroups.Mode() == cgroups.Unified {
		return readV2(paths[""])
	}
	return readV1(paths)
}

func readV2(dir string) (*CgroupStats, error) {
	if dir == "" {
		return nil, errors.New("no cgroup v2 path")
	}
	group := "/" + strings.TrimPrefix(strings.TrimPrefix(dir, "/sys/fs/cgroup"), "/")
	m, err := cgroup2.Load(group, cgroup2.WithMountpoint("/sys/fs/cgroup"))
	if err != nil {
		return nil, err
	}
	mt, err := m.Stat()
	if err != nil {
		return nil, err
	}
	s := &CgroupStats{}
	if c := mt.CPU; c != nil {
		s.CPUUsage = time.Duration(c.UsageUsec) * time.Microsecond
		s.CPUUser = time.Duration(c.UserUsec) * time.Microsecond
		s.CPUSystem = time.Duration(c.SystemUsec) * time.Microsecond
		s.Periods, s.ThrottledPeriods = c.NrPeriods, c.NrThrottled
		s.ThrottledTime = time.Duration(c.ThrottledUsec) * time.Microsecond
	}
	if mm := mt.Memory; mm != nil {
		s.MemoryUsage, s.MemoryLimit, s.MemoryPeak = mm.Usage, limit(mm.UsageLimit), mm.MaxUsage
		s.MemoryAnon, s.MemoryCache, s.MemoryInactiveFile = mm.Anon, mm.File, mm.InactiveFile
	}
	if ev := mt.MemoryEvents; ev != nil {
		s.OOMEvents, s.OOMKills = ev.Oom, ev.OomKill
	}
	if p := mt.Pids; p != nil {
		s.PIDs, s.PIDsLimit = p.Current, limit(p.Limit)
	}
	if io := mt.Io; io != nil {
		for _, e := range io.Usage {
			s.BlockRead += e.Rbytes
			s.BlockWrite += e.Wbytes
		}
	}
	return s, nil
}

func limit(v uint64) uint64 {
	if v >= unlimited {
		return 0
	}
	return v
}

// v1Controllers are the cgroup v1 controllers berth reads.
var v1Controllers = []cgroup1.Name{cgroup1.Cpu, cgroup1.Cpuacct, cgroup1.Memory, cgroup1.Pids, cgroup1.Blkio}

func readV1(paths map[string]string) (*CgroupStats, error) {
	// Each controller's directory relative to its hierarchy's mount point,
	// which is where containerd/cgroups expects it.
	rel := map[cgroup1.Name]string{}
	for _, n := range v1Controllers {
		abs := paths[string(n)]
		if abs == "" {
			continue
		}
		mnt, err := ocgroups.FindCgroupMountpoint("", string(n))
		if err != nil || !strings.HasPrefix(abs, mnt) {
			continue
		}
		rel[n] = "/" + strings.TrimPrefix(strings.TrimPrefix(abs, mnt), "/")
	}
	if len(rel) == 0 {
		return nil, errors.New("no cgroup v1 controllers")
	}
	path := func(n cgroup1.Name) (string, error) {
		if p, ok := rel[n]; ok {
			return p, nil
		}
		return "", cgroup1.ErrControllerNotActive
	}
	hierarchy := func() ([]cgroup1.Subsystem, error) {
		var out []cgroup1.Subsystem
		for n := range rel {
			mnt, _ := ocgroups.FindCgroupMountpoint("", string(n))
			out = append(out, v1Subsystem(n, filepath.Dir(mnt)))
		}
		return out, nil
	}
	anyCheck := func(c *cgroup1.InitConfig) error { c.InitCheck = cgroup1.AllowAny; return nil }
	cg, err := cgroup1.Load(path, cgroup1.WithHierarchy(hierarchy), anyCheck)
	if err != nil {
		return nil, err
	}
	mt, err := cg.Stat(cgroup1.IgnoreNotExist)
	if err != nil {
		return nil, err
	}
	s := &CgroupStats{}
	if c := mt.CPU; c != nil && c.Usage != nil {
		s.CPUUsage, s.CPUUser, s.CPUSystem = time.Duration(c.Usage.Total), time.Duration(c.Usage.User), time.Duration(c.Usage.Kernel)
	}
	if c := mt.CPU; c != nil && c.Throttling != nil {
		s.Periods, s.ThrottledPeriods, s.ThrottledTime = c.Throttling.Periods, c.Throttling.ThrottledPeriods, time.Duration(c.Throttling.ThrottledTime)
	}
	if mm := mt.Memory; mm != nil {
		s.MemoryAnon, s.MemoryCache, s.MemoryInactiveFile = mm.TotalRSS, mm.TotalCache, mm.TotalInactiveFile
		if mm.Usage != nil {
			s.MemoryUsage, s.MemoryLimit, s.MemoryPeak = mm.Usage.Usage, limit(mm.Usage.Limit), mm.Usage.Max
		}
	}
	if oc := mt.MemoryOomControl; oc != nil {
		s.OOMKills = oc.OomKill
	}
	// v1 has no count of OOM events (failcnt counts every charge over the
	// limit, reclaimed or not): the kill count stands for both.
	s.OOMEvents = s.OOMKills
	if p := mt.Pids; p != nil {
		s.PIDs, s.PIDsLimit = p.Current, p.Limit
	}
	if b := mt.Blkio; b != nil {
		for _, e := range b.IoServiceBytesRecursive {
			switch strings.ToLower(e.Op) {
			case "read":
				s.BlockRead += e.Value
			case "write":
				s.BlockWrite += e.Value
			}
		}
	}
	return s, nil
}

func v1Subsystem(n cgroup1.Name, root string) cgroup1.Subsystem {
	switch n {
	case cgroup1.Cpu:
		return cgroup1.NewCpu(root)
	case cgroup1.Cpuacct:
		return cgroup1.NewCpuacct(root)
	case cgroup1.Memory:
		return cgroup1.NewMemory(root)
	case cgroup1.Pids:
		return cgroup1.NewPids(root)
	}
	return cgroup1.NewBlkio(root)
}

// NetDev sums the bytes received and sent on every interface but loopback
// in pid's network namespace (/proc/<pid>/net/dev).
func NetDev(pid int) (rx, tx uint64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/net/dev", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.TrimSpace(name) == "lo" {
			continue
		}
		var r, t, skip uint64
		if n, _ := fmt.Sscan(rest, &r, &skip, &skip, &skip, &skip, &skip, &skip, &skip, &t); n == 9 {
			rx += r
			tx += t
		}
	}
	return rx, tx, sc.Err()
}

// MemTotal is the machine's memory in bytes (/proc/meminfo), the limit of
// a container that has none.
func MemTotal() uint64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb uint64
			fmt.Sscan(v, &kb)
			return kb * 1024
		}
	}
	return 0
}
