package engine

import (
	"fmt"
	"os"
	"strings"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/cgroups"
	// Registers the device-rule manager; without it no container can set
	// its device cgroup and creation fails.
	_ "github.com/opencontainers/cgroups/devices"
	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/libcontainer/devices"
	"github.com/opencontainers/runc/libcontainer/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

// defaultCaps is docker's default capability set.
var defaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// docker's masked and read-only paths.
var (
	maskedPaths = []string{
		"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
	}
	readonlyPaths = []string{
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	}
)

// securityOpts is the parsed --security-opt list.
type securityOpts struct {
	seccompUnconfined bool
	noNewPrivileges   bool
}

func parseSecurityOpts(opts []string) (securityOpts, error) {
	so := securityOpts{noNewPrivileges: true}
	for _, o := range opts {
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			k, v, ok = strings.Cut(o, ":") // docker's legacy form
		}
		switch {
		case k == "seccomp" && v == "unconfined":
			so.seccompUnconfined = true
		case k == "no-new-privileges" && (v == "" || v == "true"):
			so.noNewPrivileges = true
		case k == "no-new-privileges" && v == "false":
			so.noNewPrivileges = false
		case k == "label" || k == "apparmor":
			// SELinux and AppArmor are not used by berth; docker ignores them
			// on hosts without either, so do we.
		default:
			_ = ok
			return so, fmt.Errorf("security option %q: supported are seccomp=unconfined and no-new-privileges[=true|false]: %w", o, errdefs.ErrInvalid)
		}
	}
	return so, nil
}

