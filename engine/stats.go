package engine

import (
	"fmt"
	"net/http"
	"time"

	"github.com/berthdev/berth/stats"
)

// The figures of running containers are package stats's; the engine finds
// the containers (statsTarget) and hands them over.
type (
	// CgroupStats are a container's cgroup counters.
	CgroupStats = stats.CgroupStats
	// ContainerStats is one reading of a running container's resources.
	ContainerStats = stats.ContainerStats
	// Sampler keeps recent readings of the containers it watches.
	Sampler = stats.Sampler
)

// Rate fills cur's CPU percentages from the CPU time used since prev.
var Rate = stats.Rate

// Stats takes one reading of a running container's cgroup and network
// counters. Rates (CPU %) need two readings: see Sampler, or Rate.
func (e *Engine) Stats(ref string) (*ContainerStats, error) {
	t, err := e.statsTarget(ref)
	if err != nil {
		return nil, err
	}
	return stats.Read(t)
}

// NewSampler makes a sampler that reads every interval (the default is one
// second) and keeps size readings per container (the default is 60).
func (e *Engine) NewSampler(interval time.Duration, size int) *Sampler {
	return stats.NewSampler(e.statsTarget, interval, size)
}

// MetricsHandler serves the running containers' figures for Prometheus
// (stats.Handler).
func (e *Engine) MetricsHandler() http.Handler {
	return stats.Handler(func() ([]stats.Target, error) {
		list, err := e.List(false)
		if err != nil {
			return nil, err
		}
		var out []stats.Target
		for _, cs := range list {
			if t, err := e.statsTarget(cs.ID); err == nil { // else stopped meanwhile
				out = append(out, t)
			}
		}
		return out, nil
	})
}

// statsTarget finds what reading a running container's figures needs.
func (e *Engine) statsTarget(ref string) (stats.Target, error) {
	r, _, err := e.running(ref)
	if err != nil {
		return stats.Target{}, err
	}
	c, err := e.libcontainer(r)
	if err != nil {
		return stats.Target{}, err
	}
	st, err := c.State()
	if err != nil {
		return stats.Target{}, fmt.Errorf("container %s: %w", r.Name, err)
	}
	return stats.Target{ID: r.ID, Name: r.Name, Image: r.Image, Pid: st.InitProcessPid, CgroupPaths: st.CgroupPaths, NoCgroup: rootlessNoCgroup()}, nil
}
