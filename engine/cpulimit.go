package engine

// CPULimit is how many CPUs the container may use at most: --cpus
// (NanoCPUs), the number of CPUs in --cpuset-cpus, or the smaller of the
// two when both are set; 0 when neither limits it. CPU shares are a
// weight under contention, not a limit, and do not count. docker stats
// shows CPU % of one core; this is the scale such a figure tops out at.
func (h HostConfig) CPULimit() float64 {
	limit := 0.0
	if h.NanoCPUs > 0 {
		limit = float64(h.NanoCPUs) / 1e9
	}
	if h.CpusetCpus != "" {
		if set, err := parseCPUList(h.CpusetCpus); err == nil && len(set) > 0 {
			if n := float64(len(set)); limit == 0 || n < limit {
				limit = n
			}
		}
	}
	return limit
}
