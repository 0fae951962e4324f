package engine

import (
	"errors"
	"fmt"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/runc/libcontainer"

	"github.com/berthdev/berth/internal/errdefs"
)

// UpdateOptions is `berth update`: each non-nil field replaces the
// container's value (docker's meanings; 0 lifts a limit).
type UpdateOptions struct {
	Memory            *int64 // bytes
	MemorySwap        *int64 // bytes of memory+swap; -1 unlimited
	MemoryReservation *int64
	NanoCPUs          *int64 // 1e9 = one CPU
	CPUShares         *int64
	CpusetCpus        *string
	CpusetMems        *string
	PidsLimit         *int64 // 0 or -1: unlimited
	RestartPolicy     *RestartPolicy
}

// Update changes a container's resource limits and restart policy, as
// docker update does: the record for its next start and, when it runs,
// its cgroup at once through libcontainer's cgroup manager (what runc
// update does). A value the kernel refuses leaves the record and the
// cgroup as they were.
func (e *Engine) Update(ref string, o UpdateOptions) error {
	return e.withLock(func() error {
		r, err := e.resolve(ref)
		if err != nil {
			return err
		}
		h := r.Host
		o.apply(&h)
		if o.RestartPolicy != nil && r.Host.AutoRemove && h.RestartPolicy.Name != "no" {
			return fmt.Errorf("cannot update container %s: restart policy cannot be updated because AutoRemove is enabled for the container: %w", r.Name, errdefs.ErrInvalid)
		}
		if err := checkUpdate(&h); err != nil {
			return fmt.Errorf("cannot update container %s: %w", r.Name, err)
		}
		st, err := e.loadState(r.ID)
		if err != nil {
			return err
		}
		if st.running() {
			if err := e.setLive(r.ID, h, o); err != nil {
				return fmt.Errorf("cannot update container %s: %w", r.Name, err)
			}
		}
		r.Host = h
		if err := e.saveRecord(r); err != nil {
			return err
		}
		e.emit(containerEvent("update", r, nil))
		return nil
	})
}

func (o UpdateOptions) apply(h *HostConfig) {
	set := func(dst *int64, v *int64) {
		if v != nil {
			*dst = *v
		}
	}
	set(&h.Memory, o.Memory)
	set(&h.MemorySwap, o.MemorySwap)
	set(&h.MemoryReservation, o.MemoryReservation)
	set(&h.NanoCPUs, o.NanoCPUs)
	set(&h.CPUShares, o.CPUShares)
	set(&h.PidsLimit, o.PidsLimit)
	if h.PidsLimit < 0 {
		h.PidsLimit = 0 // docker: -1 and 0 both mean unlimited
	}
	if o.CpusetCpus != nil {
		h.CpusetCpus = *o.CpusetCpus
	}
	if o.CpusetMems != nil {
		h.CpusetMems = *o.CpusetMems
	}
	if o.RestartPolicy != nil {
		h.RestartPolicy = *o.RestartPolicy
	}
}

// checkUpdate checks the updated configuration as create checks a new one.
func checkUpdate(h *HostConfig) error {
	if err := checkLimits(h); err != nil {
		return err
	}
	if err := validateResources(*h); err != nil {
		return err
	}
	return validRestart(h)
}

// setLive writes the changed limits to the running container's cgroup.
func (e *Engine) setLive(id string, h HostConfig, o UpdateOptions) error {
	c, err := libcontainer.Load(e.stateRoot(), id)
	if err != nil {
		return fmt.Errorf("loading its runtime state: %w", err)
	}
	cfg := c.Config()
	if cfg.Cgroups == nil || cfg.Cgroups.Resources == nil {
		return fmt.Errorf("it has no cgroup: %w", errdefs.ErrFailedPrecondition)
	}
	liveResources(cfg.Cgroups.Resources, h, o)
	if err := c.Set(cfg); err != nil {
		if errors.Is(err, libcontainer.ErrNotRunning) {
			return fmt.Errorf("it is not running: %w", errdefs.ErrFailedPrecondition)
		}
		return err
	}
	return nil
}

// liveResources changes only what o names, in libcontainer's terms: 0 is
// "leave as is" there, so a lifted limit is written as -1 (max).
func liveResources(res *cgroups.Resources, h HostConfig, o UpdateOptions) {
	unlimited := func(v int64) int64 {
		if v == 0 {
			return -1
		}
		return v
	}
	if o.Memory != nil || o.MemorySwap != nil {
		res.Memory = unlimited(h.Memory)
		switch swap := memorySwap(h); {
		case h.Memory == 0:
			res.MemorySwap = -1
		case swap != 0:
			res.MemorySwap = swap
		}
	}
	if o.MemoryReservation != nil {
		res.MemoryReservation = unlimited(h.MemoryReservation)
	}
	if o.NanoCPUs != nil {
		res.CpuPeriod = 100000
		res.CpuQuota = -1
		if h.NanoCPUs > 0 {
			res.CpuQuota = h.NanoCPUs * int64(res.CpuPeriod) / 1e9
		}
	}
	if o.CPUShares != nil {
		res.CpuShares = uint64(h.CPUShares)
		if h.CPUShares == 0 {
			res.CpuShares = 1024 // the kernel's default weight
		}
	}
	// An empty cpuset is "as is" to libcontainer: the record still
	// drops it, and the next start uses every CPU.
	if o.CpusetCpus != nil {
		res.CpusetCpus = h.CpusetCpus
	}
	if o.CpusetMems != nil {
		res.CpusetMems = h.CpusetMems
	}
	if o.PidsLimit != nil {
		p := unlimited(h.PidsLimit)
		res.PidsLimit = &p
	}
}
