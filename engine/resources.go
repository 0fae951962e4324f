package engine

import (
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/opencontainers/runc/libcontainer/devices"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berthdev/berth/internal/errdefs"
)

// defaultShmSize is docker's /dev/shm size.
const defaultShmSize = 64 << 20

// ParseDevice is docker's --device HOST[:CONTAINER[:PERMISSIONS]].
func ParseDevice(v string) (DeviceMapping, error) {
	parts := strings.Split(v, ":")
	d := DeviceMapping{PathOnHost: parts[0], CgroupPermissions: "rwm"}
	switch len(parts) {
	case 1:
	case 2:
		if validDevicePerms(parts[1]) {
			d.CgroupPermissions = parts[1]
		} else {
			d.PathInContainer = parts[1]
		}
	case 3:
		d.PathInContainer, d.CgroupPermissions = parts[1], parts[2]
	default:
		return d, fmt.Errorf("invalid device specification: %s: %w", v, errdefs.ErrInvalid)
	}
	if d.PathInContainer == "" {
		d.PathInContainer = d.PathOnHost
	}
	if !path.IsAbs(d.PathOnHost) || !path.IsAbs(d.PathInContainer) || !validDevicePerms(d.CgroupPermissions) {
		return d, fmt.Errorf("invalid device specification: %s: %w", v, errdefs.ErrInvalid)
	}
	return d, nil
}

func validDevicePerms(p string) bool {
	if p == "" || len(p) > 3 {
		return false
	}
	for _, c := range p {
		if !strings.ContainsRune("rwm", c) || strings.Count(p, string(c)) > 1 {
			return false
		}
	}
	return true
}

// namespacedSysctl reports whether k is a sysctl that belongs to a
// namespace the container owns (docker's list): IPC ones need an IPC
// namespace of its own, net.* a network namespace of its own.
func namespacedSysctl(k string, h HostConfig) error {
	ipc := map[string]bool{"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
		"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true}
	switch {
	case ipc[k] || strings.HasPrefix(k, "fs.mqueue."):
		if h.IpcMode == "host" {
			return fmt.Errorf("sysctl %q is not allowed when sharing the host's IPC namespace: %w", k, errdefs.ErrInvalid)
		}
		return nil
	case strings.HasPrefix(k, "net."):
		if h.NetworkMode == "host" || strings.HasPrefix(h.NetworkMode, "container:") {
			return fmt.Errorf("sysctl %q is not allowed when sharing another network namespace: %w", k, errdefs.ErrInvalid)
		}
		return nil
	}
	return fmt.Errorf("sysctl %q is not allowed: it is not namespaced (only kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* and net.*): %w", k, errdefs.ErrInvalid)
}

// validateResources checks the resource options before anything is
// written, so that a bad value is one line from create, not libcontainer's
// text at start.
func validateResources(h HostConfig) error {
	if err := checkRootlessLimits(h); err != nil {
		return err
	}
	if h.CPUShares != 0 && (h.CPUShares < 2 || h.CPUShares > 262144) {
		return fmt.Errorf("--cpu-shares %d: must be between 2 and 262144: %w", h.CPUShares, errdefs.ErrInvalid)
	}
	for _, c := range []struct{ flag, v, online string }{
		{"--cpuset-cpus", h.CpusetCpus, "/sys/devices/system/cpu/online"},
		{"--cpuset-mems", h.CpusetMems, "/sys/devices/system/node/online"},
	} {
		if c.v == "" {
			continue
		}
		want, err := parseCPUList(c.v)
		if err != nil {
			return fmt.Errorf("invalid value %q for %s: %v: %w", c.v, c.flag, err, errdefs.ErrInvalid)
		}
		if b, err := os.ReadFile(c.online); err == nil {
			have, _ := parseCPUList(strings.TrimSpace(string(b)))
			for n := range want {
				if !have[n] {
					return fmt.Errorf("%s %s: %d is not available on this host (online: %s): %w", c.flag, c.v, n, strings.TrimSpace(string(b)), errdefs.ErrInvalid)
				}
			}
		}
	}
	if h.MemoryReservation < 0 || (h.Memory > 0 && h.MemoryReservation > h.Memory) {
		return fmt.Errorf("minimum memory limit can not be less than memory reservation limit, see usage: %w", errdefs.ErrInvalid)
	}
	if h.ShmSize < 0 {
		return fmt.Errorf("--shm-size can not be less than 0: %w", errdefs.ErrInvalid)
	}
	for k := range h.Sysctls {
		if err := namespacedSysctl(k, h); err != nil {
			return err
		}
	}
	for _, d := range h.Devices {
		if _, err := devices.DeviceFromPath(d.PathOnHost, d.CgroupPermissions); err != nil {
			return fmt.Errorf("error gathering device information while adding custom device %q: %v: %w", d.PathOnHost, err, errdefs.ErrInvalid)
		}
	}
	return nil
}

// parseCPUList reads a cpuset list ("0-2,4").
func parseCPUList(s string) (map[int]bool, error) {
	out := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 0 || b < a {
			return nil, fmt.Errorf("%q is not a number or a range", part)
		}
		for n := a; n <= b; n++ {
			out[n] = true
		}
	}
	return out, nil
}

// specResources adds the resource options to a spec: a pure translation
// (devices are looked up on the host, nothing is changed).
func specResources(s *specs.Spec, h HostConfig) error {
	res := s.Linux.Resources
	if h.CPUShares > 0 || h.CpusetCpus != "" || h.CpusetMems != "" {
		if res.CPU == nil {
			res.CPU = &specs.LinuxCPU{}
		}
		if h.CPUShares > 0 {
			shares := uint64(h.CPUShares)
			res.CPU.Shares = &shares
		}
		res.CPU.Cpus, res.CPU.Mems = h.CpusetCpus, h.CpusetMems
	}
	if h.MemoryReservation > 0 || h.OomKillDisable {
		if res.Memory == nil {
			res.Memory = &specs.LinuxMemory{}
		}
		if h.MemoryReservation > 0 {
			r := h.MemoryReservation
			res.Memory.Reservation = &r
		}
		if h.OomKillDisable {
			t := true
			res.Memory.DisableOOMKiller = &t
		}
	}
	if len(h.Sysctls) > 0 {
		if s.Linux.Sysctl == nil {
			s.Linux.Sysctl = map[string]string{}
		}
		for k, v := range h.Sysctls {
			s.Linux.Sysctl[k] = v
		}
	}
	for _, dm := range h.Devices {
		d, err := devices.DeviceFromPath(dm.PathOnHost, dm.CgroupPermissions)
		if err != nil {
			return fmt.Errorf("device %s: %w", dm.PathOnHost, err)
		}
		mode, uid, gid := d.FileMode, d.Uid, d.Gid
		major, minor := d.Major, d.Minor
		s.Linux.Devices = append(s.Linux.Devices, specs.LinuxDevice{Path: dm.PathInContainer, Type: string(d.Type),
			Major: major, Minor: minor, FileMode: &mode, UID: &uid, GID: &gid})
		res.Devices = append(res.Devices, specs.LinuxDeviceCgroup{Allow: true, Type: string(d.Type),
			Major: &major, Minor: &minor, Access: dm.CgroupPermissions})
	}
	return nil
}

// shmOption is the tmpfs size option of /dev/shm.
func shmOption(h HostConfig) string {
	size := h.ShmSize
	if size <= 0 {
		size = defaultShmSize
	}
	return "size=" + strconv.FormatInt(size/1024, 10) + "k"
}
