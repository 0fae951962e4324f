package engine

import "github.com/berthdev/berth/container"

// The engine works on record and state, which hold its API types; the
// disk holds container.Record and container.State, the schema types. These
// are the only conversions between the two. Structs of the same fields
// convert with T(x), so a field added to one of those fails to compile
// here; the others are copied field by field, and
// TestSchemaConversionsComplete fails when a field of the API types is not
// carried to the disk and back. Adding a field to the disk is a schema
// change: an added field that reads as its zero value when absent keeps
// older records readable; anything else bumps SchemaVersion with an
// upgrade step.

func recordToSchema(r *record) *container.Record {
	return &container.Record{
		ID: r.ID, Name: r.Name, Created: r.Created,
		Image: r.Image, ImageRef: r.ImageRef, ImageID: r.ImageID,
		LowerDirs: r.LowerDirs, Path: r.Path, Args: r.Args,
		Config:     configToSchema(r.Config),
		Host:       hostToSchema(r.Host),
		StopSignal: r.StopSignal, StopTime: r.StopTime,
		Mounts:   convertSlice(r.Mounts, func(m MountPoint) container.MountPoint { return container.MountPoint(m) }),
		Networks: convertMap(r.Networks, func(c EndpointConfig) container.EndpointConfig { return container.EndpointConfig(c) }),
	}
}

func recordFromSchema(c *container.Record) *record {
	return &record{
		ID: c.ID, Name: c.Name, Created: c.Created,
		Image: c.Image, ImageRef: c.ImageRef, ImageID: c.ImageID,
		LowerDirs: c.LowerDirs, Path: c.Path, Args: c.Args,
		Config:     configFromSchema(c.Config),
		Host:       hostFromSchema(c.Host),
		StopSignal: c.StopSignal, StopTime: c.StopTime,
		Mounts:   convertSlice(c.Mounts, func(m container.MountPoint) MountPoint { return MountPoint(m) }),
		Networks: convertMap(c.Networks, func(c container.EndpointConfig) EndpointConfig { return EndpointConfig(c) }),
	}
}

func configToSchema(c recordConfig) container.Config {
	return container.Config{
		Hostname: c.Hostname, User: c.User, Env: c.Env, Cmd: c.Cmd, Entrypoint: c.Entrypoint,
		WorkingDir: c.WorkingDir, Tty: c.Tty, OpenStdin: c.OpenStdin, Labels: c.Labels,
		ExposedPorts: c.ExposedPorts, Volumes: c.Volumes,
		Healthcheck: (*container.HealthConfig)(c.Healthcheck), Attach: c.Attach,
	}
}

func configFromSchema(c container.Config) recordConfig {
	return recordConfig{
		Hostname: c.Hostname, User: c.User, Env: c.Env, Cmd: c.Cmd, Entrypoint: c.Entrypoint,
		WorkingDir: c.WorkingDir, Tty: c.Tty, OpenStdin: c.OpenStdin, Labels: c.Labels,
		ExposedPorts: c.ExposedPorts, Volumes: c.Volumes,
		Healthcheck: (*HealthConfig)(c.Healthcheck), Attach: c.Attach,
	}
}

func healthToSchema(h *Health) *container.Health {
	if h == nil {
		return nil
	}
	return &container.Health{Status: h.Status, FailingStreak: h.FailingStreak,
		Log: convertSlice(h.Log, func(l HealthLog) container.HealthLog { return container.HealthLog(l) })}
}

func healthFromSchema(h *container.Health) *Health {
	if h == nil {
		return nil
	}
	return &Health{Status: h.Status, FailingStreak: h.FailingStreak,
		Log: convertSlice(h.Log, func(l container.HealthLog) HealthLog { return HealthLog(l) })}
}

