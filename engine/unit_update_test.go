package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/opencontainers/cgroups"

	"github.com/berthdev/berth/internal/errdefs"
)

func ptr[T any](v T) *T { return &v }

// TestUnitUpdateRecord: update of a stopped container changes only the
// named fields of its record (a pids limit of -1 is stored as unlimited,
// 0); a refused update leaves the record as it was.
func TestUnitUpdateRecord(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	o := noNet("u")
	o.Host.Memory, o.Host.CPUShares, o.Host.PidsLimit = 64<<20, 512, 100
	id := mustCreate(t, e, o)
	err := e.Update("u", UpdateOptions{Memory: ptr[int64](128 << 20), PidsLimit: ptr[int64](-1), CpusetCpus: ptr("0"), RestartPolicy: &RestartPolicy{Name: "on-failure", MaximumRetryCount: 3}})
	if err != nil {
		t.Fatalf("Update(u) = %v", err)
	}
	r, _ := e.loadRecord(id)
	h := r.Host
	if h.Memory != 128<<20 || h.PidsLimit != 0 || h.CPUShares != 512 || h.CpusetCpus != "0" || h.RestartPolicy.Name != "on-failure" || h.RestartPolicy.MaximumRetryCount != 3 {
		t.Errorf("record after update = memory %d pids %d shares %d cpuset %q restart %+v", h.Memory, h.PidsLimit, h.CPUShares, h.CpusetCpus, h.RestartPolicy)
	}
	for _, tc := range []struct {
		name string
		o    UpdateOptions
	}{
		{"tiny memory", UpdateOptions{Memory: ptr[int64](1024)}},
		{"unknown restart", UpdateOptions{RestartPolicy: &RestartPolicy{Name: "sometimes"}}},
		{"retries without on-failure", UpdateOptions{RestartPolicy: &RestartPolicy{Name: "always", MaximumRetryCount: 2}}},
		{"negative cpus", UpdateOptions{NanoCPUs: ptr[int64](-1)}},
	} {
		if err := e.Update("u", tc.o); !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), "container u") {
			t.Errorf("%s: Update = %v, want an invalid error naming u", tc.name, err)
		}
		if again, _ := e.loadRecord(id); again.Host.Memory != h.Memory || again.Host.RestartPolicy != h.RestartPolicy || again.Host.NanoCPUs != h.NanoCPUs {
			t.Errorf("%s: a refused update changed the record: %+v", tc.name, again.Host)
		}
	}
	if err := e.Update("nosuch", UpdateOptions{}); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Update(nosuch) = %v, want not found", err)
	}
}

// TestUnitUpdateAutoRemove: a --rm container cannot be given a restart
// policy (docker's rule), though "no" is accepted.
func TestUnitUpdateAutoRemove(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	o := noNet("rm")
	o.Host.AutoRemove = true
	mustCreate(t, e, o)
	if err := e.Update("rm", UpdateOptions{RestartPolicy: &RestartPolicy{Name: "always"}}); !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), "AutoRemove") {
		t.Errorf("Update(--rm, always) = %v, want refused", err)
	}
	if err := e.Update("rm", UpdateOptions{RestartPolicy: &RestartPolicy{Name: "no"}}); err != nil {
		t.Errorf("Update(--rm, no) = %v", err)
	}
}

// TestUnitLiveResources: a running container's cgroup gets only what the
// update names, a lifted limit as -1 (libcontainer's 0 is "as is").
func TestUnitLiveResources(t *testing.T) {
	for _, tc := range []struct {
		name  string
		h     HostConfig
		o     UpdateOptions
		check func(*cgroups.Resources) bool
	}{
		{"nothing named", HostConfig{Memory: 1 << 30}, UpdateOptions{},
			func(r *cgroups.Resources) bool { return r.Memory == 7 && r.CpuQuota == 7 && r.PidsLimit == nil }},
		{"memory lifted", HostConfig{}, UpdateOptions{Memory: ptr[int64](0)},
			func(r *cgroups.Resources) bool { return r.Memory == -1 && r.MemorySwap == -1 }},
		{"memory set, swap unlimited", HostConfig{Memory: 1 << 30, MemorySwap: -1}, UpdateOptions{Memory: ptr[int64](1 << 30)},
			func(r *cgroups.Resources) bool { return r.Memory == 1<<30 && r.MemorySwap == -1 }},
		{"reservation lifted", HostConfig{}, UpdateOptions{MemoryReservation: ptr[int64](0)},
			func(r *cgroups.Resources) bool { return r.MemoryReservation == -1 && r.Memory == 7 }},
		{"half a cpu", HostConfig{NanoCPUs: 5e8}, UpdateOptions{NanoCPUs: ptr[int64](5e8)},
			func(r *cgroups.Resources) bool { return r.CpuPeriod == 100000 && r.CpuQuota == 50000 }},
		{"cpus lifted", HostConfig{}, UpdateOptions{NanoCPUs: ptr[int64](0)},
			func(r *cgroups.Resources) bool { return r.CpuQuota == -1 }},
		{"shares", HostConfig{CPUShares: 256}, UpdateOptions{CPUShares: ptr[int64](256)},
			func(r *cgroups.Resources) bool { return r.CpuShares == 256 }},
		{"shares reset", HostConfig{}, UpdateOptions{CPUShares: ptr[int64](0)},
			func(r *cgroups.Resources) bool { return r.CpuShares == 1024 }},
		{"cpuset", HostConfig{CpusetCpus: "1", CpusetMems: "0"}, UpdateOptions{CpusetCpus: ptr("1"), CpusetMems: ptr("0")},
			func(r *cgroups.Resources) bool { return r.CpusetCpus == "1" && r.CpusetMems == "0" }},
		{"pids lifted", HostConfig{}, UpdateOptions{PidsLimit: ptr[int64](0)},
			func(r *cgroups.Resources) bool { return r.PidsLimit != nil && *r.PidsLimit == -1 }},
		{"pids", HostConfig{PidsLimit: 20}, UpdateOptions{PidsLimit: ptr[int64](20)},
			func(r *cgroups.Resources) bool { return r.PidsLimit != nil && *r.PidsLimit == 20 }},
	} {
		res := &cgroups.Resources{Memory: 7, CpuQuota: 7}
		liveResources(res, tc.h, tc.o)
		if !tc.check(res) {
			t.Errorf("%s: liveResources = %+v", tc.name, res)
		}
	}
}
