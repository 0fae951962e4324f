package engine

import "testing"

// TestCPULimit: --cpus, a cpuset's size, the smaller of both, none.
func TestCPULimit(t *testing.T) {
	for _, c := range []struct {
		h    HostConfig
		want float64
	}{
		{HostConfig{}, 0},
		{HostConfig{CPUShares: 512}, 0},
		{HostConfig{NanoCPUs: 500_000_000}, 0.5},
		{HostConfig{CpusetCpus: "0-2,5"}, 4},
		{HostConfig{NanoCPUs: 1_500_000_000, CpusetCpus: "0"}, 1},
		{HostConfig{NanoCPUs: 1_500_000_000, CpusetCpus: "0-3"}, 1.5},
	} {
		if got := c.h.CPULimit(); got != c.want {
			t.Errorf("%+v.CPULimit() = %v, want %v", c.h, got, c.want)
		}
	}
}
