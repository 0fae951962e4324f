package main

import (
	"fmt"
	"strings"

	units "github.com/docker/go-units"

	"github.com/berthdev/berth/engine"
)

// statsFormat is `berth stats`: docker's columns.
var statsFormat = listFormat{
	Row:   statsRow{},
	Table: "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}",
	Headers: map[string]string{"ID": "CONTAINER ID", "Container": "CONTAINER", "CPUPerc": "CPU %",
		"HostCPUPerc": "HOST CPU %", "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %",
		"MemSplit": "ANON / CACHE", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "OOMKills": "OOM KILLS"},
}

// statsExtended is `berth stats --extended`: docker's columns, then CPU %
// of the whole machine, memory split into anonymous and page cache, and
// the throttling and OOM-kill counts.
const statsExtended = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.HostCPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.MemSplit}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}\t{{.Throttled}}\t{{.OOMKills}}"

// statsRow is one container's line; its methods are the --format placeholders.
type statsRow struct {
	s   engine.ContainerStats
	ref string // as the user named it
}

func (r statsRow) Container() string {
	if r.ref != "" {
		return r.ref
	}
	return r.s.Name
}
func (r statsRow) ID() string          { return r.s.ID[:12] }
func (r statsRow) Name() string        { return r.s.Name }
func (r statsRow) CPUPerc() string     { return fmt.Sprintf("%.2f%%", r.s.CPUPercent) }
func (r statsRow) HostCPUPerc() string { return fmt.Sprintf("%.2f%%", r.s.CPUHostPercent) }
func (r statsRow) MemUsage() string {
	return units.BytesSize(float64(r.s.MemoryWorkingSet)) + " / " + units.BytesSize(float64(r.s.MemoryLimit))
}
func (r statsRow) MemPerc() string { return fmt.Sprintf("%.2f%%", r.s.MemoryPercent()) }
func (r statsRow) MemSplit() string {
	return units.BytesSize(float64(r.s.MemoryAnon)) + " / " + units.BytesSize(float64(r.s.MemoryCache))
}
func (r statsRow) MemPeak() string { return units.BytesSize(float64(r.s.MemoryPeak)) }
func (r statsRow) NetIO() string {
	return humanSize(int64(r.s.NetRx)) + " / " + humanSize(int64(r.s.NetTx))
}
func (r statsRow) BlockIO() string {
	return humanSize(int64(r.s.BlockRead)) + " / " + humanSize(int64(r.s.BlockWrite))
}
func (r statsRow) PIDs() string {
	if r.s.PIDsLimit == 0 {
		return fmt.Sprint(r.s.PIDs)
	}
	return fmt.Sprintf("%d / %d", r.s.PIDs, r.s.PIDsLimit)
}

// Throttled is the CFS periods in which the container hit its CPU quota,
// of all periods, and the time it spent waiting.
func (r statsRow) Throttled() string {
	if r.s.Periods == 0 {
		return "0"
	}
	return fmt.Sprintf("%d/%d (%s)", r.s.ThrottledPeriods, r.s.Periods, r.s.ThrottledTime.Round(1e6))
}
func (r statsRow) OOMKills() string { return fmt.Sprint(r.s.OOMKills) }

// statsRows makes the rows in the order the containers were asked for.
func statsRows(smp *engine.Sampler, ids, refs []string) []any {
	rows := []any{}
	for i, id := range ids {
		if s, ok, err := smp.Latest(id); ok && err == nil {
			rows = append(rows, statsRow{s: s, ref: strings.TrimSpace(refs[i])})
		}
	}
	return rows
}
