package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	units "github.com/docker/go-units"

	"github.com/berthdev/berth/engine"
)

// series watches one container (the Stats tab's) and returns its readings.
func (u *usageWatch) series(id string) ([]engine.ContainerStats, error) {
	if id == "" {
		u.usage(nil)
		return nil, nil
	}
	u.usage([]string{id})
	u.mu.Lock()
	s := u.sampler
	u.mu.Unlock()
	if s == nil {
		return nil, nil
	}
	return s.Samples(id)
}

// chartHeight is the rows of one graph.
const chartHeight = 3

// statsPage is the Stats tab: graphs of CPU, memory under its limit line,
// PIDs, network and block I/O over the sampler's readings, newest right.
func statsPage(e Engine, id string, width int) ([]string, error) {
	samples, err := e.Series(id)
	if len(samples) == 0 {
		if err != nil {
			return nil, fmt.Errorf("no readings: %w (the Stats tab graphs a running container)", err)
		}
		return []string{"no readings yet: the first comes within a second"}, nil
	}
	w := max(width-2, 10)
	if len(samples) > w {
		samples = samples[len(samples)-w:]
	}
	last := samples[len(samples)-1]
	pick := func(f func(s, prev engine.ContainerStats) float64) []float64 {
		out := make([]float64, len(samples))
		for i, s := range samples {
			prev := s
			if i > 0 {
				prev = samples[i-1]
			}
			out[i] = f(s, prev)
		}
		return out
	}
	rate := func(a, b uint64, s, prev engine.ContainerStats) float64 {
		dt := s.Read.Sub(prev.Read).Seconds()
		if dt <= 0 || a < b {
			return 0
		}
		return float64(a-b) / dt
	}
	bps := func(v float64) string { return units.HumanSize(v) + "/s" }
	var lines []string
	add := func(title string, vals []float64, top float64, limit string) {
		lines = append(lines, title)
		if limit != "" {
			lines = append(lines, limitLine(limit, w))
		}
		lines = append(lines, chart(vals, top, chartHeight)...)
	}

	cpu := pick(func(s, _ engine.ContainerStats) float64 { return s.CPUPercent })
	if cpus := cpuLimit(e, id); cpus > 0 && cpus < float64(max(last.OnlineCPUs, 1)) {
		// docker's CPU % is of one core: a container held to half a CPU
		// tops out at 50 %, so the graph's scale is the limit.
		add(fmt.Sprintf("CPU %.1f%% of one core · %.1f%% of its %s-CPU limit · max %.1f%%", last.CPUPercent,
			last.CPUPercent/cpus, strconv.FormatFloat(cpus, 'f', -1, 64), maxOf(cpu)),
			cpu, cpus*100, "limit "+strconv.FormatFloat(cpus, 'f', -1, 64)+" CPUs")
	} else {
		add(fmt.Sprintf("CPU %.1f%% of one core · max %.1f%% · %d cores online, no limit", last.CPUPercent, maxOf(cpu), last.OnlineCPUs),
			cpu, max(100, maxOf(cpu)), "")
	}

	mem := pick(func(s, _ engine.ContainerStats) float64 { return float64(s.MemoryWorkingSet) })
	// docker stats' MEM USAGE / LIMIT, then MEM %; without a limit of its
	// own the limit is the machine's memory, as docker shows it.
	memTitle := fmt.Sprintf("MEMORY %s / %s · %.1f%% · peak %s", units.BytesSize(float64(last.MemoryWorkingSet)),
		units.BytesSize(float64(last.MemoryLimit)), last.MemoryPercent(), units.BytesSize(float64(last.MemoryPeak)))
	if last.MemoryLimited {
		add(memTitle, mem, float64(last.MemoryLimit), "limit "+units.BytesSize(float64(last.MemoryLimit)))
	} else {
		add(memTitle+" · no limit: the machine's memory", mem, maxOf(mem), "")
	}

	pids := pick(func(s, _ engine.ContainerStats) float64 { return float64(s.PIDs) })
	if last.PIDsLimit > 0 && last.PIDsLimit < 1<<40 {
		add(fmt.Sprintf("PIDS %d", last.PIDs), pids, float64(last.PIDsLimit), fmt.Sprintf("limit %d", last.PIDsLimit))
	} else {
		add(fmt.Sprintf("PIDS %d · no limit", last.PIDs), pids, maxOf(pids), "")
	}

	rx := pick(func(s, p engine.ContainerStats) float64 { return rate(s.NetRx, p.NetRx, s, p) })
	tx := pick(func(s, p engine.ContainerStats) float64 { return rate(s.NetTx, p.NetTx, s, p) })
	add(fmt.Sprintf("NET IN %s · total %s", bps(rx[len(rx)-1]), units.HumanSize(float64(last.NetRx))), rx, maxOf(rx), "")
	add(fmt.Sprintf("NET OUT %s · total %s", bps(tx[len(tx)-1]), units.HumanSize(float64(last.NetTx))), tx, maxOf(tx), "")

	br := pick(func(s, p engine.ContainerStats) float64 { return rate(s.BlockRead, p.BlockRead, s, p) })
	bw := pick(func(s, p engine.ContainerStats) float64 { return rate(s.BlockWrite, p.BlockWrite, s, p) })
	add(fmt.Sprintf("BLOCK READ %s · total %s", bps(br[len(br)-1]), units.HumanSize(float64(last.BlockRead))), br, maxOf(br), "")
	add(fmt.Sprintf("BLOCK WRITE %s · total %s", bps(bw[len(bw)-1]), units.HumanSize(float64(last.BlockWrite))), bw, maxOf(bw), "")
	lines = append(lines, fmt.Sprintf("%d readings, one a second, newest on the right", len(samples)))
	return lines, nil
}

// cpuLimit is the CPUs the container may use (--cpus, --cpuset-cpus), 0
// for no limit or when its configuration cannot be read.
func cpuLimit(e Engine, id string) float64 {
	in, err := e.Inspect(id)
	if err != nil {
		return 0
	}
	return in.HostConfig.CPULimit()
}

func maxOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// limitLine is the top of a graph whose scale is a limit.
func limitLine(label string, w int) string {
	label = "╌ " + label + " "
	return label + strings.Repeat("╌", max(w-len([]rune(label)), 0))
}

// blocks are the eighths of a cell, empty to full.
var blocks = []rune(" ▁▂▃▄▅▆▇█")

// chart draws vals as columns of height rows scaled to top (each row in
// eighths), one column a value.
func chart(vals []float64, top float64, height int) []string {
	rows := make([][]rune, height)
	for r := range rows {
		rows[r] = make([]rune, len(vals))
	}
	for i, v := range vals {
		level := 0
		if top > 0 {
			level = int(v / top * float64(height*8))
		}
		if v > 0 && level == 0 {
			level = 1 // something, however small, shows
		}
		level = min(level, height*8)
		for r := range height {
			fill := level - (height-1-r)*8
			rows[r][i] = blocks[min(max(fill, 0), 8)]
		}
	}
	out := make([]string, height)
	for r := range rows {
		out[r] = "  " + strings.TrimRight(string(rows[r]), " ")
	}
	return out
}

// crashPage is the Crash tab: why an exited container stopped.
func crashPage(e Engine, id string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rep, err := e.CrashReport(ctx, id, 20)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	return append(lines, "", "b opens a shell in a copy of it (berth debug)"), nil
}