func hostToSchema(h HostConfig) container.HostConfig {
	return container.HostConfig{
		Memory: h.Memory, MemorySwap: h.MemorySwap, NanoCPUs: h.NanoCPUs, PidsLimit: h.PidsLimit,
		CapAdd: h.CapAdd, CapDrop: h.CapDrop, Privileged: h.Privileged, SecurityOpt: h.SecurityOpt,
		NetworkMode: h.NetworkMode, PidMode: h.PidMode, IpcMode: h.IpcMode, UTSMode: h.UTSMode,
		UsernsMode: h.UsernsMode, IDMappings: (*container.IDMappings)(h.IDMappings),
		AutoRemove:    h.AutoRemove,
		RestartPolicy: container.RestartPolicy(h.RestartPolicy),
		Init:          h.Init, ReadonlyRootfs: h.ReadonlyRootfs, GroupAdd: h.GroupAdd,
		Binds: h.Binds,
		Mounts: convertSlice(h.Mounts, func(m Mount) container.Mount {
			return container.Mount{
				Type: m.Type, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly, Consistency: m.Consistency,
				BindOptions:   (*container.BindOptions)(m.BindOptions),
				VolumeOptions: (*container.VolumeOptions)(m.VolumeOptions),
				TmpfsOptions:  (*container.TmpfsOptions)(m.TmpfsOptions),
			}
		}),
		Tmpfs: h.Tmpfs, VolumesFrom: h.VolumesFrom,
		PortBindings: convertMap(h.PortBindings, func(bs []PortBinding) []container.PortBinding {
			return convertSlice(bs, func(b PortBinding) container.PortBinding { return container.PortBinding(b) })
		}),
		PublishAllPorts: h.PublishAllPorts, Links: h.Links,
		ExtraHosts: h.ExtraHosts, DNS: h.DNS, DNSSearch: h.DNSSearch, DNSOptions: h.DNSOptions,
		CPUShares: h.CPUShares, CpusetCpus: h.CpusetCpus, CpusetMems: h.CpusetMems,
		MemoryReservation: h.MemoryReservation, OomKillDisable: h.OomKillDisable, ShmSize: h.ShmSize,
		Ulimits:   convertSlice(h.Ulimits, func(u Ulimit) container.Ulimit { return container.Ulimit(u) }),
		Sysctls:   h.Sysctls,
		Devices:   convertSlice(h.Devices, func(d DeviceMapping) container.DeviceMapping { return container.DeviceMapping(d) }),
		LogConfig: logConfigToSchema(h.LogConfig),
	}
}

func hostFromSchema(h container.HostConfig) HostConfig {
	return HostConfig{
		Memory: h.Memory, MemorySwap: h.MemorySwap, NanoCPUs: h.NanoCPUs, PidsLimit: h.PidsLimit,
		CapAdd: h.CapAdd, CapDrop: h.CapDrop, Privileged: h.Privileged, SecurityOpt: h.SecurityOpt,
		NetworkMode: h.NetworkMode, PidMode: h.PidMode, IpcMode: h.IpcMode, UTSMode: h.UTSMode,
		UsernsMode: h.UsernsMode, IDMappings: (*IDMappings)(h.IDMappings),
		AutoRemove:    h.AutoRemove,
		RestartPolicy: RestartPolicy(h.RestartPolicy),
		Init:          h.Init, ReadonlyRootfs: h.ReadonlyRootfs, GroupAdd: h.GroupAdd,
		Binds: h.Binds,
		Mounts: convertSlice(h.Mounts, func(m container.Mount) Mount {
			return Mount{
				Type: m.Type, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly, Consistency: m.Consistency,
				BindOptions:   (*BindOptions)(m.BindOptions),
				VolumeOptions: (*VolumeOptions)(m.VolumeOptions),
				TmpfsOptions:  (*TmpfsOptions)(m.TmpfsOptions),
			}
		}),
		Tmpfs: h.Tmpfs, VolumesFrom: h.VolumesFrom,
		PortBindings: convertMap(h.PortBindings, func(bs []container.PortBinding) []PortBinding {
			return convertSlice(bs, func(b container.PortBinding) PortBinding { return PortBinding(b) })
		}),
		PublishAllPorts: h.PublishAllPorts, Links: h.Links,
		ExtraHosts: h.ExtraHosts, DNS: h.DNS, DNSSearch: h.DNSSearch, DNSOptions: h.DNSOptions,
		CPUShares: h.CPUShares, CpusetCpus: h.CpusetCpus, CpusetMems: h.CpusetMems,
		MemoryReservation: h.MemoryReservation, OomKillDisable: h.OomKillDisable, ShmSize: h.ShmSize,
		Ulimits:   convertSlice(h.Ulimits, func(u container.Ulimit) Ulimit { return Ulimit(u) }),
		Sysctls:   h.Sysctls,
		Devices:   convertSlice(h.Devices, func(d container.DeviceMapping) DeviceMapping { return DeviceMapping(d) }),
		LogConfig: logConfigFromSchema(h.LogConfig),
	}
}