// capabilities applies --cap-add/--cap-drop (names with or without CAP_,
// and ALL) to docker's default set.
func capabilities(add, drop []string, privileged bool) ([]string, error) {
	all := allCaps()
	if privileged {
		return privilegedCaps(), nil
	}
	norm := func(c string) (string, error) {
		c = strings.ToUpper(c)
		if c == "ALL" {
			return c, nil
		}
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		for _, k := range all {
			if k == c {
				return c, nil
			}
		}
		return "", fmt.Errorf("capability %q: unknown: %w", c, errdefs.ErrInvalid)
	}
	set := map[string]bool{}
	for _, c := range defaultCaps {
		set[c] = true
	}
	for _, c := range drop {
		c, err := norm(c)
		if err != nil {
			return nil, err
		}
		if c == "ALL" {
			set = map[string]bool{}
		} else {
			delete(set, c)
		}
	}
	for _, c := range add {
		c, err := norm(c)
		if err != nil {
			return nil, err
		}
		if c == "ALL" {
			for _, k := range all {
				set[k] = true
			}
		} else {
			set[c] = true
		}
	}
	var out []string
	for _, k := range all {
		if set[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// ociSpec builds the OCI runtime spec of a container, with docker's
// defaults. It translates the record and reads files (the image's
// /etc/passwd, bind sources), and changes nothing: the mounts and volume
// contents a start needs are made by the start path (shim.start) first.
func (e *Engine) ociSpec(r *record, rootfs string, proc *specs.Process) (*specs.Spec, error) {
	h := r.Host
	caps, err := capabilities(h.CapAdd, h.CapDrop, h.Privileged)
	if err != nil {
		return nil, err
	}
	so, err := parseSecurityOpts(h.SecurityOpt)
	if err != nil {
		return nil, err
	}
	proc.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
	proc.NoNewPrivileges = so.noNewPrivileges
	for _, u := range h.Ulimits { // for oci-spec; the shim hands them to libcontainer (processRlimits)
		proc.Rlimits = append(proc.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_" + strings.ToUpper(u.Name), Soft: rlim(u.Soft), Hard: rlim(u.Hard)})
	}
	const noexec = "noexec"
	s := &specs.Spec{
		Version:  specs.Version,
		Root:     &specs.Root{Path: rootfs},
		Hostname: r.Config.Hostname,
		Process:  proc,
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", noexec, "nodev"}},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", noexec, "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", noexec, "nodev", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"ro", "nosuid", noexec, "nodev"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", noexec, "nodev"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", noexec, "nodev", "mode=1777", shmOption(r.Host)}},
		},
		Linux: &specs.Linux{
			CgroupsPath: e.cgroupParent() + "/" + r.ID,
			Resources:   &specs.LinuxResources{},
		},
	}
	if err := e.specNamespaces(s, h); err != nil {
		return nil, err
	}
	if err := e.specShm(s, r.ID, h.IpcMode, r.Config.Labels); err != nil {
		return nil, err
	}
	if err := specInit(s, r); err != nil {
		return nil, err
	}
	if err := specUser(s, rootfs, r); err != nil {
		return nil, err
	}
	s.Root.Readonly = h.ReadonlyRootfs
	if err := e.specMounts(s, r); err != nil {
		return nil, err
	}
	if err := e.specNetwork(s, r); err != nil {
		return nil, err
	}
	if err := e.specUserns(s, r); err != nil {
		return nil, err
	}
	if !h.Privileged {
		s.Linux.MaskedPaths = maskedPaths
		s.Linux.ReadonlyPaths = readonlyPaths
		if !so.seccompUnconfined {
			prof, err := seccomp.GetDefaultProfile(s)
			if err != nil {
				return nil, fmt.Errorf("default seccomp profile: %w", err)
			}
			s.Linux.Seccomp = prof
		}
	} else {
		s.Mounts[3].Options = []string{"nosuid", noexec, "nodev", "rw"}
		s.Mounts[4].Options = []string{"rw", "nosuid", noexec, "nodev"}
	}
	res := s.Linux.Resources
	if h.Memory > 0 {
		m := h.Memory
		res.Memory = &specs.LinuxMemory{Limit: &m}
		if swap := memorySwap(h); swap != 0 {
			res.Memory.Swap = &swap
		}
	}
	if h.NanoCPUs > 0 {
		period := uint64(100000)
		quota := h.NanoCPUs * int64(period) / 1e9
		res.CPU = &specs.LinuxCPU{Period: &period, Quota: &quota}
	}
	if h.PidsLimit > 0 {
		p := h.PidsLimit
		res.Pids = &specs.LinuxPids{Limit: &p}
	}
	if err := specResources(s, h); err != nil {
		return nil, err
	}
	if h.Privileged {
		res.Devices = []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
		hostDevs, err := devices.HostDevices()
		if err == nil {
			for _, d := range hostDevs {
				if strings.HasPrefix(d.Path, "/dev/pts/") || d.Path == "/dev/console" || d.Path == "/dev/ptmx" {
					continue
				}
				mode, uid, gid := d.FileMode, d.Uid, d.Gid
				s.Linux.Devices = append(s.Linux.Devices, specs.LinuxDevice{
					Path: d.Path, Type: string(d.Type), Major: d.Major, Minor: d.Minor,
					FileMode: &mode, UID: &uid, GID: &gid,
				})
			}
		}
	}
	return s, nil
}

// memorySwap is the memory+swap limit for the cgroup: docker gives a
// container as much swap as memory unless told otherwise. Hosts without swap
// accounting (no memory.memsw files on cgroup v1) get no swap limit.
func memorySwap(h HostConfig) int64 {
	switch {
	case h.MemorySwap == -1:
		return -1
	case !swapAccounting():
		return 0
	case h.MemorySwap > 0:
		return h.MemorySwap
	default:
		return 2 * h.Memory
	}
}

func swapAccounting() bool {
	if cgroups.IsCgroup2UnifiedMode() {
		return true
	}
	_, err := os.Stat("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")
	return err == nil
}

// libcontainerConfig converts an OCI spec as runc does.
func libcontainerConfig(id string, s *specs.Spec) (*configs.Config, error) {
	cfg, err := specconv.CreateLibcontainerConfig(&specconv.CreateOpts{CgroupName: id, Spec: s})
	if err != nil {
		return nil, fmt.Errorf("container %s: runtime config: %w", id[:12], err)
	}
	rootlessConfig(cfg) // rootless.go
	return cfg, nil
}

// rlim is a --ulimit value for the spec: -1 is unlimited.
func rlim(v int64) uint64 {
	if v < 0 {
		return unix.RLIM_INFINITY
	}
	return uint64(v)
}

func allCaps() []string {
	return []string{
		"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
		"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
		"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
		"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
		"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
		"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
		"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
		"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
		"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
	}
}
