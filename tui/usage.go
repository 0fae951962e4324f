package tui

import (
	"fmt"
	"slices"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	units "github.com/docker/go-units"

	"github.com/berthdev/berth/engine"
)

// usageWatch keeps the engine's sampler watching exactly the containers
// the list shows running, so CPU and memory cost a few cgroup reads per
// visible row and nothing for the rest.
type usageWatch struct {
	e       *engine.Engine
	every   time.Duration
	mu      sync.Mutex
	sampler *engine.Sampler
	stops   map[string]func()
}

// usage watches ids (and stops watching any other) and returns the newest
// reading of each that has one.
func (u *usageWatch) usage(ids []string) map[string]engine.ContainerStats {
	u.mu.Lock()
	defer u.mu.Unlock()
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	for id, stop := range u.stops {
		if !want[id] {
			stop()
			delete(u.stops, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if u.sampler == nil {
		u.sampler = u.e.NewSampler(u.every, 60)
		u.stops = map[string]func(){}
	}
	out := make(map[string]engine.ContainerStats, len(ids))
	for _, id := range ids {
		if _, ok := u.stops[id]; !ok {
			if _, stop, err := u.sampler.Watch(id); err == nil {
				u.stops[id] = stop
			} else {
				continue // stopped since the list showed it running
			}
		}
		if st, ok, err := u.sampler.Latest(id); ok && err == nil {
			out[id] = st
		}
	}
	return out
}

// listSampleInterval is how often the list's CPU and memory columns are
// read. A reading costs about 1 ms of CPU per container (cgroup files,
// /proc/<pid>/net/dev, /proc/meminfo): every 5 s keeps an idle workbench
// with 40 running rows on screen under 2 % of a core (bench/tui: 0.9 %
// without the columns, 2.2 % at 3 s). The Stats tab samples every second.
const listSampleInterval = 5 * time.Second

// usageMsg is the newest CPU and memory reading of the visible running
// containers.
type usageMsg struct {
	by map[string]engine.ContainerStats
}

// sampleUsage asks the engine for the readings of the running containers
// on screen; with none on screen it stops the sampler's watches once.
func (a *App) sampleUsage() tea.Cmd {
	var ids []string
	if a.tab == tabContainers && !a.inDetail {
		ids = a.containers.visibleRunning()
	}
	if len(ids) == 0 && !a.usageOn {
		return nil
	}
	// Readings change every listSampleInterval: ask again then, or at
	// once when other rows come on screen.
	now := a.c.Now()
	if slices.Equal(ids, a.usageIDs) && now.Sub(a.usageAt) < listSampleInterval-100*time.Millisecond && now.After(a.usageAt) {
		return nil
	}
	a.usageIDs, a.usageAt = ids, now
	a.usageOn = len(ids) > 0
	e := a.eng
	return func() tea.Msg { return usageMsg{e.Usage(ids)} }
}

// refreshStats reloads the Stats tab while it is shown.
func (a *App) refreshStats() tea.Cmd {
	d := a.detail
	if !a.inDetail || d.tab == 0 || pageKinds[d.tab-1] != "stats" {
		if a.statsOn { // left the tab: stop its sampling
			a.statsOn = false
			e := a.eng
			return func() tea.Msg { e.Series(""); return nil }
		}
		return nil
	}
	a.statsOn = true
	return d.pages[d.tab-1].open(a.eng, d.ctr)
}

// visibleRunning is the IDs of the running rows on screen.
func (p *containersPanel) visibleRunning() []string {
	var ids []string
	from, to := p.win.visible(len(p.items))
	for _, r := range p.items[from:to] {
		if r.g == nil && r.c.State == engine.StatusRunning {
			ids = append(ids, r.c.ID)
		}
	}
	return ids
}

// cpuText and memText are a row's CPU % (of one core, as docker stats)
// and memory working set; empty without a reading.
func cpuText(st engine.ContainerStats, ok bool) string {
	if !ok {
		return ""
	}
	return fmt.Sprintf("%.1f%%", st.CPUPercent)
}

func memText(st engine.ContainerStats, ok bool) string {
	if !ok {
		return ""
	}
	return units.BytesSize(float64(st.MemoryWorkingSet))
}

// ioText is docker stats's NET I/O or BLOCK I/O: "1.2kB / 648B".
func ioText(in, out uint64, ok bool) string {
	if !ok {
		return ""
	}
	return units.HumanSizeWithPrecision(float64(in), 3) + " / " + units.HumanSizeWithPrecision(float64(out), 3)
}

// portsText is docker's PORTS column: "0.0.0.0:8080->80/tcp, ...".
func portsText(ports []engine.PortMapping) string {
	var b []byte
	for i, p := range ports {
		if i > 0 {
			b = append(b, ", "...)
		}
		ip := p.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		b = fmt.Appendf(b, "%s:%d->%d/%s", ip, p.HostPort, p.ContainerPort, p.Protocol)
	}
	return string(b)
}