func stateToSchema(s *state) *container.State {
	return &container.State{
		Status: s.Status, Pid: s.Pid, ShimPid: s.ShimPid, ShimStart: s.ShimStart,
		ExitCode: s.ExitCode, OOMKilled: s.OOMKilled, Error: s.Error,
		StartedAt: s.StartedAt, FinishedAt: s.FinishedAt,
		RestartCount: s.RestartCount, StopRequest: s.StopRequest, MemoryPeak: s.MemoryPeak,
		Endpoints: convertSlice(s.Endpoints, func(ep Endpoint) container.Endpoint { return container.Endpoint(ep) }),
		Ports:     convertSlice(s.Ports, func(p PortMapping) container.PortMapping { return container.PortMapping(p) }),
		Health:    healthToSchema(s.Health),
		PausedBy:  copyHolder(s.PausedBy),
	}
}

func stateFromSchema(s *container.State) *state {
	return &state{
		Status: s.Status, Pid: s.Pid, ShimPid: s.ShimPid, ShimStart: s.ShimStart,
		ExitCode: s.ExitCode, OOMKilled: s.OOMKilled, Error: s.Error,
		StartedAt: s.StartedAt, FinishedAt: s.FinishedAt,
		RestartCount: s.RestartCount, StopRequest: s.StopRequest, MemoryPeak: s.MemoryPeak,
		Endpoints: convertSlice(s.Endpoints, func(ep container.Endpoint) Endpoint { return Endpoint(ep) }),
		Ports:     convertSlice(s.Ports, func(p container.PortMapping) PortMapping { return PortMapping(p) }),
		Health:    healthFromSchema(s.Health),
		PausedBy:  copyHolder(s.PausedBy),
	}
}

func copyHolder(h *container.Holder) *container.Holder {
	if h == nil {
		return nil
	}
	c := *h
	return &c
}

// convertSlice maps f over s; nil stays nil (the JSON says null).
func convertSlice[T, U any](s []T, f func(T) U) []U {
	if s == nil {
		return nil
	}
	out := make([]U, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// convertMap maps f over m's values; nil stays nil.
func convertMap[K comparable, T, U any](m map[K]T, f func(T) U) map[K]U {
	if m == nil {
		return nil
	}
	out := make(map[K]U, len(m))
	for k, v := range m {
		out[k] = f(v)
	}
	return out
}

// The default log configuration is stored as nothing, so that records
// without one read back the same.
func logConfigToSchema(c LogConfig) *container.LogConfig {
	if c.Type == "" && len(c.Config) == 0 {
		return nil
	}
	return &container.LogConfig{Type: c.Type, Config: c.Config}
}

func logConfigFromSchema(c *container.LogConfig) LogConfig {
	if c == nil {
		return LogConfig{}
	}
	return LogConfig{Type: c.Type, Config: c.Config}
}
